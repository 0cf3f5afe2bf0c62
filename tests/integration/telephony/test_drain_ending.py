"""A phone call that the graceful drain hands to the fallback number ends ``drained``, not contained.

Found by a review: the drain moved the call over REST without telling it, so the ``stop`` Twilio then sent
was recorded as the caller hanging up (``caller_hung_up``) and counted as contained, inflating the
containment rate on every deploy. Real uvicorn, the real Twilio router and call pipeline (fake models),
the real drain (``GracefulDrain``, as the first SIGTERM starts it) and the bench's Twilio stand-in on the
wire (``PhoneLine``), which sends ``stop`` as Twilio does once the call is redirected.
"""

from __future__ import annotations

import asyncio

import httpx
from fastapi import FastAPI

from dialog.store import MemoryStore
from telephony.app.workers import GracefulDrain
from telephony.call.admission import Admission
from telephony.call.deps import record_key
from telephony.call.loop import run_call
from telephony.devtools.faults_process import PhoneLine
from telephony.devtools.faults_world import AUTH
from telephony.exposition import parse_exposition
from telephony.metrics import Metrics
from telephony.ports import AudioChannel, CallStarted
from telephony.twilio.deps import TwilioDeps
from telephony.twilio.routes import build_twilio_router
from tests.support.call import FALLBACK, call_deps
from tests.support.servers import free_port, serve_in_loop

PUBLIC = "https://voice.example.pl"
GUARD_S = 30.0  # only stops a hang


async def call_ending(drained: bool) -> tuple[str, dict[str, float]]:
    """One call, greeted, then either handed over by the drain or hung up by the caller: (its record's
    ending, the metrics a Prometheus scrape would read)."""
    store, metrics, admission = MemoryStore(), Metrics(), Admission(max_calls=0)
    deps = call_deps(store=store, metrics=metrics)

    async def pipeline(channel: AudioChannel, started: CallStarted) -> None:
        await run_call(deps, channel, started)

    app = FastAPI()
    app.include_router(build_twilio_router(TwilioDeps(PUBLIC, AUTH, FALLBACK, store, pipeline, admission=admission)))
    async with serve_in_loop(app, free_port()) as url, httpx.AsyncClient() as http, asyncio.timeout(GUARD_S):
        line = PhoneLine(PUBLIC, url)
        await line.dial(http)
        assert await line.wait(lambda: line.first_audio_at is not None, GUARD_S)  # the greeting plays
        if drained:

            async def redirect(calls: list[str]) -> None:  # Twilio, redirected over REST, stops the stream
                assert calls == [line.sid]
                await line.hang_up()

            drain = GracefulDrain(admission, redirect, grace_s=0.2, poll_s=0.05)
            drain._previous = None  # uvicorn's handler stands here; nothing to chain in a test
            await drain.drain()
        else:
            await line.hang_up()
        while not admission.idle:
            await asyncio.sleep(0.02)
        record = await store.get(record_key(line.sid))
    assert record is not None
    return str(record["ended"]), parse_exposition(metrics.render().decode())


async def test_a_call_the_drain_hands_over_ends_drained_and_is_not_contained() -> None:
    ended, got = await call_ending(drained=True)
    assert ended == "drained"
    assert got["infolinia_calls_ended_total{ended=drained}"] == 1
    assert got.get("infolinia_calls_contained_total{}", 0) == 0


async def test_a_caller_hanging_up_is_still_a_contained_call() -> None:
    ended, got = await call_ending(drained=False)
    assert ended == "caller_hung_up"
    assert got["infolinia_calls_contained_total{}"] == 1
