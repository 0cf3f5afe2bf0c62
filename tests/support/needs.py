"""What a test needs that a fresh clone may lack: the shared Polish eval set beside the checkout
(``../shared/eval/asr-pl``, or ``INFOLINIA_ASR_EVAL_DIR``) and the offline speech models.

On a developer's fresh clone a missing one is a skip that says how to get it, so ``make test`` passes
without ``../shared``. In CI (``CI`` set, as every CI service does) it is an error: a CI run that
quietly skipped the real-speech tests would be green without having tested speech at all.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import NoReturn

import pytest

from tests.support.paths import EVAL_DIR

EVAL_HINT = f"the shared Polish eval set is not at {EVAL_DIR} (set INFOLINIA_ASR_EVAL_DIR)"


def in_ci() -> bool:
    """``CI`` set to anything but an explicit no (``CI=true`` on GitHub, GitLab, Woodpecker...)."""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def missing(reason: str) -> NoReturn:
    """Skip on a developer's machine; fail under CI, where nothing may be skipped."""
    if in_ci():
        pytest.fail(f"{reason} [CI is set: a missing eval set or model is an error, not a skip]", pytrace=False)
    pytest.skip(reason)


def eval_file(path: Path) -> Path:
    """``path`` (a file of the shared eval set) if it is there; else ``missing``."""
    if not path.is_file():
        missing(f"{EVAL_HINT}: {path} is missing")
    return path


def eval_clips(folder: Path, count: int) -> list[Path]:
    """The first ``count`` WAVs of an eval-set folder (sorted, so the same every run); else ``missing``."""
    clips = sorted(folder.glob("*.wav"))[:count]
    if len(clips) < count:
        missing(f"{EVAL_HINT}: fewer than {count} WAVs under {folder}")
    return clips
