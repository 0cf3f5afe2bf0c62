"""Phone turns before device turns at the recognizer (``telephony/access/lanes.py``): ordered by events on a
gated fake recognizer that, like the real one, runs one recognition at a time in arrival order."""

from __future__ import annotations

import asyncio
import errno
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

import telephony.access.host_slots as host_slots_module
from telephony.access.deadline import Deadline
from telephony.access.host_slots import POLL_S, HostSlots
from telephony.access.lanes import RecognizerBusy, RecognizerLanes
from telephony.app.services import host_slots
from telephony.settings import Settings
from tests.support.clock import FakeClock
from tests.support.speech import GatedRecognizer, text_to_pcm


def turn(text: str) -> tuple[object, int]:
    return text_to_pcm(text), 16000


async def test_many_device_turns_in_flight_delay_a_phone_turn_by_at_most_the_one_in_progress() -> None:
    inner = GatedRecognizer()
    lanes = RecognizerLanes(inner, slots=1, queue=8, wait_s=60)
    devices = [asyncio.create_task(lanes.device.transcribe(text_to_pcm(f"d{i}"), 16000)) for i in range(6)]
    await inner.wait_until(lambda: inner.started == ["d0"])
    await inner.wait_until(lambda: lanes.device.in_use() == (1, 5))  # five more in flight, waiting
    phone = asyncio.create_task(lanes.phone.transcribe(text_to_pcm("p"), 8000))
    await inner.wait_until(lambda: "p" in inner.arrived)  # the phone turn is at the recognizer, behind d0 only
    inner.release("d0")
    await inner.wait_until(lambda: len(inner.started) == 2)
    assert inner.started == ["d0", "p"]  # not d1..d5 first
    inner.release("p")
    assert (await phone).text == "p"
    for i in range(1, 6):
        await inner.wait_until(lambda i=i: inner.started[-1] == f"d{i}")  # type: ignore[misc]
        inner.release(f"d{i}")
    assert [t.text for t in await asyncio.gather(*devices)] == [f"d{i}" for i in range(6)]


async def test_a_device_turn_does_not_enter_while_phone_turns_wait_or_run() -> None:
    inner = GatedRecognizer()
    lanes = RecognizerLanes(inner, slots=1, queue=4, wait_s=60)
    p1 = asyncio.create_task(lanes.phone.transcribe(text_to_pcm("p1"), 8000))
    await inner.wait_until(lambda: inner.started == ["p1"])
    device = asyncio.create_task(lanes.device.transcribe(text_to_pcm("d"), 16000))
    await inner.wait_until(lambda: lanes.device.in_use() == (0, 1))
    p2 = asyncio.create_task(lanes.phone.transcribe(text_to_pcm("p2"), 8000))  # arrives after the device turn
    await inner.wait_until(lambda: "p2" in inner.arrived)
    inner.release("p1")
    await inner.wait_until(lambda: len(inner.started) == 2)
    assert inner.started == ["p1", "p2"] and "d" not in inner.arrived
    inner.release("p2")
    await inner.wait_until(lambda: inner.started[-1] == "d")  # the calls are done: now the device
    inner.release("d")
    assert [(await t).text for t in (p1, p2, device)] == ["p1", "p2", "d"]


async def test_the_device_share_is_bounded_and_a_full_share_is_refused_at_once() -> None:
    inner = GatedRecognizer()
    lanes = RecognizerLanes(inner, slots=1, queue=2, wait_s=60)
    held = [asyncio.create_task(lanes.device.transcribe(text_to_pcm(f"d{i}"), 16000)) for i in range(3)]
    await inner.wait_until(lambda: lanes.device.in_use() == (1, 2))
    with pytest.raises(RecognizerBusy, match="full") as busy:
        await lanes.device.transcribe(text_to_pcm("one too many"), 16000)
    assert busy.value.retry_after_s > 0 and "one too many" not in inner.arrived
    phone = asyncio.create_task(lanes.phone.transcribe(text_to_pcm("p"), 8000))  # phones are never refused
    for text in ("d0", "p", "d1", "d2"):
        await inner.wait_until(lambda text=text: inner.started[-1] == text)  # type: ignore[misc]
        inner.release(text)
    await asyncio.gather(phone, *held)


