"""The pure limiter's reservations when webhooks and streams cross: a phone stream takes the oldest reservation,
whichever webhook it was, so a failing webhook's ``release`` must still leave the count right."""

from __future__ import annotations

from telephony.call.admission import Admission
from tests.support.clock import FakeClock


def test_a_failed_webhook_whose_reservation_another_calls_stream_took_frees_that_calls_line() -> None:
    clock = FakeClock(100.0)
    adm = Admission(3, reserve_s=15.0, clock=clock)
    b = adm.admit()  # webhook B: slow (its store writes wait on a failover)
    c = adm.admit()  # webhook C answers at once
    assert b is not None and c is not None
    adm.started("CA-c")  # C's stream: it cannot tell which webhook answered it, so it takes B's (the oldest)
    clock.t = 105.0
    adm.release(b)  # B fails: no stream will come for it, and C's own reservation is the one left over
    assert (adm.active, adm.reserved) == (1, 0)  # was (1, 1): a phantom line for up to 15 s
    assert adm.admit() is not None
    adm.release(b)  # a retry of B's failure path frees nothing more
    assert (adm.active, adm.reserved) == (1, 1)


def test_a_failed_webhook_whose_own_stream_took_a_reservation_frees_nothing_once_expired() -> None:
    clock = FakeClock(0.0)
    adm = Admission(3, reserve_s=15.0, clock=clock)
    a = adm.admit()
    assert a is not None
    clock.t = 16.0  # A's reservation expired while A still ran
    assert adm.admit() is not None  # B: its stream is on its way
    adm.release(a)
    assert adm.reserved == 1  # B's line is still promised to B's stream


def test_a_talk_starting_on_an_expired_reservation_takes_no_waiting_phone_calls_line() -> None:
    clock = FakeClock(0.0)
    adm = Admission(3, reserve_s=15.0, clock=clock)
    talk = adm.admit()  # the playground admitted a talk that took long to start
    clock.t = 10.0
    phone = adm.admit()  # a phone webhook answered: its stream is on its way
    assert talk is not None and phone is not None
    clock.t = 16.0  # the talk's reservation expired
    adm.started("playground-1", phone=False, reservation=talk)
    assert (adm.active, adm.reserved) == (1, 1)  # the phone call's line is still promised to its stream
    adm.started("CA-phone")
    assert (adm.active, adm.reserved) == (2, 0)
