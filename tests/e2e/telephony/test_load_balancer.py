"""Issue 18 item 2: three gateway processes behind a real load balancer (Debian's haproxy, round-robin,
every request balanced on its own, WebSockets passed through), sharing the suite's Redis.

One gateway is SIGKILLed in the middle of two calls: its caller's stream drops, which makes Twilio run the
rest of the webhook's document (an apology and the fallback number: asserted on the document every call
gets), while the call on another gateway goes on to its last turn without noticing. The dead gateway's
call still gets its final status callback stored by a survivor. A third call, after the kill, is handed to
the warm transfer's callback offer: its webhook, media stream, transfer steps and status callback are
shown (haproxy's log) to land on both survivors, and its callback request is stored. ``/metrics`` of the
three add up to the calls and webhooks the test made.

What runs: ``uvicorn`` with the product's factory (``telephony.app.workers:app_from_env``) wrapped by
``tests.support.lb:app_from_env``, which stands in for the speech *models* only (a tone voice, a recognizer
telling turns apart by length, an amplitude VAD): Whisper and Piper in three processes do not fit a 2-core
CI machine. Everything from the caller's audio frames to the dialog engine's answer is the product; the
caller is the call simulator on the wire. Nothing is timed: the waits only bound a hang.
"""

from __future__ import annotations

import asyncio
import uuid
import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from twilio.request_validator import RequestValidator

from dialog.catalogue import REPEAT_PREFIX
from dialog.store import RedisStore
from telephony.agents.callbacks_redis import RedisCallbacks
from telephony.call.deps import record_key
from telephony.devtools.simulator import CallSimulator, SimulationResult
from telephony.devtools.simulator_audio import load_turn
from telephony.devtools.twilio_standin import TwilioStandin
from telephony.exposition import parse_exposition
from telephony.twilio.wire import call_key
from tests.support.gateway import tone_wav
from tests.support.lb import ASKED, REPEAT, CallRouter, HAProxy, start_haproxy
from tests.support.servers import Server, free_port, spawn, stop, uvicorn_factory, wait_ready

ACCOUNT = "AC" + "8" * 32
TOKEN = "lb-test-token-0123456789abcdef"
FALLBACK = "+48221112299"
GUARD_S = 300.0


@dataclass
class Cluster:
    gateways: list[Server]
    lb: HAProxy
    twilio: TwilioStandin
    router: CallRouter
    prefix: str
    redis_url: str
    tmp: Path

    @property
    def public(self) -> str:
        return self.lb.url  # what Twilio is told (signatures are computed on it)

    def caller(self) -> CallSimulator:
        sim = CallSimulator(self.lb.url, public_url=self.public, auth_token=TOKEN, account_sid=ACCOUNT)
        sim.rest = self.router.for_call(sim.call_sid)
        return sim

    async def signed(self, http: httpx.AsyncClient, url: str, params: dict[str, str]) -> httpx.Response:
        signature = RequestValidator(TOKEN).compute_signature(url, params)
        return await http.post(url, data=params, headers={"X-Twilio-Signature": signature})


def _env(redis_url: str, prefix: str, public: str, twilio_api: str, data: Path) -> dict[str, str]:
    return {
        "INFOLINIA_REDIS_URL": redis_url,
        "INFOLINIA_REDIS_PREFIX": prefix,
        "INFOLINIA_PUBLIC_URL": public,
        "INFOLINIA_TWILIO_AUTH_TOKEN": TOKEN,
        "INFOLINIA_TWILIO_ACCOUNT_SID": ACCOUNT,
        "INFOLINIA_TWILIO_API_BASE": twilio_api,
        "INFOLINIA_FALLBACK_NUMBER": FALLBACK,
        "INFOLINIA_BUSINESS_HOURS": "pn-nd 0:00-24:00, święta 0:00-24:00",  # open whenever the suite runs
        "INFOLINIA_TTS_PRERENDER": "false",
        "INFOLINIA_DATA_DIR": str(data),
        "INFOLINIA_LOG_LEVEL": "WARNING",
    }


