"""How many model runs (recognitions, syntheses) are running in this process right now.

Why: a synthesis that runs alone on an idle machine should use every core (a lone caller's fresh reply
starts ~110 ms sooner on 2 threads than on 1), but one that runs beside a recognition or another synthesis
should not spread more threads than there are cores (they would slow each other and the callers waiting
for them). The synthesizer asks ``running()`` when a piece starts (``voice.tts``); every model run counts
itself with ``counted`` in its worker thread.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from functools import wraps
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")

_lock = threading.Lock()
_running = 0


def running() -> int:
    """Model runs in progress now, the caller's own included when it is one."""
    return _running


def counted(fn: Callable[P, T]) -> Callable[P, T]:
    """``fn`` counted as a model run while it executes (wrap what a worker thread runs)."""

    @wraps(fn)
    def run(*args: P.args, **kwargs: P.kwargs) -> T:
        global _running
        with _lock:
            _running += 1
        try:
            return fn(*args, **kwargs)
        finally:
            with _lock:
                _running -= 1

    return run
