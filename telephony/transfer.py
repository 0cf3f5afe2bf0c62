"""The warm transfer's core: queue the caller, ring agents one by one, and settle every outcome.

Design (protocols.md §3.2, "redirect + conference"): the bot talks on a plain ``<Connect><Stream>``
leg; on a transfer we REST-redirect the caller's call into a not-yet-started conference
``room-<tid>`` whose ``waitUrl`` is our hold loop. That redirect ends the media stream, so the bot
can no longer hear (and answer) hold music. Agents are dialled on separate legs with a briefing in
a ``<Gather>``; pressing 1 joins them to the room, which starts it and bridges the caller.

Every later step arrives as a signed Twilio callback (``telephony/transfer_steps.py``); all state is
in Redis (``TransferStore``/``AgentRepo``) and every change is a compare-and-set, so any worker may
handle any step, twice or late, and a restart loses nothing.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from dialog.ports import Outcome, Transfer
from telephony.agent_repo import AgentRepo
from telephony.agents import Agent
from telephony.business_hours import QueueHours
from telephony.call_deps import CallContext
from telephony.events import (
    TRANSFER_ABANDONED,
    TRANSFER_ENDED,
    TRANSFER_RINGING,
    TRANSFER_WAITING,
    ConsoleEvent,
    EventBus,
)
from telephony.transfer_audio import TransferAudio
from telephony.transfer_store import TransferRecord, TransferStore, conference_name, new_transfer_id
from telephony.transfer_twiml import TransferUrls, caller_conference_twiml
from telephony.twilio_rest import CallNotActiveError, TwilioRestError
from telephony.waits import HandlingStats

log = logging.getLogger(__name__)

AGENT_CALL_EVENTS = ["initiated", "ringing", "answered", "completed"]
_NOT_ANSWERED_YET = (None, "queued", "initiated", "ringing")


class Rest(Protocol):
    """The two Twilio REST calls the transfer makes (``TwilioRestClient``, or a test stand-in's)."""

    async def update_call(self, call_sid: str, data: dict[str, str]) -> dict[str, Any]: ...

    async def create_call(self, to: str, from_: str, url: str, **extra: str | list[str]) -> dict[str, Any]: ...


@dataclass(frozen=True)
class TransferConfig:
    """Settings-independent knobs (the app maps ``INFOLINIA_*`` settings onto these)."""

    public_url: str
    twilio_number: str = ""  # caller id of the agents' legs; "" = the number the caller dialled
    default_queue: str = "obsluga"
    default_max_wait_s: float = 180.0  # for queues without their own (INFOLINIA_QUEUES: QueueHours)
    hold_repeat_s: float = 45.0  # announcement repeats every hold_repeat_s (30-60 s)
    agent_ring_timeout_s: int = 20
    dispatch_scan: int = 20  # waiting transfers looked at per dispatch


@dataclass
class TransferParts:
    """What the transfer works with; built once per process by ``build_warm_transfer``."""

    store: TransferStore
    agents: AgentRepo
    events: EventBus
    rest: Rest
    audio: TransferAudio
    stats: HandlingStats
    hours: QueueHours  # per-queue business hours and maximum waits
    clock: Callable[[], float] = time.time


class WarmTransfer:
    """The ``TransferFn`` of the call pipeline (``CallDeps.transfer = warm_transfer``) and the actions
    the Twilio callbacks trigger."""

    def __init__(self, config: TransferConfig, parts: TransferParts) -> None:
        self.cfg, self.p = config, parts
        self.urls = TransferUrls(config.public_url)
        self.metrics: Any = None  # telephony.metrics.Metrics (queue waits, callback offers); optional

    async def __call__(self, ctx: CallContext, outcome: Outcome) -> None:
        await self.start(ctx, outcome)

    def now(self) -> float:
        return self.p.clock()

    def wall_now(self) -> datetime:
        return datetime.fromtimestamp(self.now(), UTC)

    def open_now(self, queue: str) -> bool:
        return self.p.hours.hours(queue).is_open(self.wall_now())

    def max_wait_s(self, queue: str) -> float:
        return self.p.hours.max_wait_s(queue, self.cfg.default_max_wait_s)

    async def start(self, ctx: CallContext, outcome: Outcome) -> str:
        """Record and queue the caller, move their call into the conference, ring the first agent.

        Outside business hours, or with nobody staffing the queue, the caller goes straight to the
        callback offer. Raises on a REST failure other than "caller gone": the pipeline then
        apologises and makes its blind fallback transfer, so the caller still reaches a human.
        """
        record = self._record(ctx, outcome)
        _, staffed = await self.p.agents.counts(record.queue)
        offer = "closed" if not self.open_now(record.queue) else ("busy" if staffed == 0 else None)
        if offer is not None:
            record = record.model_copy(update={"status": "callback_offered"})
            await self.p.store.create(record)
            await self.p.store.update(record.tid, offer=offer)
            if self.metrics is not None:
                self.metrics.callback_offered(offer)
            await self._redirect(record.tid, record.call_sid, {"Url": self.urls.callback_offer(record.tid)})
            log.info("transfer %s: queue %s %s, offering a callback", record.tid, record.queue, offer)
            return record.tid
        await self.p.store.create(record)
        await self._publish(TRANSFER_WAITING, record, None, {"queue": record.queue, "priority": record.priority})
        twiml = caller_conference_twiml(record.conference, self.urls.hold(record.tid), self.urls.conference(record.tid))
        if await self._redirect(record.tid, record.call_sid, {"Twiml": twiml}):
            await self.dispatch(record.queue)
        return record.tid

    def _record(self, ctx: CallContext, outcome: Outcome) -> TransferRecord:
        t = outcome.transfer or Transfer(self.cfg.default_queue, "requested_human", 0, "")
        tid, now = new_transfer_id(), self.now()
        return TransferRecord(
            tid=tid,
            call_sid=ctx.call_sid,
            caller=ctx.caller.phone,
            called=ctx.caller.extra.get("to") or None,
            queue=t.queue,
            reason=t.reason,
            priority=t.priority,
            summary=t.summary,
            session_id=ctx.session_id,
            transcript=list(ctx.transcript),
            order_id=outcome.order_id,
            created_at=now,
            enqueued_at=now,
            conference=conference_name(tid),
        )

    async def _redirect(self, tid: str, call_sid: str, data: dict[str, str]) -> bool:
        """REST-update the caller's call; False (transfer abandoned) when the caller already hung up."""
        payload = {**data, "Method": "POST"} if "Url" in data else data
        try:
            await self.p.rest.update_call(call_sid, payload)
        except CallNotActiveError:
            log.info("transfer %s: the caller hung up before the redirect", tid)
            await self.p.store.transition(tid, "abandoned", ended_at=self.now())
            return False
        return True

    # --- ringing agents ----------------------------------------------------------------------------
    async def dispatch(self, queue: str) -> int:
        """Ring free agents for the waiting callers of ``queue`` in serving order; how many were rung.

        Called when a caller arrives, on every hold-loop tick (so an agent who just became available
        is found within ``hold_repeat_s``) and after a decline or a missed ring.
        """
        rung = 0
        for tid in (await self.p.store.waiting(queue))[: self.cfg.dispatch_scan]:
            record = await self.p.store.get(tid)
            if record is None or record.status != "waiting":
                continue
            for _ in range(3):  # an agent whose leg cannot be created is skipped, the next one tried
                agent = await self.p.agents.reserve(queue, record.tried_agents, transfer_id=tid)
                if agent is None:
                    break
                if await self._ring(record, agent):
                    rung += 1
                    break
                record = await self.p.store.get(tid) or record
                if record.status != "waiting":
                    break
            if (await self.p.agents.counts(queue))[0] == 0:
                break
        return rung

    async def _ring(self, record: TransferRecord, agent: Agent) -> bool:
        """Reserved ``agent``: mark the transfer ringing and create the agent's call."""
        tid = record.tid
        await self.p.store.add_tried(tid, agent.id)
        ringing = await self.p.store.transition(
            tid,
            "ringing",
            expect=("waiting",),
            agent_id=agent.id,
            agent_call_sid=None,
            agent_call_status=None,
        )
        if ringing is None:  # the caller left or another worker rang someone meanwhile
            await self.p.agents.release(agent.id, "available", transfer_id=tid)
            return False
        try:
            call = await self._dial(record, agent)
        except (TwilioRestError, KeyError) as exc:
            log.error("transfer %s: agent %s cannot be dialled: %r", tid, agent.id, exc)
            await self.p.store.transition(tid, "waiting", expect=("ringing",), agent_id=None)
            await self.p.agents.release(agent.id, "available", transfer_id=tid, no_answer=True)
            return False
        await self.p.store.update(tid, agent_call_sid=call)
        latest = await self.p.store.get(tid)
        if latest is not None and latest.status == "abandoned":  # the caller left while we dialled
            await self.cancel_agent_call(call, None)
            return True
        await self._publish(TRANSFER_RINGING, ringing, agent.id, ringing.context())
        log.info("transfer %s: ringing agent %s", tid, agent.id)
        return True

    async def _dial(self, record: TransferRecord, agent: Agent) -> str:
        tid = record.tid
        call = await self.p.rest.create_call(
            agent.contact,
            self.cfg.twilio_number or record.called or "",
            self.urls.agent(tid, agent.id),
            Method="POST",
            StatusCallback=self.urls.agent_status(tid, agent.id),
            StatusCallbackMethod="POST",
            StatusCallbackEvent=AGENT_CALL_EVENTS,
            Timeout=str(self.cfg.agent_ring_timeout_s),
        )
        return str(call["sid"])

    async def agent_missed(self, tid: str, agent_id: str, *, no_answer: bool) -> bool:
        """The rung agent declined (``no_answer`` False) or did not take the call: free them (a second
        missed ring in a row takes them offline), remember them as tried, ring the next agent."""
        record = await self.p.store.get(tid)
        if record is None or record.status != "ringing" or record.agent_id != agent_id:
            return False
        if not await self.p.store.first_time(f"missed:{tid}:{agent_id}"):
            return False
        back = await self.p.store.transition(
            tid, "waiting", expect=("ringing",), agent_id=None, agent_call_sid=None, agent_call_status=None
        )
        status = await self.p.agents.release(agent_id, "available", transfer_id=tid, no_answer=no_answer)
        log.info("transfer %s: agent %s %s (now %s)", tid, agent_id, "missed" if no_answer else "declined", status)
        if back is not None:
            await self.dispatch(back.queue)
        return True

    async def cancel_agent_call(self, call_sid: str | None, call_status: str | None) -> None:
        """Stop an agent's leg: ``canceled`` while it rings, ``completed`` once answered."""
        if not call_sid:
            return
        status = "canceled" if call_status in _NOT_ANSWERED_YET else "completed"
        try:
            await self.p.rest.update_call(call_sid, {"Status": status})
        except CallNotActiveError:
            pass
        except TwilioRestError:
            if status == "canceled":  # it was answered meanwhile
                await self.cancel_agent_call(call_sid, "in-progress")

    # --- endings -----------------------------------------------------------------------------------
    async def abandon(self, tid: str) -> bool:
        """The caller hung up while waiting: out of the queue, a ringing agent's call cancelled and freed."""
        record = await self.p.store.transition(tid, "abandoned", expect=("waiting", "ringing"), ended_at=self.now())
        if record is None:
            return False
        if record.agent_id:
            await self.cancel_agent_call(record.agent_call_sid, getattr(record, "agent_call_status", None))
            await self.p.agents.release(record.agent_id, "available", transfer_id=tid)
        await self._publish(TRANSFER_ABANDONED, record, None, {"queue": record.queue})
        self._waited(record, "abandoned", self.now())
        log.info("transfer %s: the caller hung up while waiting", tid)
        return True

    async def complete(self, tid: str) -> bool:
        """The bridged call ended: the agent goes to wrap-up; the handling time feeds the estimate."""
        record = await self.p.store.transition(tid, "completed", expect=("connected",), ended_at=self.now())
        if record is None:
            return False
        handling = max(0.0, self.now() - (record.connected_at or self.now()))
        self._waited(record, "answered", record.connected_at or self.now())
        await self.p.stats.record(record.queue, handling)
        if record.agent_id:
            await self.p.agents.release(record.agent_id, "wrap_up", transfer_id=tid)
        await self._publish(TRANSFER_ENDED, record, record.agent_id, {"handling_s": round(handling, 1)})
        log.info("transfer %s: completed after %.0f s", tid, handling)
        return True

    async def offer_callback(self, tid: str, offer: str = "busy") -> bool:
        """Waited too long (or closed meanwhile): take the caller out of the room to the callback offer."""
        record = await self.p.store.transition(tid, "callback_offered", expect=("waiting",), offer=offer)
        if record is None:
            return False
        await self._redirect(record.tid, record.call_sid, {"Url": self.urls.callback_offer(tid)})
        self._waited(record, "callback_offered", self.now())
        if self.metrics is not None:
            self.metrics.callback_offered(offer)
        return True

    def _waited(self, record: TransferRecord, outcome: str, until: float) -> None:
        if self.metrics is not None:
            self.metrics.queue_waited(record.queue, outcome, until - record.enqueued_at)

    async def _publish(self, kind: str, record: TransferRecord, agent_id: str | None, data: dict[str, Any]) -> None:
        await self.p.events.publish(ConsoleEvent(kind, agent_id, record.tid, data))