async def test_a_device_turn_kept_out_by_calls_gives_up_after_its_wait() -> None:
    inner = GatedRecognizer()
    lanes = RecognizerLanes(inner, slots=1, queue=2, wait_s=0.01)  # the call below never ends in time
    phone = asyncio.create_task(lanes.phone.transcribe(text_to_pcm("p"), 8000))
    await inner.wait_until(lambda: inner.started == ["p"])
    with pytest.raises(RecognizerBusy, match="phone calls"):
        await lanes.device.transcribe(text_to_pcm("d"), 16000)
    assert lanes.device.in_use() == (0, 0) and "d" not in inner.arrived
    inner.release("p")
    await phone


async def test_a_cancelled_device_turn_frees_its_place() -> None:
    inner = GatedRecognizer()
    lanes = RecognizerLanes(inner, slots=1, queue=0, wait_s=60)
    first = asyncio.create_task(lanes.device.transcribe(text_to_pcm("d0"), 16000))
    await inner.wait_until(lambda: inner.started == ["d0"])
    first.cancel()  # the device hung up mid-recognition
    inner.release("d0")
    with pytest.raises(asyncio.CancelledError):
        await first
    assert lanes.device.in_use() == (0, 0)
    inner.release("d1")
    assert (await lanes.device.transcribe(text_to_pcm("d1"), 16000)).text == "d1"


def test_the_phone_lane_tells_whether_a_recognition_would_start_at_once() -> None:
    """What the call asks before a speculative recognition; a recognizer that cannot tell has room."""

    class Spare(GatedRecognizer):
        spare = True

        def has_spare(self) -> bool:
            return self.spare

    recognizer = Spare()
    lanes = RecognizerLanes(recognizer)
    assert lanes.phone.has_spare()
    recognizer.spare = False
    assert not lanes.phone.has_spare()
    assert RecognizerLanes(GatedRecognizer()).phone.has_spare()


async def test_the_device_share_is_the_hosts_not_each_workers(tmp_path: Path) -> None:
    """Two workers (two lanes over their own recognizers, one data folder): one device recognition at a time."""
    first, second = GatedRecognizer(), GatedRecognizer()
    worker_a = RecognizerLanes(first, slots=1, queue=4, wait_s=60, host=HostSlots(tmp_path, 1))
    worker_b = RecognizerLanes(second, slots=1, queue=4, wait_s=60, host=HostSlots(tmp_path, 1))
    a = asyncio.create_task(worker_a.device.transcribe(text_to_pcm("a"), 16000))
    await first.wait_until(lambda: first.started == ["a"])
    b = asyncio.create_task(worker_b.device.transcribe(text_to_pcm("b"), 16000))
    await second.wait_until(lambda: worker_b.device.in_use() == (1, 0))  # its worker let it in: now the host
    phone = asyncio.create_task(worker_b.phone.transcribe(text_to_pcm("p"), 8000))
    await second.wait_until(lambda: second.started == ["p"])  # a phone turn never waits for the host's share
    second.release("p")
    assert (await phone).text == "p" and "b" not in second.arrived
    first.release("a")
    await second.wait_until(lambda: second.started == ["p", "b"])
    second.release("b")
    assert [(await a).text, (await b).text] == ["a", "b"]


async def test_a_device_turn_waiting_for_the_hosts_share_gives_up_after_its_wait(tmp_path: Path) -> None:
    held = HostSlots(tmp_path, 1).try_take()  # another worker's recognition
    lanes = RecognizerLanes(GatedRecognizer(), slots=1, queue=4, wait_s=0.05, host=HostSlots(tmp_path, 1))
    with pytest.raises(RecognizerBusy, match="host") as busy:
        await lanes.device.transcribe(text_to_pcm("d"), 16000)
    assert busy.value.retry_after_s == 0.05 and lanes.device.in_use() == (0, 0)
    assert held is not None
    HostSlots.give_back(held)
    assert HostSlots(tmp_path, 1).try_take() is not None  # the slot is free again


def test_a_deadline_tells_what_is_left_of_it() -> None:
    clock = FakeClock(100.0)
    deadline = Deadline.after(10.0, clock)
    clock.t = 104.0
    assert deadline.left() == 6.0 and not deadline.passed()
    clock.t = 110.0
    assert deadline.left() == 0.0 and deadline.passed()


HostTaken = tuple[RecognizerLanes, GatedRecognizer, FakeClock]


