"""The process-level fault scenarios of ``infolinia bench faults``: real gateway processes (speech on), a call
in progress over the real media-stream WebSocket, and the process killed under it (SIGTERM: the graceful
drain; SIGKILL: nothing runs), and 50 media streams opened at once.

What each asserts (``Row.problems``): the caller is never left without audio or a transfer (the bot keeps
talking, the call is handed to the fallback number over REST, or the stream ends and Twilio runs the
apology and the ``<Dial>`` after ``</Connect>``), nothing is lost (call records, spooled status callbacks
replayed by another process), no 5xx to Twilio. Times are figures; with ``strict`` (the bench) they are
also checked against the 3 s limit, in tests they are not (a shared CI machine is not a stopwatch).
"""

from __future__ import annotations

import asyncio
import shutil
import signal
import statistics
import tempfile
import time
import uuid
import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from dialog.store import RedisStore
from telephony.call.deps import record_key
from telephony.devtools.faults import SILENCE_LIMIT_S, Row
from telephony.devtools.faults_process import GatewayProcess, PhoneLine, process_env
from telephony.devtools.faults_world import ACCOUNT, AUTH, FALLBACK
from telephony.devtools.redis_server import RedisServer
from telephony.devtools.twilio_standin import TwilioStandin
from telephony.twilio.wire import call_key

PUBLIC = "https://lb.infolinia.example"  # the load balancer in front of every process (Twilio signs this)
DRAIN_GRACE_S, REST_TIMEOUT_S = 1.0, 1.5  # as in process_env
FIRST_AUDIO_BOUND_S = 60.0  # only stops a hang; the time itself is a figure


@dataclass
class ProcessWorld:
    redis: RedisServer
    twilio: TwilioStandin
    store: RedisStore
    http: httpx.AsyncClient
    tmp: Path
    prefix: str
    processes: list[GatewayProcess]
    models_dir: Path | None = None

    async def start(self, *, speech: bool, count: int = 1) -> list[GatewayProcess]:
        """``count`` processes started together (their start-ups overlap), ready."""
        started = [
            GatewayProcess.spawn(self.env(speech), PUBLIC, self.tmp / f"gateway-{len(self.processes) + i}.log")
            for i in range(count)
        ]
        self.processes += started
        await asyncio.gather(*(p.ready(self.http) for p in started))
        return started

    def env(self, speech: bool) -> dict[str, str]:
        env = process_env(self.redis.url, self.prefix, self.twilio.url, self.tmp, speech=speech)
        if self.models_dir is not None:
            env["INFOLINIA_MODELS_DIR"] = str(self.models_dir)
        return env

    async def call_status(self, sid: str) -> str | None:
        record = await self.store.get(call_key(sid))
        return None if record is None else str(record.get("status"))


@asynccontextmanager
async def process_world(models_dir: Path | None = None) -> AsyncIterator[ProcessWorld]:
    """A private redis-server (persistent), the Twilio stand-in and a folder (logs, spool, roster); processes
    are started by the scenario and stopped here. ``models_dir``: where the speech models are (default:
    the gateway's own default, or ``INFOLINIA_MODELS_DIR``)."""
    redis = RedisServer.start(persist=True)
    twilio = TwilioStandin(ACCOUNT, AUTH)
    tmp = Path(tempfile.mkdtemp(prefix="infolinia-faults-proc-"))
    prefix = f"p{uuid.uuid4().hex[:8]}:"
    world: ProcessWorld | None = None
    try:
        await twilio.start()
        store = RedisStore(redis.url, prefix=prefix)
        async with httpx.AsyncClient(timeout=30) as http:
            world = ProcessWorld(redis, twilio, store, http, tmp, prefix, [], models_dir)
            yield world
    finally:
        if world is not None:
            for process in world.processes:
                process.stop()
            await world.store.close()
        await twilio.stop()
        redis.stop()
        shutil.rmtree(tmp, ignore_errors=True)


def _dials(twiml: str) -> str | None:
    return ET.fromstring(twiml).findtext("Dial") if twiml else None


async def _greeted(line: PhoneLine, http: httpx.AsyncClient) -> bool:
    """Dial and wait for the first bot audio (or the end of the stream); the callers send audio as Twilio
    does, 20 ms frames from the start, so every call's voice detection is running."""
    await line.dial(http)
    return await line.wait(lambda: line.first_audio_at is not None or line.closed_at is not None, FIRST_AUDIO_BOUND_S)


async def sigterm_mid_call(w: ProcessWorld, strict: bool = True) -> Row:
    """SIGTERM while the bot is talking: the call goes on through the drain grace, then is handed to the
    fallback number over REST; its record is stored; the process exits cleanly."""
    row = Row("SIGTERM mid-call (real process, real stream)")
    (gateway,) = await w.start(speech=True)
    line = PhoneLine(PUBLIC, gateway.url)
    greeted = await _greeted(line, w.http)
    w.twilio.drain()
    began = time.monotonic()
    gateway.signal(signal.SIGTERM)
    try:
        redirect = await w.twilio.next("update", timeout_s=30)
        handed_after: float | None = time.monotonic() - began
    except TimeoutError:
        redirect, handed_after = None, None
    audio_in_drain = line.last_audio_at is not None and line.last_audio_at > began
    await line.hang_up()  # Twilio moved the call: the stream ends
    code = await gateway.exited()
    record = await w.store.get(record_key(line.sid))
    row.figures = {
        "greeted": greeted,
        "bot audio during the drain": audio_in_drain,
        "handed over after (s)": None if handed_after is None else round(handed_after, 2),
        "drain grace (s)": DRAIN_GRACE_S,
        "to": None if redirect is None else _dials(redirect.get("Twiml")),
        "call record kept": record is not None,
        "recorded as": None if record is None else record.get("ended"),
        "exit code": code,
    }
    row.check(greeted and line.media > 0, "the caller heard nothing")
    row.check(redirect is not None and redirect.call_sid == line.sid, "the call was not handed over")
    row.check(row.figures["to"] == FALLBACK, "not handed to the fallback number")
    row.check(record is not None, "call record lost")
    row.check(record is None or record.get("ended") == "drained", "handed over, yet recorded as the caller's")
    row.check(code in (0, -signal.SIGTERM), "the process did not exit cleanly")
    limit_ok = handed_after is not None and handed_after <= DRAIN_GRACE_S + REST_TIMEOUT_S + 0.5
    row.check(not strict or (audio_in_drain or limit_ok), "caller silent past the limit")
    return row


