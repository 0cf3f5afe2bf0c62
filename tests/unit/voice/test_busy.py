"""``voice.busy``: model runs count themselves while they run, from any worker thread."""

from __future__ import annotations

import asyncio
import threading

import pytest

from voice import busy
from voice.asr import run_in_slot


def test_a_counted_run_is_seen_while_it_runs_and_not_after() -> None:
    seen: list[int] = []
    before = busy.running()
    busy.counted(lambda: seen.append(busy.running()))()
    assert seen == [before + 1] and busy.running() == before


def test_a_failing_run_is_not_counted_after_it_fails() -> None:
    before = busy.running()

    def fails() -> None:
        raise RuntimeError("model error")

    with pytest.raises(RuntimeError):
        busy.counted(fails)()
    assert busy.running() == before


async def test_runs_in_worker_slots_see_each_other() -> None:
    """Two runs in slots at once: the second sees both (this is how a synthesis knows it is not alone)."""
    first_in = threading.Event()
    release = threading.Event()
    seen: list[int] = []

    def first() -> None:
        first_in.set()
        release.wait(5.0)

    def second() -> None:
        first_in.wait(5.0)
        seen.append(busy.running())
        release.set()

    slot = asyncio.Semaphore(2)
    before = busy.running()
    await asyncio.gather(run_in_slot(slot, first), run_in_slot(slot, second))
    assert seen == [before + 2] and busy.running() == before
