"""One finding of ``infolinia check``: its own module so the check's parts (``check.py``, ``check_phone.py``)
and its report share it without importing each other."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Level = Literal["ok", "warn", "fail"]


@dataclass(frozen=True)
class Finding:
    """``fail`` = a caller would be hurt (exit status 1); ``warn`` = works, but probably not what a live
    hotline wants; ``ok``."""

    level: Level
    what: str
    detail: str
