"""``dialog.cpu.CpuLane``: the one thread the dialog's embedding and ranking run on.

Each test first parks the lane's thread on a gate, so the calls behind it are queued before any of them
can run; the order they then run in is the lane's, not a race's. No sleeps, no timing.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from dialog.cpu import TEXT, VOICE, CpuLane


class Gate:
    """Holds the lane's thread inside one call until opened; records what ran, in order, on which thread."""

    def __init__(self) -> None:
        self.entered = threading.Event()
        self.opened = threading.Event()
        self.ran: list[str] = []
        self.threads: set[str] = set()

    def hold(self) -> str:
        self.entered.set()
        self.opened.wait(timeout=30)
        return self.note("gate")

    def note(self, name: str) -> str:
        self.ran.append(name)
        self.threads.add(threading.current_thread().name)
        return name

    def job(self, name: str) -> Callable[[], str]:
        return lambda: self.note(name)


@pytest.fixture
async def lane() -> AsyncIterator[CpuLane]:
    lane = CpuLane("test-cpu")
    yield lane
    lane.close()


async def park(lane: CpuLane, gate: Gate) -> asyncio.Task[str]:
    """Occupy the lane's thread with ``gate.hold`` and return once it is running there."""
    held = asyncio.create_task(lane.run(TEXT, gate.hold))
    await asyncio.to_thread(gate.entered.wait, 30)
    return held


async def queue(lane: CpuLane, calls: list[tuple[int, Callable[[], Any]]]) -> list[asyncio.Task[Any]]:
    """Submit ``calls`` in this order; returns once every one is on the lane's queue (each task runs up to
    its first await, which is after the push, within one turn of the loop)."""
    tasks = [asyncio.create_task(lane.run(priority, fn)) for priority, fn in calls]
    await asyncio.sleep(0)
    return tasks


async def test_voice_turns_overtake_queued_text_turns_and_each_priority_keeps_arrival_order(lane: CpuLane) -> None:
    gate = Gate()
    held = await park(lane, gate)
    calls = [(TEXT, gate.job("chat-1")), (VOICE, gate.job("phone-1")), (TEXT, gate.job("chat-2"))]
    calls += [(VOICE, gate.job("phone-2")), (TEXT, gate.job("chat-3"))]
    tasks = await queue(lane, calls)
    gate.opened.set()
    results = await asyncio.gather(held, *tasks)
    assert gate.ran == ["gate", "phone-1", "phone-2", "chat-1", "chat-2", "chat-3"]
    assert results == ["gate", "chat-1", "phone-1", "chat-2", "phone-2", "chat-3"]  # each caller got its own
    assert gate.threads == {"test-cpu"}  # never the event loop's thread


async def test_the_awaiting_coroutine_gets_the_exception_and_the_lane_goes_on(lane: CpuLane) -> None:
    def broken(text: str) -> str:
        raise ValueError(f"cannot embed {text!r}")

    with pytest.raises(ValueError, match="cannot embed 'paczka'"):
        await lane.run(VOICE, broken, "paczka")
    assert await lane.run(TEXT, str.upper, "dalej") == "DALEJ"


async def test_a_queued_call_whose_caller_gave_up_is_skipped(lane: CpuLane) -> None:
    gate = Gate()
    held = await park(lane, gate)
    gone, kept = await queue(lane, [(VOICE, gate.job("gone")), (TEXT, gate.job("kept"))])
    gone.cancel()
    with pytest.raises(asyncio.CancelledError):
        await gone
    gate.opened.set()
    assert await kept == "kept" and await held == "gate"
    assert gate.ran == ["gate", "kept"]


async def test_close_finishes_what_is_queued_then_refuses_new_work() -> None:
    lane, gate = CpuLane("test-cpu"), Gate()
    held = await park(lane, gate)
    tasks = await queue(lane, [(TEXT, gate.job("chat")), (VOICE, gate.job("phone"))])
    gate.opened.set()
    lane.close()  # returns once the thread has finished the queue and stopped
    assert gate.ran == ["gate", "phone", "chat"]
    assert await asyncio.gather(held, *tasks) == ["gate", "chat", "phone"]
    with pytest.raises(RuntimeError, match="closed"):
        await lane.run(VOICE, gate.job("late"))
    lane.close()  # idempotent
    assert gate.ran == ["gate", "phone", "chat"]
