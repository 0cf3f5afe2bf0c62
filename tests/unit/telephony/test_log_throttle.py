"""``LogThrottle``: a flood of one kind of refusal writes one line per ``every_s``, the first at once, and the next
line says how many were held back. A scripted clock: nothing sleeps."""

from __future__ import annotations

import logging

import pytest

from telephony.logs import LogThrottle

log = logging.getLogger("tests.throttle")


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == log.name]


def test_a_flood_writes_its_first_line_then_one_per_window_with_the_count(caplog: pytest.LogCaptureFixture) -> None:
    clock = Clock()
    throttle = LogThrottle(every_s=10.0, clock=clock)
    with caplog.at_level(logging.WARNING, logger=log.name):
        written = [throttle.warning(log, "bad", "refused: %s", "bad signature") for _ in range(2000)]
        clock.now += 9.9
        assert not throttle.warning(log, "bad", "refused: %s", "bad signature")
        clock.now += 0.1
        assert throttle.warning(log, "bad", "refused: %s", "bad signature")
        clock.now += 10.0
        assert throttle.warning(log, "bad", "refused: %s", "bad signature")
    assert written[0] and not any(written[1:])  # was: 2,000 lines
    assert _lines(caplog) == [
        "refused: bad signature",
        "refused: bad signature (and 2000 more like it in the last 10 s, not logged)",
        "refused: bad signature",  # nothing held back in between: no count
    ]
    assert all(r.levelno == logging.WARNING for r in caplog.records)


def test_each_reason_has_its_own_window(caplog: pytest.LogCaptureFixture) -> None:
    throttle = LogThrottle(every_s=10.0, clock=Clock())
    with caplog.at_level(logging.WARNING, logger=log.name):
        for _ in range(3):
            throttle.warning(log, "signature", "stream refused: %s", "bad or missing signature")
            throttle.warning(log, "token", "stream refused: %s", "bad token")
    assert _lines(caplog) == ["stream refused: bad or missing signature", "stream refused: bad token"]