async def sigkill_mid_call(w: ProcessWorld, strict: bool = True) -> Row:
    """SIGKILL with a call on the stream and a final status spooled (Redis was down): Twilio runs the apology
    and the fallback dial at once; another process takes the status callback and replays the spool, so no
    call record is left ringing or in progress."""
    row = Row("SIGKILL mid-call (real process, real stream)")
    killed, other = await asyncio.gather(w.start(speech=True), w.start(speech=False))
    gateway, survivor = killed[0], other[0]
    line = PhoneLine(PUBLIC, gateway.url)
    greeted = await _greeted(line, w.http)
    earlier = PhoneLine(PUBLIC, gateway.url)  # a call that ended while Redis was down: its status is spooled
    await earlier.signed(w.http, gateway.url, "/twilio/voice", earlier.form(CallStatus="ringing"))
    w.redis.kill()
    final = earlier.form(CallStatus="completed", SequenceNumber="3", CallDuration="40")
    spooled = await earlier.signed(w.http, gateway.url, "/twilio/status", final)
    began = time.monotonic()
    gateway.signal(signal.SIGKILL)
    await line.wait(lambda: line.closed_at is not None, 30)
    closed_after = None if line.closed_at is None else line.closed_at - began
    spoken, dialled = line.after_connect()  # what Twilio plays when the stream drops
    w.redis.restart()
    status = await line.signed(w.http, survivor.url, "/twilio/status", line.form(CallStatus="completed",
                                                                               SequenceNumber="9"))  # fmt: skip
    statuses = await _settled(w, [line.sid, earlier.sid])
    await line.hang_up()
    row.figures = {
        "greeted": greeted,
        "stream closed after (s)": None if closed_after is None else round(closed_after, 2),
        "Twilio then": f"{'apology' if spoken else 'nothing said'} + dial {dialled}",
        "spooled status": spooled.status_code,
        "status on the other process": status.status_code,
        "call records": ",".join(str(s) for s in statuses),
    }
    row.check(greeted and line.media > 0, "the caller heard nothing")
    row.check(spoken and dialled == FALLBACK, "no apology and fallback after the stream dropped")
    row.check(closed_after is not None, "the stream of a killed process stayed open")
    row.check(status.status_code < 500 and spooled.status_code < 500, "5xx to Twilio")
    row.check(statuses == ["completed", "completed"], "a call record left ringing or in progress")
    row.check(not strict or (closed_after is not None and closed_after <= SILENCE_LIMIT_S), "silent past the limit")
    return row


async def _settled(w: ProcessWorld, sids: list[str], bound_s: float = 30.0) -> list[str | None]:
    """The records' statuses once they are final (the other process replays the spool every 0.5 s)."""
    deadline = time.monotonic() + bound_s
    while True:
        try:
            statuses = [await w.call_status(sid) for sid in sids]
        except Exception:  # Redis still coming back
            statuses = [None] * len(sids)
        if all(s == "completed" for s in statuses) or time.monotonic() > deadline:
            return statuses
        await asyncio.sleep(0.25)


async def stream_opens(w: ProcessWorld, streams: int = 50, strict: bool = True) -> Row:
    """``streams`` calls at once: every caller is greeted or (if the gateway cannot take them) handed to the
    fallback by the end of the stream; no webhook answers 5xx."""
    row = Row(f"{streams} media streams opened at once")
    (gateway,) = await w.start(speech=True)
    lines = [PhoneLine(PUBLIC, gateway.url) for _ in range(streams)]
    limits = httpx.Limits(max_connections=streams)
    async with httpx.AsyncClient(timeout=60, limits=limits) as http:
        began = time.monotonic()
        results: list[Any] = await asyncio.gather(*(_greeted(ln, http) for ln in lines), return_exceptions=True)
    firsts = [ln.first_audio_at - began for ln in lines if ln.first_audio_at is not None]
    closed = [ln for ln in lines if ln.first_audio_at is None and ln.closed_at is not None]
    failed = [r for r in results if isinstance(r, BaseException)]
    await asyncio.gather(*(ln.hang_up() for ln in lines))
    fallback_ok = all(ln.after_connect() == (True, FALLBACK) for ln in closed)
    row.figures = {
        "greeted": len(firsts),
        "stream closed (fallback TwiML)": len(closed),
        "errors": len(failed),
        "first audio median (s)": round(statistics.median(firsts), 2) if firsts else None,
        "first audio max (s)": round(max(firsts), 2) if firsts else None,
    }
    row.check(not failed and len(firsts) + len(closed) == streams, "a caller got neither audio nor the fallback")
    row.check(fallback_ok, "a closed stream without the apology and fallback")
    row.check(not strict or (bool(firsts) and max(firsts) <= SILENCE_LIMIT_S), "caller silent past the limit")
    if failed:
        row.figures["first error"] = repr(failed[0])[:120]
    return row
