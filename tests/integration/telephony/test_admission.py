"""Admission control: the pure limiter, the webhook's "all lines busy" answer, and the SIGTERM drain."""

from __future__ import annotations

import asyncio
import signal
from types import FrameType

import httpx
from fastapi import FastAPI
from twilio.request_validator import RequestValidator

from dialog.catalogue import LINES_BUSY_CALL_BACK, LINES_BUSY_TRANSFER
from dialog.store import MemoryStore
from telephony.app.workers import GracefulDrain
from telephony.call.admission import Admission
from telephony.exposition import parse_exposition
from telephony.metrics import Metrics
from telephony.ports import AudioChannel, CallStarted
from telephony.twilio.deps import TwilioDeps
from telephony.twilio.routes import build_twilio_router
from tests.support.clock import FakeClock

PUBLIC, TOKEN, FALLBACK = "https://voice.example.pl", "adm-token-0123456789", "+48221112233"


def test_the_limit_counts_calls_in_progress_and_reservations_that_have_not_expired() -> None:
    clock = FakeClock(100.0)
    adm = Admission(2, reserve_s=10.0, clock=clock)
    assert adm.admit() and adm.admit()
    assert not adm.admit() and adm.refused == 1  # two reserved: full
    adm.started("CA1")  # a reservation becomes a call
    assert (adm.active, adm.reserved) == (1, 1) and not adm.admit()
    clock.t += 10.0  # the second stream never came (or went to another worker)
    assert adm.reserved == 0 and adm.admit()
    adm.started("CA2")
    adm.ended("CA1")
    assert adm.active_calls == ["CA2"] and adm.admit()
    adm.started("CA3")
    adm.started("CA4")  # a stream always starts, even over the limit: its caller was answered
    assert adm.active == 3 and not adm.admit()


def test_a_failed_webhook_whose_reservation_expired_frees_no_other_line() -> None:
    clock = FakeClock(0.0)
    adm = Admission(2, reserve_s=15.0, clock=clock)
    a = adm.admit()  # webhook A: its store writes wait out a Sentinel failover (up to 10 s each)
    clock.t = 10.0
    assert a is not None and adm.admit() is not None  # webhook B answered: its stream is on its way
    clock.t = 16.0  # A's reservation expired while A still ran
    adm.release(a)  # A fails now and gives back its line: it has none any more
    assert adm.reserved == 1  # B's line is still promised to B's stream


def test_a_failed_webhook_gives_back_its_own_line_not_the_newest() -> None:
    adm = Admission(3, clock=FakeClock(100.0))
    a, b = adm.admit(), adm.admit()
    assert a is not None and b is not None
    adm.release(a)
    adm.release(a)  # twice (a retry of the failure path): still only its own
    adm.started("CA-b")  # B's stream: the one reservation left becomes B's call
    assert (adm.active, adm.reserved) == (1, 0)


def test_a_playground_talk_starts_on_its_own_reservation_not_a_waiting_phone_calls() -> None:
    adm = Admission(3, clock=FakeClock(100.0))
    phone = adm.admit()  # a phone webhook, still working
    talk = adm.admit()  # the playground admits and starts in one place
    assert phone is not None and talk is not None
    adm.started("playground-1", phone=False, reservation=talk)
    adm.release(phone)  # the phone webhook fails: its line comes back
    assert (adm.active, adm.reserved) == (1, 0)


def test_draining_refuses_everything_and_zero_means_unlimited() -> None:
    adm = Admission(0, clock=FakeClock(100.0))
    assert all(adm.admit() for _ in range(100))
    adm.drain()
    assert not adm.admit() and adm.draining


def test_a_call_handed_over_by_the_drain_is_noted_until_it_ends() -> None:
    adm = Admission(0, clock=FakeClock(100.0))
    adm.started("CA1")
    adm.started("CA2")
    adm.hand_over(["CA1"])
    assert adm.handed_over("CA1") and not adm.handed_over("CA2")
    adm.ended("CA1")
    assert not adm.handed_over("CA1")  # a later call reusing nothing of it


