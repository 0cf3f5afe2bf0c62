"""A device turn looks again for phone turns just before it enters the recognizer (``telephony/access/lanes.py``,
``entry``): a phone turn that began while it waited for the host's slot, or in the loop iteration between its
lane letting it in and its waking up, went straight into the recognizer, and the device recognition used to start
beside it. Now the device turn gives its place and the host's slot back and waits again, first in line, within
the one ``wait_s``; past it, 503."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from telephony.access.deadline import Deadline
from telephony.access.host_slots import POLL_S, HostSlots
from telephony.access.lanes import Entry, RecognizerBusy, RecognizerLanes, entry
from tests.support.clock import FakeClock
from tests.support.speech import GatedRecognizer, text_to_pcm
from voice.ports import Transcript


def test_the_decision_goes_only_while_no_phone_turn_is_in_and_refuses_only_past_the_deadline() -> None:
    clock = FakeClock(0.0)
    deadline = Deadline.after(10.0, clock)
    assert entry(0, deadline) is Entry.GO
    assert entry(1, deadline) is Entry.WAIT and entry(3, deadline) is Entry.WAIT
    clock.t = 10.0
    assert entry(0, deadline) is Entry.GO  # it holds its place and the slot, no caller is in: go, late or not
    assert entry(1, deadline) is Entry.BUSY


@dataclass
class Script:
    """A fake clock whose ``sleep`` (how a turn waits between tries of the host's slot) also plays scripted
    events once the clock reaches their time: what happens while a device turn waits, exactly when."""

    clock: FakeClock = field(default_factory=FakeClock)
    events: list[tuple[float, Callable[[], None]]] = field(default_factory=list)

    async def sleep(self, seconds: float) -> None:
        self.clock.t += seconds
        while self.events and self.events[0][0] <= self.clock.t:
            self.events.pop(0)[1]()
        await asyncio.sleep(0)


@dataclass
class World:
    """One worker's lanes (wait 10 s on the script's clock) while another worker holds the host's one slot."""

    lanes: RecognizerLanes
    inner: GatedRecognizer
    script: Script
    folder: Path
    held: int | None
    tasks: list[asyncio.Task[Transcript]] = field(default_factory=list)

    def phone_starts(self) -> None:
        self.tasks.append(asyncio.create_task(self.lanes.phone.transcribe(text_to_pcm("p"), 8000)))

    def other_worker_done(self) -> None:
        assert self.held is not None
        HostSlots.give_back(self.held)
        self.held = None

    def host_slot_free(self) -> bool:
        fd = HostSlots(self.folder, 1).try_take()
        if fd is not None:
            HostSlots.give_back(fd)
        return fd is not None


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    held = HostSlots(tmp_path, 1).try_take()
    assert held is not None
    script, inner = Script(), GatedRecognizer()
    host = HostSlots(tmp_path, 1, sleep=script.sleep)
    lanes = RecognizerLanes(inner, slots=1, queue=4, wait_s=10.0, host=host, clock=script.clock)
    w = World(lanes, inner, script, tmp_path, held)
    yield w
    if w.held is not None:
        HostSlots.give_back(w.held)


def decided(w: World) -> Callable[[], bool]:
    """The device turn either went back into its lane or entered the recognizer (the bug)."""
    return lambda: w.lanes.device.in_use() == (0, 1) or "d" in w.inner.arrived


async def test_a_call_that_began_while_the_device_turn_waited_for_the_hosts_slot_goes_first(world: World) -> None:
    w = world
    w.script.events = [(5.0, w.phone_starts), (6.0, w.other_worker_done)]
    device = asyncio.create_task(w.lanes.device.transcribe(text_to_pcm("d"), 16000))
    await w.inner.wait_until(decided(w))
    assert "d" not in w.inner.arrived and w.inner.started == ["p"]  # the caller recognized alone
    assert 6.0 <= w.script.clock.t < 6.0 + 2 * POLL_S
    assert w.host_slot_free()  # given back while it waits: another worker's device turn may use it
    w.inner.release("p")
    await w.inner.wait_until(lambda: w.inner.started == ["p", "d"])  # the call is over: now the device
    w.inner.release("d")
    assert (await device).text == "d" and (await w.tasks[0]).text == "p"
    assert w.script.clock.t < 10.0 and w.lanes.device.in_use() == (0, 0)


