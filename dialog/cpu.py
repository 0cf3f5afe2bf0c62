"""One worker thread for the dialog's CPU work (sentence embeddings, ranking), voice turns first.

Why not ``asyncio.to_thread``: the default executor is shared with recognition, synthesis and VAD, so a
burst of 200 chats (about 40 ms of embedding each) would queue a phone caller's speech work behind 8 s of
chat. Why not the event loop: 40 ms per turn there stalls every call's audio pacing. The embedding model
runs one text at a time anyway (it is locked), so one thread loses nothing; a heap lets phone and speaker
turns overtake queued chat turns (a caller hears silence, a chat client sees a typing indicator).
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, TypeVar

T = TypeVar("T")
VOICE, TEXT = 0, 1  # priorities: lower runs first


class CpuLane:
    """A single daemon thread running submitted calls by priority, then in order of arrival."""

    def __init__(self, name: str = "dialog-cpu") -> None:
        self._heap: list[tuple[int, int, Callable[[], Any], Future[Any]]] = []
        self._order = itertools.count()
        self._ready = threading.Condition()
        self._closed = False
        self._thread = threading.Thread(target=self._work, name=name, daemon=True)
        self._thread.start()

    async def run(self, priority: int, fn: Callable[..., T], *args: Any) -> T:
        """``fn(*args)`` on the lane's thread; the awaiting coroutine gets its result or exception."""
        future: Future[T] = Future()
        with self._ready:
            if self._closed:
                raise RuntimeError("dialog CPU lane is closed")
            heapq.heappush(self._heap, (priority, next(self._order), lambda: fn(*args), future))
            self._ready.notify()
        return await asyncio.wrap_future(future)

    def close(self) -> None:
        """Finish what is queued, then stop the thread (idempotent)."""
        with self._ready:
            self._closed = True
            self._ready.notify()
        if self._thread is not threading.current_thread():
            self._thread.join(timeout=5.0)

    def _work(self) -> None:
        while True:
            with self._ready:
                while not self._heap and not self._closed:
                    self._ready.wait()
                if not self._heap:
                    return
                _, _, call, future = heapq.heappop(self._heap)
            if not future.set_running_or_notify_cancel():
                continue
            try:
                future.set_result(call())
            except BaseException as exc:  # delivered to the awaiting coroutine, never lost in the thread
                future.set_exception(exc)