@pytest.fixture
async def cluster(redis_url: str, tmp_path: Path) -> AsyncIterator[Cluster]:
    twilio = TwilioStandin(ACCOUNT, TOKEN)
    api = await twilio.start()
    router = CallRouter(twilio)
    router.start()
    prefix, lb_port, ports = f"lb{uuid.uuid4().hex[:8]}:", free_port(), [free_port() for _ in range(3)]
    gateways: list[Server] = []
    lb: HAProxy | None = None
    try:
        for i, port in enumerate(ports):
            env = _env(redis_url, prefix, f"http://127.0.0.1:{lb_port}", api, tmp_path / f"gw{i}")
            cmd = uvicorn_factory("tests.support.lb:app_from_env", port)
            gateways.append(spawn(cmd, port, env, tmp_path / f"gw{i}.log"))
        for server in gateways:
            await asyncio.to_thread(wait_ready, server, "/readyz", 240.0, 1, 0.5)
        lb = start_haproxy(lb_port, ports)
        await asyncio.to_thread(wait_ready, Server(lb.url, lb.proc, lb.log), "/readyz", 60.0, 6, 0.3)
        yield Cluster(gateways, lb, twilio, router, prefix, redis_url, tmp_path)
    finally:
        if lb is not None:
            lb.stop()
        for server in gateways:
            if server.proc.poll() is None:
                stop(server, timeout_s=20)
        await router.stop()
        await twilio.stop()


async def _scrape(http: httpx.AsyncClient, server: Server) -> dict[str, float]:
    return parse_exposition((await http.get(server.url + "/metrics")).text)


def _figure(metrics: dict[str, float], name: str) -> float:
    return sum(v for k, v in metrics.items() if k == name or k.startswith(name + "{"))


async def _until(check: Any, what: str, timeout_s: float = GUARD_S) -> None:
    deadline = asyncio.get_running_loop().time() + timeout_s
    while not await check():
        assert asyncio.get_running_loop().time() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.1)


def _turns(tmp: Path, kinds: str) -> list[Any]:
    """'s' a short turn (the recognizer hears ASKED), 'l' a long one (REPEAT), '0' the key 0."""
    short, long = tone_wav(tmp / "short.wav", 0.8), tone_wav(tmp / "long.wav", 2.4)
    return [load_turn({"s": short, "l": long, "0": "dtmf:0"}[k]) for k in kinds]


def _bot_lines(record: dict[str, Any] | None) -> list[str]:
    return [e["text"] for e in (record or {}).get("transcript", []) if e.get("role") == "bot"]


@pytest.fixture
def store(cluster: Cluster) -> Iterator[RedisStore]:
    yield RedisStore(cluster.redis_url, prefix=cluster.prefix)


async def test_three_gateways_behind_haproxy_lose_only_the_killed_ones_calls(
    cluster: Cluster, store: RedisStore
) -> None:
    async def scenario() -> None:
        async with httpx.AsyncClient(timeout=60) as http:
            await _killed_mid_call(cluster, http, store)

    try:
        await asyncio.wait_for(scenario(), GUARD_S * 2)
    finally:
        await store.close()


async def _active(http: httpx.AsyncClient, gateways: list[Server]) -> list[float]:
    return [_figure(await _scrape(http, g), "infolinia_calls_active") for g in gateways]


async def _killed_mid_call(c: Cluster, http: httpx.AsyncClient, store: RedisStore) -> None:
    # What every call's webhook answers: after the stream, the apology and the fallback number (what Twilio
    # runs when the stream drops). A probe call, through the balancer.
    probe = {"CallSid": "CA" + uuid.uuid4().hex, "AccountSid": ACCOUNT, "From": "+48600100900", "To": "+48221234567"}
    doc = ET.fromstring((await c.signed(http, c.public + "/twilio/voice", probe)).text)
    assert [el.tag for el in doc] == ["Connect", "Say", "Dial"] and doc.findtext("Dial") == FALLBACK

    # Two long calls, started one after the other (so round-robin puts their streams on two gateways).
    a, b = c.caller(), c.caller()
    conversation = _turns(c.tmp, "slsl")
    call_a = asyncio.create_task(a.run(conversation, max_s=GUARD_S))

    async def a_active() -> bool:
        return sum(await _active(http, c.gateways)) >= 1 or call_a.done()

    await _until(a_active, "the first call's stream")
    call_b = asyncio.create_task(b.run(conversation, max_s=GUARD_S))

    async def both_active() -> bool:
        return sum(await _active(http, c.gateways)) >= 2 or call_b.done()

    await _until(both_active, "both calls' streams")
    before = [await _scrape(http, g) for g in c.gateways]
    active = [_figure(m, "infolinia_calls_active") for m in before]
    # The figures of three processes add up to what was done through the balancer.
    assert sorted(active) == [0.0, 1.0, 1.0], active
    assert sum(_figure(m, "infolinia_calls_started_total") for m in before) == 2
    assert sum(_figure(m, "infolinia_admission_total{decision=admitted}") for m in before) == 3

    victim = active.index(1.0)
    c.gateways[victim].proc.kill()  # SIGKILL: a crash, the pod evicted, the machine gone
    c.gateways[victim].proc.wait()
    results: list[SimulationResult] = [await call_a, await call_b]
    ended = {r.call_sid: r.ended_by for r in results}
    # Its caller's stream dropped (Twilio now runs the fallback above); the other call did not notice.
    assert sorted(ended.values()) == ["caller", "server"], ended
    lost = next(r for r in results if r.ended_by == "server")
    kept = next(r for r in results if r.ended_by == "caller")
    assert len(kept.turns) == 4 and all(t.first_reply_s is not None for t in kept.turns)
    record = await _record(store, kept.call_sid)
    heard = [e["text"] for e in (record or {}).get("transcript", []) if e.get("role") == "caller"]
    assert heard == [ASKED, REPEAT, ASKED, REPEAT], heard
    said = _bot_lines(record)  # a real conversation: the repeats say the delivery answer again (its session)
    repeats = [i for i, line in enumerate(said) if line.startswith(REPEAT_PREFIX)]
    assert len(repeats) == 2, said
    again = said[repeats[0]].removeprefix(REPEAT_PREFIX).strip()
    assert again[:30] in " ".join(said[1 : repeats[0]]), said
    for result in results:  # Twilio's final status callbacks reach a survivor, for the dead gateway's call too
        final = {"CallSid": result.call_sid, "AccountSid": ACCOUNT, "CallStatus": "completed", "SequenceNumber": "9"}
        assert (await c.signed(http, c.public + "/twilio/status", final)).status_code == 204
    status = await store.get(call_key(lost.call_sid))
    assert status is not None and status.get("status") == "completed"

    survivors = [g for i, g in enumerate(c.gateways) if i != victim]
    await _handed_over_across_survivors(c, http, store, survivors, victim)
    after = [await _scrape(http, g) for g in survivors]
    started_before = sum(_figure(before[i], "infolinia_calls_started_total") for i in range(3) if i != victim)
    assert sum(_figure(m, "infolinia_calls_started_total") for m in after) == started_before + 1


