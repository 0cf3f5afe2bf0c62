"""Issue 18 item 1: Redis behind Sentinel. A master, a replica and a sentinel (Debian's redis-server); the
gateway is configured with nothing but ``INFOLINIA_REDIS_URL=redis+sentinel://...`` (and WAIT for one
replica), and the master is SIGKILLed in the middle of a phone call, a chat and four callback requests.

What must hold: the call goes on with its dialog session (the caller's "please repeat" after the failover
gets the answer given before it; no hand-over), the chat keeps its session, and every callback request is
stored on the promoted master exactly once (and a voicemail left before the kill with it): those confirmed
before the kill because a replica had them (WAIT), those taken during the failover because they were also
spooled until a replica confirmed them.

What is real: the gateway (``build_gateway`` from Settings, the real dialog engine, speech off), its
routes over uvicorn, the Redis processes. The call runs the real call pipeline over the in-memory phone
line of ``tests/support/line.py`` (text-in-PCM caller, tone voice), talking to the gateway's dialog engine
and store. No timing is asserted: the waits only bound a hang.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from dialog.catalogue import REPEAT_PREFIX
from dialog.ports import CallerInfo, Dialog, Hypothesis, Outcome
from telephony.app.build import build_gateway
from telephony.app.factory import gateway_app
from telephony.call.loop import run_call
from telephony.devtools.faults_world import ACCOUNT, AUTH, CALLER, FaultWorld, world_settings
from telephony.devtools.twilio_standin import TwilioStandin
from telephony.ports import CallStarted
from tests.support.line import Harness, harness
from tests.support.outage import form, spoken, twiml
from tests.support.sentinel import SentinelGroup, sentinel_group  # noqa: F401  (fixture)
from tests.support.servers import free_port

GUARD_S = 240.0  # bounds a hang on a loaded machine; nothing here is timed
ASKED = "Ile kosztuje dostawa?"
REPEAT = "Proszę powtórzyć"


class Witness:
    """The gateway's dialog engine, recording each outcome and how many marks the line had sent by then,
    so the caller's script can wait for 'the bot has started answering turn n'."""

    def __init__(self, engine: Dialog) -> None:
        self.engine, self.outcomes, self.marks_at = engine, list[Outcome](), list[int]()
        self.line: Any = None

    def _seen(self, outcome: Outcome) -> Outcome:
        self.outcomes.append(outcome)
        self.marks_at.append(len(self.line.marks()))
        return outcome

    def answering(self, n: int) -> bool:
        """Outcome ``n`` (0: the greeting) is decided and its first segment has been sent."""
        return len(self.outcomes) > n and len(self.line.marks()) > self.marks_at[n]

    async def greet(self, session_id: str | None, caller: CallerInfo) -> Outcome:
        return self._seen(await self.engine.greet(session_id, caller))

    async def handle(self, session_id: str | None, text: str, caller: CallerInfo) -> Outcome:
        return self._seen(await self.engine.handle(session_id, text, caller))

    async def handle_nbest(
        self, session_id: str | None, hypotheses: Sequence[Hypothesis], caller: CallerInfo
    ) -> Outcome:
        return self._seen(await self.engine.handle_nbest(session_id, hypotheses, caller))

    def with_sessions(self, sessions: Any) -> Witness:
        """The call binds its session keeper: the same witness (outcomes, line) over the engine bound to it."""
        bound = Witness(self.engine.with_sessions(sessions))  # type: ignore[attr-defined]
        bound.outcomes, bound.marks_at, bound.line = self.outcomes, self.marks_at, self.line
        return bound

    def __getattr__(self, name: str) -> Any:
        if name == "engine":  # not set yet (an object being built): never ask the engine for itself
            raise AttributeError(name)
        return getattr(self.engine, name)


@asynccontextmanager
async def ha_gateway(group: SentinelGroup, tmp: Path) -> AsyncIterator[FaultWorld]:
    """The fault world's gateway (``telephony/devtools/faults_world.py``) on the Sentinel URL."""
    twilio = TwilioStandin(ACCOUNT, AUTH)
    port = free_port()
    settings = world_settings(group.url, port, await twilio.start(), tmp).model_copy(
        update={"redis_wait_replicas": 1, "redis_wait_ms": 500, "redis_failover_s": 60.0}
    )
    gateway = build_gateway(settings)
    server = uvicorn.Server(uvicorn.Config(gateway_app(gateway), host="127.0.0.1", port=port, log_level="error"))
    task = asyncio.create_task(server.serve())
    try:
        while not server.started:
            if task.done():
                task.result()
            await asyncio.sleep(0.01)
        await gateway.services.get()
        async with httpx.AsyncClient(timeout=120) as http:
            yield FaultWorld(settings.public_url, http, twilio, gateway, group.master)
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 30)
        await twilio.stop()