async def test_the_same_with_the_deadline_passed_is_a_503_at_once(world: World) -> None:
    w = world
    w.script.events = [(5.0, w.phone_starts), (10.0, w.other_worker_done)]  # the slot is free only at the deadline
    device = asyncio.create_task(w.lanes.device.transcribe(text_to_pcm("d"), 16000))
    await w.inner.wait_until(lambda: device.done() or "d" in w.inner.arrived)
    assert "d" not in w.inner.arrived
    with pytest.raises(RecognizerBusy, match="phone calls") as busy:
        await device
    assert busy.value.retry_after_s == 10.0 and 10.0 <= w.script.clock.t < 10.0 + POLL_S
    assert "d" not in w.inner.arrived and w.lanes.device.in_use() == (0, 0) and w.host_slot_free()
    w.inner.release("p")
    await w.tasks[0]


async def test_two_workers_a_call_in_the_waiting_devices_worker_keeps_it_out(tmp_path: Path) -> None:
    """The real slots and real time: worker B's device turn waits for A's; a call starts on B meanwhile; A's
    recognition ends while the call's still runs."""
    first, second = GatedRecognizer(), GatedRecognizer()
    worker_a = RecognizerLanes(first, slots=1, queue=4, wait_s=60, host=HostSlots(tmp_path, 1))
    worker_b = RecognizerLanes(second, slots=1, queue=4, wait_s=60, host=HostSlots(tmp_path, 1))
    a = asyncio.create_task(worker_a.device.transcribe(text_to_pcm("a"), 16000))
    await first.wait_until(lambda: first.started == ["a"])
    b = asyncio.create_task(worker_b.device.transcribe(text_to_pcm("b"), 16000))
    await second.wait_until(lambda: worker_b.device.in_use() == (1, 0))  # in its worker's lane: now the host's
    phone = asyncio.create_task(worker_b.phone.transcribe(text_to_pcm("p"), 8000))
    await second.wait_until(lambda: second.started == ["p"])
    first.release("a")  # the host's slot is free, the call on B still runs
    assert (await a).text == "a"
    await second.wait_until(lambda: worker_b.device.in_use() == (0, 1) or "b" in second.arrived)
    assert "b" not in second.arrived
    second.release("p")
    await second.wait_until(lambda: second.started == ["p", "b"])
    second.release("b")
    assert [(await phone).text, (await b).text] == ["p", "b"]


async def test_a_call_that_starts_as_the_device_turn_is_let_in_goes_first() -> None:
    """No host share: the lane lets a device turn in when a call's turn ends, and another call's turn starts in
    the same loop iteration, before the device turn wakes (two calls, one just ending, one just speaking)."""
    inner = GatedRecognizer()
    lanes = RecognizerLanes(inner, slots=1, queue=4, wait_s=60)
    p1 = asyncio.create_task(lanes.phone.transcribe(text_to_pcm("p1"), 8000))
    await inner.wait_until(lambda: inner.started == ["p1"])
    device = asyncio.create_task(lanes.device.transcribe(text_to_pcm("d"), 16000))
    await inner.wait_until(lambda: lanes.device.in_use() == (0, 1))
    inner.release("p1")  # p1 wakes first, lets the device turn in; p2 runs before the device turn wakes
    p2 = asyncio.create_task(lanes.phone.transcribe(text_to_pcm("p2"), 8000))
    await inner.wait_until(lambda: inner.started == ["p1", "p2"])
    await asyncio.sleep(0.01)  # the device turn has woken and looked
    assert "d" not in inner.arrived and lanes.device.in_use() == (0, 1)
    inner.release("p2")
    await inner.wait_until(lambda: inner.started == ["p1", "p2", "d"])
    inner.release("d")
    assert [(await t).text for t in (p1, p2, device)] == ["p1", "p2", "d"]