async def _record(store: RedisStore, call_sid: str) -> dict[str, Any] | None:
    """The call's final record, which its gateway writes a moment after the caller hangs up (the ones it
    writes after each turn say ``in_progress``)."""
    for _ in range(200):
        record = await store.get(record_key(call_sid))
        if record is not None and record.get("ended") != "in_progress":
            return record
        await asyncio.sleep(0.1)
    return None


async def _handed_over_across_survivors(
    c: Cluster, http: httpx.AsyncClient, store: RedisStore, survivors: list[Server], victim: int
) -> None:
    """A call after the kill asks for a person (key 0): nobody is on duty, so the warm transfer redirects it
    to the callback offer; the caller asks for a call back. Its steps land on both survivors."""
    logged = len(c.lb.served())
    caller = c.caller()
    result = await caller.run(_turns(c.tmp, "s0"), max_s=GUARD_S)
    assert result.ended_by == "transferred" and result.action is not None
    redirect = next(r for r in c.twilio.history if r.kind == "update" and r.call_sid == caller.call_sid)
    offer_url = redirect.get("Url")
    assert "/callback-offer" in offer_url, redirect
    form = {"CallSid": caller.call_sid, "From": caller.from_number, "To": caller.to_number}
    offer = ET.fromstring((await c.signed(http, offer_url, form)).text)
    answer_url = offer.find("Gather").get("action", "")  # type: ignore[union-attr]
    booked = await c.signed(http, answer_url, {**form, "Digits": "1"})
    assert booked.status_code == 200 and ("<Play>" in booked.text or "<Say" in booked.text), booked.text
    final = {"CallSid": caller.call_sid, "AccountSid": ACCOUNT, "CallStatus": "completed", "SequenceNumber": "9"}
    assert (await c.signed(http, c.public + "/twilio/status", final)).status_code == 204

    tid = offer_url.split("/twilio/transfer/")[1].split("/")[0]
    callbacks = RedisCallbacks(store._redis, prefix=c.prefix)  # the gateways' Redis and prefix
    stored = await callbacks.get(f"cb-{tid}")
    assert stored is not None and stored["phone"] == caller.from_number

    async def stream_logged() -> bool:
        return any(path.startswith("/twilio/stream") for _, _, path in c.lb.served()[logged:])

    await _until(stream_logged, "haproxy's log line of the media stream")
    steps = c.lb.served()[logged:]
    where = {path.split("?")[0].rsplit("/", 1)[-1]: gw for gw, _, path in steps}
    assert set(where) >= {"voice", "callback-offer", "callback-answer", "status"}, steps
    assert {gw for gw, _, _ in steps} == {f"gw{i}" for i in range(3) if i != victim}, steps  # both survivors
