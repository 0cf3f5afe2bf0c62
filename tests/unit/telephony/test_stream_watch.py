"""``StreamWatch``: when a call's media stream counts as stalled (the wall-clock watch of telephony/call/inbound.py)."""

from telephony.call.inbound import StreamWatch


def test_a_stall_is_counted_from_the_start_of_the_current_read_and_reported_once() -> None:
    watch = StreamWatch(5.0, now=100.0)
    assert watch.wait_s(102.0) == 3.0 and not watch.check(104.9)
    watch.reading(110.0)  # the call spent 10 s on the last event (frames queued meanwhile): no stall
    assert not watch.check(114.9) and watch.wait_s(114.0) == 1.0
    assert watch.check(115.0) and watch.stalled
    assert not watch.check(200.0) and watch.wait_s(200.0) is None  # the fail-safe runs once


def test_without_a_limit_nothing_stalls() -> None:
    watch = StreamWatch(None, now=0.0)
    assert watch.wait_s(1e6) is None and not watch.check(1e6)