@pytest.fixture
def host_taken(tmp_path: Path) -> Iterator[HostTaken]:
    """Lanes (wait 10 s on a fake clock, whose ``sleep`` paces the tries of the host's slot) while another
    worker holds the host's one slot."""
    held = HostSlots(tmp_path, 1).try_take()
    assert held is not None
    clock, inner = FakeClock(), GatedRecognizer()
    host = HostSlots(tmp_path, 1, sleep=clock.sleep)
    yield RecognizerLanes(inner, slots=1, queue=4, wait_s=10.0, host=host, clock=clock), inner, clock
    HostSlots.give_back(held)


async def test_a_device_turn_waits_once_for_its_lane_and_the_hosts_slot_together(host_taken: HostTaken) -> None:
    """9 s in the worker's lane (a call), then the host's slot: 1 s is left of the 10 s, not 10 s more."""
    lanes, inner, clock = host_taken
    phone = asyncio.create_task(lanes.phone.transcribe(text_to_pcm("p"), 8000))
    await inner.wait_until(lambda: inner.started == ["p"])
    device = asyncio.create_task(lanes.device.transcribe(text_to_pcm("d"), 16000))
    await inner.wait_until(lambda: lanes.device.in_use() == (0, 1))
    clock.t = 9.0  # the call took 9 s
    inner.release("p")
    with pytest.raises(RecognizerBusy, match="host") as busy:
        await device
    assert 10.0 <= clock.t < 10.0 + POLL_S and busy.value.retry_after_s == 10.0
    assert lanes.device.in_use() == (0, 0) and "d" not in inner.arrived
    await phone


async def test_a_device_turn_whose_lane_used_up_its_deadline_does_not_wait_for_the_host(host_taken: HostTaken) -> None:
    lanes, inner, clock = host_taken
    phone = asyncio.create_task(lanes.phone.transcribe(text_to_pcm("p"), 8000))
    await inner.wait_until(lambda: inner.started == ["p"])
    device = asyncio.create_task(lanes.device.transcribe(text_to_pcm("d"), 16000))
    await inner.wait_until(lambda: lanes.device.in_use() == (0, 1))
    clock.t = 10.0  # let into its lane just as its 10 s ran out
    inner.release("p")
    with pytest.raises(RecognizerBusy, match="host"):
        await device
    assert clock.t == 10.0  # refused at once: not one more try of the host's slot
    await phone


def test_a_data_folder_that_cannot_be_written_leaves_each_worker_its_own_share(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    assert host_slots(Settings(data_dir=blocker, speech=False)) is None
    assert host_slots(Settings(data_dir=tmp_path, speech=False)) is not None


def test_a_slot_file_that_cannot_be_opened_is_found_at_start_up_not_in_each_device_turn(tmp_path: Path) -> None:
    """The slot folder left by an earlier run on a data folder now mounted read-only: ``mkdir`` finds it there
    and says nothing, so only opening the slot files shows they cannot be used (here: a folder in a slot
    file's place, which even root cannot open for writing)."""
    (tmp_path / "device-asr" / "device-asr-0.lock").mkdir(parents=True)
    assert host_slots(Settings(data_dir=tmp_path, speech=False)) is None


def test_a_file_system_without_locks_leaves_no_descriptor_open(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``flock`` refused outright (ENOLCK on some network mounts): the error goes up, the slot file's
    descriptor does not stay open (one per device turn would exhaust the process's descriptors)."""
    slots = HostSlots(tmp_path)

    def no_locks(fd: int, op: int) -> None:
        raise OSError(errno.ENOLCK, "No locks available")

    monkeypatch.setattr(host_slots_module.fcntl, "flock", no_locks)
    before = len(os.listdir("/proc/self/fd"))
    with pytest.raises(OSError):
        slots.try_take()
    assert len(os.listdir("/proc/self/fd")) == before


def test_a_file_system_without_locks_is_found_at_start_and_each_worker_keeps_its_own_share(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A writable mount whose ``flock`` says ENOLCK: found when the gateway builds its slots, so it falls back to
    a share per worker, not a 500 on every device turn."""

    def no_locks(fd: int, op: int) -> None:
        raise OSError(errno.ENOLCK, "No locks available")

    monkeypatch.setattr(host_slots_module.fcntl, "flock", no_locks)
    assert host_slots(Settings(data_dir=tmp_path, speech=False)) is None
