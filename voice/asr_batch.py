"""Several callers' turns recognised in one Whisper batch when they queue up for the recognizer.

Why: on a CPU the recognizer is the one heavy stage per turn, and when several calls end a turn at about
the same moment they wait for each other. CTranslate2 decodes a batch in one pass over the weights, so three
turns take ~0.75x the time of three in a row on 2 cores (docs/benchmarks.md). A lone turn never waits to
form a batch: batching only happens among requests that are already queued.

The batched pass mirrors what faster-whisper does for one utterance: the same mel frames (its last, padding
frame dropped), the same encoder length (turns are batched only with turns of equal length, see
``decode_batch``), the same prompt with the hotwords, suppressed tokens, beam and silence rule at
temperature 0. An item whose result would make faster-whisper fall back to a higher temperature (low
log-probability or a repetition loop), or that used more than its own token budget, is recognised again
alone by the full path. A batch thus reads each turn as it would be read alone (issue 20; the whole eval
set in docs/benchmarks.md).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from voice.busy import counted

R = TypeVar("R")  # what one recognition returns (the recognizer's ``Heard``)
Recognised = tuple[str, float, tuple[tuple[float, float, str], ...]]  # a simple R, for fakes in tests


@dataclass
class _Request(Generic[R]):
    key: str | None  # the hotwords prompt: only requests with the same prompt share a batch
    audio: Any  # whatever the model calls take (the recognizer passes (pcm, rate))
    future: asyncio.Future[tuple[R, float, float]]  # (result, queued s, processing s)
    queued: float = field(default_factory=time.perf_counter)
    abandoned: bool = False  # its caller stopped waiting (a speculative turn the caller went on talking over)


class BatchingQueue(Generic[R]):
    """Runs recognitions ``workers`` at a time; whatever queued meanwhile goes in the next batch.

    ``single(audio, key, wanted)`` and ``batch(audios, key, wanted)`` are the blocking model calls (run in
    threads); ``wanted()`` turns False once nobody waits for the result (they may then stop early).
    """

    def __init__(
        self,
        single: Callable[[Any, str | None, Callable[[], bool]], R],
        batch: Callable[[list[Any], str | None, Callable[[], bool]], list[R | None]],
        max_batch: int,
        workers: int = 1,
        on_abandoned: Callable[[float], None] | None = None,
    ) -> None:
        self._single, self._batch, self._max, self._workers = single, batch, max(1, max_batch), max(1, workers)
        # gets the model seconds spent on each recognition nobody waited for any more (a thread cannot stop)
        self._on_abandoned = on_abandoned
        self._pending: list[_Request[R]] = []
        self._running = 0
        self._tasks: set[asyncio.Task[None]] = set()
        self.batch_sizes: Counter[int] = Counter()  # model calls made, by batch size (observability, tests)

    def has_spare(self) -> bool:
        """A request submitted now gets a worker of its own at once (none waits, not every worker runs)."""
        return self._running < self._workers

    async def submit(self, audio: Any, key: str | None) -> tuple[R, float, float]:
        """Recognise ``audio``; returns (result, seconds queued, seconds of model work)."""
        request: _Request[R] = _Request(key, audio, asyncio.get_running_loop().create_future())
        self._pending.append(request)
        if self._running < self._workers:
            self._running += 1
            task = asyncio.get_running_loop().create_task(self._work())
            self._tasks.add(task)  # the loop keeps only weak references to tasks
            task.add_done_callback(self._tasks.discard)
        try:
            return await asyncio.shield(request.future)
        except asyncio.CancelledError:
            request.abandoned = True
            with contextlib.suppress(ValueError):
                self._pending.remove(request)  # not started yet: costs nothing
            raise

    async def _work(self) -> None:
        try:
            while self._pending:
                group = self._take()
                started = time.perf_counter()
                try:
                    wanted = _wanted(group)
                    results = await asyncio.to_thread(
                        counted(self._run), [r.audio for r in group], group[0].key, wanted
                    )
                except Exception as exc:
                    for r in group:
                        if not r.future.done():
                            r.future.set_exception(exc)
                    continue
                spent = time.perf_counter() - started
                for r, result in zip(group, results, strict=True):
                    if not r.future.done():
                        r.future.set_result((result, started - r.queued, spent))
                    if r.abandoned and self._on_abandoned is not None:
                        self._on_abandoned(spent / len(group))
        finally:
            self._running -= 1

    def _take(self) -> list[_Request[R]]:
        key = self._pending[0].key
        group = [r for r in self._pending if r.key == key][: self._max]
        for r in group:
            self._pending.remove(r)
        return group

    def _run(self, audios: list[Any], key: str | None, wanted: Callable[[], bool]) -> list[R]:
        """Blocking: one audio through the full path; several as a batch, redoing the doubtful ones alone.
        ``wanted``: somebody still waits for one of them (the model calls stop early otherwise)."""
        self.batch_sizes[len(audios)] += 1
        if len(audios) == 1:
            return [self._single(audios[0], key, wanted)]
        batched = self._batch(audios, key, wanted)
        return [r if r is not None else self._single(a, key, wanted) for a, r in zip(audios, batched, strict=True)]


def _wanted(group: list[_Request[R]]) -> Callable[[], bool]:
    """Whether anybody still waits for a result of ``group`` (read by the worker thread between passes)."""
    return lambda: any(not r.abandoned for r in group)
