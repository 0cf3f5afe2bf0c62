"""``infolinia bench faults``: the fault-injection scenarios of issue 12, each on the real gateway, printed
as a table (and asserted by tests/e2e/telephony/test_faults.py, which runs the same functions).

Each scenario returns a ``Row``: what was done, figures, and ``problems`` (data lost, a 5xx where a 4xx or
a 2xx is due, a caller left without audio or a transfer for more than ``SILENCE_LIMIT_S``). Times are the
gateway's own (its REST deadline, the moment a step answered), measured on a shared machine: noisy.
"""

from __future__ import annotations

import asyncio
import time
import xml.etree.ElementTree as ET
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from dialog import catalogue
from telephony.devtools.faults_world import CALLED, CALLER, FaultWorld, fault_world
from telephony.twilio.rest import TwilioRestError

SILENCE_LIMIT_S = 3.0


@dataclass
class Row:
    scenario: str
    figures: dict[str, Any] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def check(self, ok: bool, problem: str) -> None:
        if not ok:
            self.problems.append(problem)


def _form(sid: str, **extra: str) -> dict[str, str]:
    return {"CallSid": sid, "From": CALLER, "To": CALLED, **extra}


def _spoken(response: httpx.Response) -> bool:
    if response.status_code != 200:
        return False
    doc = ET.fromstring(response.text)
    return any(el.tag in ("Play", "Say") and (el.text or "").strip() for el in doc.iter())