def _signed_post(client: httpx.AsyncClient, sid: str) -> object:
    params = {"CallSid": sid, "From": "+48600100200", "To": "+48221234567", "CallStatus": "ringing"}
    signature = RequestValidator(TOKEN).compute_signature(PUBLIC + "/twilio/voice", params)
    return client.post("/twilio/voice", data=params, headers={"X-Twilio-Signature": signature})


async def _no_call(channel: AudioChannel, started: CallStarted) -> None:
    raise AssertionError("no stream in this test")


async def test_a_full_gateway_answers_lines_busy_and_dials_the_human_queue() -> None:
    metrics, adm = Metrics(), Admission(1, clock=FakeClock(100.0))
    app = FastAPI()
    for fallback, prefix in ((FALLBACK, ""), ("", "/nofallback")):
        deps = TwilioDeps(
            public_url=PUBLIC + prefix,
            auth_token=TOKEN,
            fallback_number=fallback,
            store=MemoryStore(),
            run_call=_no_call,
            admission=adm,
            on_event=metrics.edge_event,
        )
        app.include_router(build_twilio_router(deps), prefix=prefix)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw") as client:
        first = await _signed_post(client, "CA" + "1" * 32)  # type: ignore[misc]
        second = await _signed_post(client, "CA" + "2" * 32)  # type: ignore[misc]
    assert first.status_code == 200 and "<Connect><Stream" in first.text
    assert second.status_code == 200 and "<Connect>" not in second.text
    assert LINES_BUSY_TRANSFER in second.text and f"<Dial>{FALLBACK}</Dial>" in second.text
    got = parse_exposition(metrics.render().decode())
    assert got["infolinia_admission_total{decision=admitted}"] == 1
    assert got["infolinia_admission_total{decision=refused}"] == 1
    assert "<Hangup" not in second.text and LINES_BUSY_CALL_BACK != LINES_BUSY_TRANSFER


async def test_drain_waits_for_calls_in_progress_then_hands_the_rest_over_and_chains_to_uvicorn() -> None:
    adm = Admission(5, clock=FakeClock(100.0))
    adm.admit()
    adm.started("CA-finishes")
    adm.started("CA-stays")
    handed: list[list[str]] = []
    chained: list[int] = []

    async def hand_off(sids: list[str]) -> None:
        handed.append(sids)

    drain = GracefulDrain(adm, hand_off, grace_s=0.6, poll_s=0.05)
    drain._previous = lambda sig, frame: chained.append(sig)  # uvicorn's handle_exit stands here

    async def one_call_finishes() -> None:
        await asyncio.sleep(0.2)
        adm.ended("CA-finishes")
        assert not adm.admit()  # draining already

    await asyncio.gather(drain.drain(signal.SIGTERM, None), one_call_finishes())
    assert handed == [["CA-stays"]] and chained == [signal.SIGTERM]


async def test_the_first_sigterm_drains_and_a_second_one_stops_at_once() -> None:
    adm = Admission(5, clock=FakeClock(100.0))
    chained: list[int] = []

    async def hand_off(sids: list[str]) -> None:
        return None

    drain = GracefulDrain(adm, hand_off, grace_s=5.0, poll_s=0.05)
    previous = signal.getsignal(signal.SIGTERM)
    drain.install()
    try:
        drain._previous = lambda sig, frame: chained.append(sig)

        frame: FrameType | None = None
        drain._on_signal(signal.SIGTERM, frame)
        assert adm.draining and not chained
        await asyncio.sleep(0.2)  # nothing in progress: the drain finishes at once
        assert drain.task is not None and drain.task.done() and chained == [signal.SIGTERM]
        drain._on_signal(signal.SIGTERM, frame)  # again: straight to uvicorn
        assert chained == [signal.SIGTERM, signal.SIGTERM]
    finally:
        drain._previous = None
        signal.signal(signal.SIGTERM, previous)