async def _caller(w: FaultWorld, killed: asyncio.Event) -> tuple[Harness, Witness]:
    """A caller who asks, waits for the master to be killed, then asks the bot to repeat."""
    witness = Witness((await w.gateway.services.get()).dialog)
    h = await harness(dialog=witness, store=w.gateway.store, prewarm=False)
    witness.line = h.line
    h.line.until(lambda: witness.answering(0), 60).play_out().say(ASKED)
    h.line.until(lambda: witness.answering(1), 60).play_out().until(killed.is_set, 60).say(REPEAT)
    h.line.until(lambda: witness.answering(2), GUARD_S).play_out()
    return h, witness


async def test_a_failover_mid_call_and_mid_chat_loses_no_session_and_no_callback(
    sentinel_group: SentinelGroup,  # noqa: F811
    tmp_path: Path,
) -> None:
    async def scenario() -> None:
        group = sentinel_group
        async with ha_gateway(group, tmp_path) as w:
            first = (await w.http.post(f"{w.base}/v1/chat", json={"text": ASKED})).json()
            offered = [await w.transfer("obsluga") for _ in range(4)]  # nobody serves it: the callback offer
            for tid, sid in offered[:2]:  # confirmed by the replica (WAIT) before the master dies
                assert spoken(twiml(await w.signed(f"/twilio/transfer/{tid}/callback-answer", form(sid, Digits="1"))))
            (vm_tid, vm_sid), recording = await w.transfer("obsluga"), "https://api.twilio.com/rec/RE" + "7" * 32
            assert twiml(await w.signed(f"/twilio/transfer/{vm_tid}/callback-answer", form(vm_sid, Digits="2")))
            message = form(vm_sid, RecordingUrl=recording, RecordingDuration="7")
            assert spoken(twiml(await w.signed(f"/twilio/transfer/{vm_tid}/voicemail", message)))
            assert w.gateway.recovery is not None and w.gateway.recovery.spool.pending() == 0

            killed = asyncio.Event()
            h, witness = await _caller(w, killed)
            started = CallStarted("CA" + "e" * 32, "MZ" + "e" * 32, {"from": CALLER})
            call = asyncio.create_task(run_call(h.deps, h.line, started))
            while not (call.done() or witness.answering(1)):
                await asyncio.sleep(0.05)
            old = group.master.port
            group.master.kill()  # SIGKILL: a crash, not a shutdown
            killed.set()
            # During the failover: the chat goes on, two more callers answer the offer.
            again = await w.http.post(f"{w.base}/v1/chat", json={"session_id": first["session_id"], "text": REPEAT})
            during = [
                await w.signed(f"/twilio/transfer/{tid}/callback-answer", form(sid, Digits="1"))
                for tid, sid in offered[2:]
            ]
            await call
            assert group.wait_promoted(old) != old

            # The chat kept its session: the repeat is the answer given before the failover.
            assert again.status_code == 200, again.text
            assert again.json()["session_id"] == first["session_id"]
            assert again.json()["reply"].startswith(REPEAT_PREFIX) and first["reply"][:40] in again.json()["reply"]
            # The call went on in the same session, with nobody handed over.
            said = [o.reply for o in witness.outcomes]
            assert len(said) == 3 and said[2].startswith(REPEAT_PREFIX) and said[1][:40] in said[2], said
            assert len({o.session_id for o in witness.outcomes}) == 1
            assert [a for a in h.control.actions if a[0] == "transfer"] == []
            # Every caller was told "saved", and every request is on the promoted master.
            assert all(spoken(twiml(r)) for r in during)
            book = w.gateway.transfer.agents.callbacks  # type: ignore[union-attr]
            assert all([await book.get(f"cb-{tid}") for tid, _ in offered])
            assert (await book.get(f"cb-{vm_tid}") or {}).get("voicemail_url") == recording
            # Those taken while no replica could confirm them wait in the spool until one can: the old master
            # comes back, the sentinel makes it a replica of the new one, the replay confirms them.
            assert w.gateway.recovery.spool.pending() == 2
            group.master.restart()
            await _drained(w)
            ids = [c["id"] for c in await book.pending()]
            assert sorted(ids) == sorted(f"cb-{tid}" for tid, _ in [*offered, (vm_tid, vm_sid)])

    await asyncio.wait_for(scenario(), GUARD_S * 2)


async def _drained(w: FaultWorld, timeout_s: float = GUARD_S) -> None:
    assert w.gateway.recovery is not None
    deadline = asyncio.get_running_loop().time() + timeout_s
    while w.gateway.recovery.spool.pending():
        assert asyncio.get_running_loop().time() < deadline, "the spool was never replayed"
        await w.gateway.recovery.check()
        await asyncio.sleep(0.5)
