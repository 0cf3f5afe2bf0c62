"""Stopping a background task at shutdown, even when a library swallows the cancellation.

Why not ``task.cancel(); await task``: a cancellation that lands while a library is inside its own timeout,
retry or reconnect handling can come out as an ordinary error (or not at all). A background loop that logs
errors and tries again then never ends, and a shutdown that awaits it waits forever. Seen in CI: after a
Redis restart the chat watch (``telephony/chat/stream.py``) was resubscribing when the gateway stopped, and
the gateway was still not stopped 10 s later, its lifespan waiting on that one task.

So ``stop_task`` cancels again until the task has ended, and after ``grace_s`` gives up with a warning that
names where the task waits: a shutdown must finish (systemd and Kubernetes kill what does not stop), and the
connections it would have used are closed right after anyway.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

log = logging.getLogger(__name__)


async def stop_task(
    task: asyncio.Task[Any], *, grace_s: float = 5.0, every_s: float = 1.0, log_error: bool = True
) -> bool:
    """Cancel ``task`` (again every ``every_s``, so its clean-up gets a fair chance before it is cut short)
    and wait up to ``grace_s``; True when it ended.

    An error the task ended with is logged (unless ``log_error`` is False: the task logged it itself), not
    raised: the caller is shutting down and has more to close.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + grace_s
    while not task.done():
        left = deadline - loop.time()
        if left <= 0:
            log.warning("task %s did not stop within %.1f s; left behind (waits at %s)", task.get_name(),
                        grace_s, " -> ".join(awaiting(task.get_coro())))  # fmt: skip
            return False
        task.cancel()
        await asyncio.wait({task}, timeout=min(every_s, left))
    error = None if task.cancelled() else task.exception()  # retrieved even unlogged: no asyncio warning later
    if log_error and error is not None:
        log.warning("task %s ended with an error", task.get_name(), exc_info=error)
    return True


def awaiting(coro: Any) -> list[str]:
    """Where a suspended coroutine waits, outermost first, following what each frame awaits.

    ``Task.get_stack`` gives only the outermost frame of a coroutine, which says little about what holds it.
    """
    places: list[str] = []
    while coro is not None and len(places) < 40:
        frame = getattr(coro, "cr_frame", None) or getattr(coro, "ag_frame", None)
        if frame is not None:
            places.append(f"{frame.f_code.co_filename}:{frame.f_lineno} {frame.f_code.co_name}")
        coro = getattr(coro, "cr_await", None) or getattr(coro, "ag_await", None)
    return places
