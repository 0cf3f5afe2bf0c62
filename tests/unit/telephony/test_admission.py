"""The pure limiter's reservations when webhooks and streams cross: a phone stream takes the oldest reservation,
whichever webhook it was, so a failing webhook's ``release`` must still leave the count right."""

from __future__ import annotations

from telephony.call.admission import Admission
from tests.support.clock import FakeClock


def test_a_calls_stream_takes_its_own_webhooks_reservation_so_a_failed_webhook_frees_its_own() -> None:
    clock = FakeClock(100.0)
    adm = Admission(3, reserve_s=15.0, clock=clock)
    b = adm.admit("CA-b")  # webhook B: slow (its store writes wait on a failover)
    c = adm.admit("CA-c")  # webhook C answers at once
    assert b is not None and c is not None
    adm.started("CA-c")  # C's stream takes C's reservation (it took the oldest, B's, before)
    clock.t = 105.0
    adm.release(b)  # B fails: no stream will come for it
    assert (adm.active, adm.reserved) == (1, 0)
    assert adm.admit("CA-d") is not None
    adm.release(b)  # a retry of B's failure path frees nothing more
    assert (adm.active, adm.reserved) == (1, 1)


def test_a_reservation_released_after_its_expiry_frees_no_newer_webhooks_line() -> None:
    """A webhook that fails after its own reservation expired: before, because another call's stream had
    taken that reservation, its release freed the newest one left, a newer webhook's whose stream was on
    its way (that stream then found no line, and the limit let one call too many in meanwhile)."""
    clock = FakeClock(0.0)
    adm = Admission(2, reserve_s=15.0, clock=clock)
    a = adm.admit("CA-a")  # webhook A: its store writes wait out a failover
    clock.t = 1.0
    assert a is not None and adm.admit("CA-c") is not None
    adm.started("CA-c")  # C's stream
    clock.t = 17.0  # A's reservation (and C's) expired while A still ran
    d = adm.admit("CA-d")  # webhook D answered: its stream is on its way
    adm.release(a)  # A fails now
    assert adm.reserved == 1  # D's line is still promised to D's stream (was 0)
    assert adm.admit("CA-e") is None  # the limit: C in progress, D promised
    adm.started("CA-d")
    assert d is not None and (adm.active, adm.reserved) == (2, 0)


def test_a_stream_answered_by_another_worker_frees_nothing_when_the_webhook_it_took_from_fails() -> None:
    clock = FakeClock(0.0)
    adm = Admission(3, reserve_s=15.0, clock=clock)
    a = adm.admit("CA-a")  # webhook A, slow
    assert a is not None
    adm.started("CA-x")  # X's webhook was answered by another worker: its stream takes A's line here
    b = adm.admit("CA-b")
    adm.release(a)  # A fails: its line is X's call now, and B's is B's
    assert b is not None and (adm.active, adm.reserved) == (1, 1)  # was (1, 0): B's line freed


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


def test_a_call_whose_stream_never_started_gives_back_its_own_line_only() -> None:
    adm = Admission(3, clock=FakeClock(0.0))
    assert adm.admit("CA-a") is not None and adm.admit("CA-b") is not None
    adm.forgo("CA-x")  # a call whose webhook another worker answered: nothing of this worker's goes
    assert adm.reserved == 2
    adm.forgo("CA-a")  # A's stream sent no start and A was handed over
    adm.started("CA-b")
    assert (adm.active, adm.reserved) == (1, 0)