async def redis_killed_callbacks(w: FaultWorld, callers: int = 10) -> Row:
    """Callers in the callback offer when Redis dies: half ask for a call, half leave a voicemail."""
    row = Row("redis killed: callback + voicemail requests")
    offered = [await w.transfer("obsluga") for _ in range(callers)]
    w.redis.kill()
    answers = []
    for i, (tid, sid) in enumerate(offered):
        digit = "1" if i % 2 == 0 else "2"
        answers.append(await w.signed(f"/twilio/transfer/{tid}/callback-answer", _form(sid, Digits=digit)))
        if digit == "2":
            rec = _form(sid, RecordingUrl=f"https://api.twilio.com/rec/RE{i}", RecordingDuration="9")
            answers.append(await w.signed(f"/twilio/transfer/{tid}/voicemail", rec))
    w.restart_redis()
    assert w.gateway.recovery is not None
    await w.gateway.recovery.check()
    await w.gateway.recovery.check()  # replaying again must store nothing twice
    assert w.gateway.transfer is not None
    book = w.gateway.transfer.agents.callbacks
    stored = [await book.get(f"cb-{tid}") for tid, _ in offered]
    voicemails = sum(1 for s in stored if s and s.get("voicemail_url"))
    pending = [c["id"] for c in await book.pending()]
    row.figures = {
        "requests": callers,
        "stored": sum(1 for s in stored if s),
        "voicemails": f"{voicemails}/{callers // 2}",
        "duplicates": len(pending) - len(set(pending)),
        "5xx": sum(1 for a in answers if a.status_code >= 500),
        "steps without a word": sum(1 for a in answers if not _spoken(a)),
    }
    row.check(row.figures["stored"] == callers, "callback requests lost")
    row.check(voicemails == callers // 2, "voicemails lost")
    row.check(row.figures["duplicates"] == 0 and row.figures["5xx"] == 0, "duplicates or 5xx")
    row.check(row.figures["steps without a word"] == 0, "a caller step without a word")
    return row


async def redis_killed_statuses(w: FaultWorld, callers: int = 10) -> Row:
    """Waiting callers hang up while Redis is down: their final status must close the transfer later."""
    row = Row("redis killed: final status callbacks")
    waiting = [await w.transfer("reklamacje") for _ in range(callers)]
    w.redis.kill()
    codes = [
        (await w.signed("/twilio/status", _form(sid, CallStatus="completed", SequenceNumber="5"))).status_code
        for _, sid in waiting
    ]
    w.restart_redis()
    assert w.gateway.recovery is not None and w.gateway.transfer is not None
    await w.gateway.recovery.check()
    left = await w.warm.p.store.waiting("reklamacje")
    row.figures = {"callers hung up": callers, "5xx": sum(c >= 500 for c in codes), "still queued after": len(left)}
    row.check(row.figures["5xx"] == 0, "5xx to Twilio for a caller who is gone")
    row.check(not left, "callers who hung up still queued")
    return row


async def redis_killed_api(w: FaultWorld) -> Row:
    """The agents API, chat turns and /readyz while Redis is down; the conversation after it is back.

    A chat turn during the outage (continued or new) must be a 503 with ``Retry-After``, never a 200 from a
    session that is not stored; the same conversation goes on, with its context, once Redis is back."""
    row = Row("redis killed: agents API, chat, /readyz")
    token = {"Authorization": "Bearer token-anna"}
    first = await w.http.post(f"{w.base}/v1/chat", json={"text": "Jak mogę zwrócić towar?"})
    session, answer = first.json()["session_id"], first.json()["reply"]
    w.redis.kill()
    agents = await w.http.get(f"{w.base}/v1/agents", headers=token)
    chat = await w.http.post(f"{w.base}/v1/chat", json={"session_id": session, "text": "Proszę powtórzyć"})
    fresh = await w.http.post(f"{w.base}/v1/chat", json={"text": "Ile kosztuje dostawa?"})
    ready = await w.http.get(f"{w.base}/readyz")
    w.restart_redis()
    again = await w.http.post(f"{w.base}/v1/chat", json={"session_id": session, "text": "Proszę powtórzyć"})
    repeated = again.status_code == 200 and again.json().get("reply", "").startswith(catalogue.REPEAT_PREFIX)
    row.figures = {
        "agents API": agents.status_code,
        "chat (continued)": f"{chat.status_code} Retry-After {chat.headers.get('retry-after')}",
        "chat (new)": f"{fresh.status_code} Retry-After {fresh.headers.get('retry-after')}",
        "readyz degraded": ",".join(ready.json().get("degraded", [])),
        "chat after restart": f"{again.status_code} same session: {again.json().get('session_id') == session}",
        "context kept": repeated and answer[:40] in again.json().get("reply", ""),
    }
    refused = [r for r in (chat, fresh) if r.status_code != 503 or not r.headers.get("retry-after")]
    row.check(agents.status_code == 503 and not refused, "not 503 with Retry-After while Redis is down")
    row.check("store" in ready.json().get("degraded", []), "/readyz does not say the store is down")
    row.check(again.status_code == 200 and again.json().get("session_id") == session, "session lost")
    row.check(bool(row.figures["context kept"]), "the conversation lost its context")
    return row


async def redis_back_empty(w: FaultWorld) -> Row:
    """Failover without persistence: Redis answers but is empty; the roster must come back."""
    row = Row("redis back empty: roster")
    token = {"Authorization": "Bearer token-anna"}
    w.restart_redis(empty=True)
    await w.gateway.store.ping()
    before = (await w.http.get(f"{w.base}/v1/agents", headers=token)).status_code
    ready = (await w.http.get(f"{w.base}/readyz")).json().get("degraded", [])
    assert w.gateway.recovery is not None
    await w.gateway.recovery.check()
    after = (await w.http.get(f"{w.base}/v1/agents", headers=token)).status_code
    row.figures = {"agent before check": before, "readyz degraded": ",".join(ready), "agent after check": after}
    row.check("roster" in ready, "/readyz green with the roster gone")
    row.check(after == 200, "roster not restored")
    return row


async def _rest_outage(w: FaultWorld, mode: str) -> Row:
    row = Row(f"twilio REST {'refused' if mode == 'refuse' else 'black-holed'} during a transfer")
    w.twilio.set_outage(mode)
    began = time.monotonic()
    failed_after = None
    try:
        await w.transfer("reklamacje")
    except TwilioRestError:
        failed_after = time.monotonic() - began
    began = time.monotonic()
    with_breaker = None
    try:
        await w.transfer("reklamacje")  # the next REST request fails at once: the fallback is not delayed
    except TwilioRestError:
        with_breaker = time.monotonic() - began
    w.twilio.set_outage(None)
    assert w.gateway.transfer is not None
    left = await w.warm.p.store.waiting("reklamacje")
    row.figures = {
        "failure after (s)": None if failed_after is None else round(failed_after, 2),
        "deadline (s)": w.gateway.settings.twilio_timeout_s,
        "next transfer fails after (s)": None if with_breaker is None else round(with_breaker, 2),
        "left queued": len(left),
        "anna": await w.agent_status("anna"),
    }
    row.check(failed_after is not None and with_breaker is not None, "the pipeline was not told to fall back")
    row.check(failed_after is None or failed_after <= SILENCE_LIMIT_S, "caller silent past the limit")
    row.check(not left, "a transfer left waiting for nobody")
    return row


async def rest_refused(w: FaultWorld) -> Row:
    return await _rest_outage(w, "refuse")


async def rest_black_holed(w: FaultWorld) -> Row:
    return await _rest_outage(w, "blackhole")


async def chat_bursts(w: FaultWorld, bursts: int = 5, size: int = 200) -> Row:
    """Bursts of concurrent chats; every session must continue on its second turn."""
    row = Row(f"{bursts} x {size}-chat bursts")
    kept, errors = 0, 0
    url = f"{w.base}/v1/chat"
    # keep-alive shorter than the server's (uvicorn: 5 s): a connection it closed is never reused by a burst
    limits = httpx.Limits(max_connections=size, keepalive_expiry=1.0)
    async with httpx.AsyncClient(timeout=120, limits=limits) as http:

        async def say(body: dict[str, str]) -> httpx.Response | None:
            try:
                return await http.post(url, json=body)
            except httpx.TransportError:
                return None

        for _ in range(bursts):
            first = await asyncio.gather(*(say({"text": "Ile kosztuje dostawa?"}) for _ in range(size)))
            sessions = [r.json()["session_id"] for r in first if r is not None and r.status_code == 200]
            errors += size - len(sessions)
            second = await asyncio.gather(*(say({"session_id": s, "text": "a do paczkomatu?"}) for s in sessions))
            for s, r in zip(sessions, second, strict=True):
                kept += r is not None and r.status_code == 200 and r.json()["session_id"] == s
    row.figures = {"chats": bursts * size, "sessions kept": kept, "errors": errors}
    row.check(kept == bursts * size, "sessions lost")
    return row


async def bad_bodies(w: FaultWorld) -> Row:
    """Oversize and malformed bodies: a 4xx each, never a 5xx."""
    row = Row("oversize and malformed bodies")
    big = b"x" * (3 * 1024 * 1024)
    probes = {
        "chat 3 MB": await w.http.post(f"{w.base}/v1/chat", content=big, headers={"content-type": "application/json"}),
        "chat not JSON": await w.http.post(
            f"{w.base}/v1/chat", content=b"{", headers={"content-type": "application/json"}
        ),
        "chat NaN": await w.http.post(
            f"{w.base}/v1/chat", content=b'{"text": NaN}', headers={"content-type": "application/json"}
        ),
        "voice webhook 3 MB": await w.http.post(f"{w.base}/twilio/voice", content=big),
        "status unsigned garbage": await w.http.post(f"{w.base}/twilio/status", content=b"\xff\xfe=%%%"),
        "transfer step 3 MB": await w.http.post(f"{w.base}/twilio/transfer/{'0' * 32}/hold", content=big),
    }
    row.figures = {name: r.status_code for name, r in probes.items()}
    row.check(all(400 <= r.status_code < 500 for r in probes.values()), "not a 4xx")
    return row


SCENARIOS: list[Callable[[FaultWorld], Awaitable[Row]]] = [
    redis_killed_callbacks,
    redis_killed_statuses,
    redis_killed_api,
    redis_back_empty,
    rest_refused,
    rest_black_holed,
    chat_bursts,
    bad_bodies,
]


async def run_faults(scenarios: list[Callable[[FaultWorld], Awaitable[Row]]] | None = None) -> list[Row]:
    """Each scenario in a fresh world (its own Redis, stand-in and gateway)."""
    rows = []
    for scenario in scenarios or SCENARIOS:
        async with fault_world() as world:
            began = time.monotonic()
            row = await scenario(world)
            row.figures["took (s)"] = round(time.monotonic() - began, 1)
            rows.append(row)
    return rows


def format_table(rows: list[Row]) -> str:
    lines = ["| scenario | figures | result |", "|---|---|---|"]
    for row in rows:
        figures = "; ".join(f"{k}: {v}" for k, v in row.figures.items())
        lines.append(f"| {row.scenario} | {figures} | {'ok' if not row.problems else ', '.join(row.problems)} |")
    return "\n".join(lines)
