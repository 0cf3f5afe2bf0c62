"""The warm transfer's core: queue the caller, ring agents one by one, and settle every outcome.

Design (protocols.md §3.2, "redirect + conference"): the bot talks on a plain ``<Connect><Stream>``
leg; on a transfer we REST-redirect the caller's call into a not-yet-started conference
``room-<tid>`` whose ``waitUrl`` is our hold loop. That redirect ends the media stream, so the bot
can no longer hear (and answer) hold music. Agents are dialled on separate legs with a briefing in
a ``<Gather>``; pressing 1 joins them to the room, which starts it and bridges the caller.

Every later step arrives as a signed Twilio callback (``telephony/transfer/steps.py``); all state is
in Redis (``TransferStore``/``AgentRepo``) and every change is a compare-and-set, so any worker may
handle any step, twice or late, and a restart loses nothing.

``WarmTransfer`` is built in layers: ``transfer_core.TransferCore`` (settings, clock, redirect, events),
``transfer_ring.AgentRinging`` (dispatching and ringing agents), and here the caller's side: queueing,
the callback offer and the endings. The shared types are re-exported from here.
"""

from __future__ import annotations

import logging

from dialog.ports import Outcome, Transfer
from telephony.agents.caller_id import dialable
from telephony.agents.events import TRANSFER_ABANDONED, TRANSFER_ENDED, TRANSFER_WAITING
from telephony.call.deps import CallContext
from telephony.spool import STORE_DOWN
from telephony.transfer.core import Rest, TransferConfig, TransferCore, TransferParts
from telephony.transfer.record import TransferRecord, conference_name, new_transfer_id
from telephony.transfer.ring import AGENT_CALL_EVENTS, AgentRinging, rings_for
from telephony.transfer.stale import free_left_behind
from telephony.transfer.twiml import caller_conference_twiml
from telephony.twilio.rest import TwilioRestError

__all__ = [
    "AGENT_CALL_EVENTS",
    "Rest",
    "TransferConfig",
    "TransferCore",
    "TransferParts",
    "WarmTransfer",
]

log = logging.getLogger(__name__)


class WarmTransfer(AgentRinging):
    """The ``TransferFn`` of the call pipeline (``CallDeps.transfer = warm_transfer``) and the actions
    the Twilio callbacks trigger."""

    async def __call__(self, ctx: CallContext, outcome: Outcome) -> None:
        await self.start(ctx, outcome)

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
            await self._redirect(
                record.tid, record.call_sid, {"Url": self.urls.callback_offer(record.tid, record.queue)}
            )
            log.info("transfer %s: queue %s %s, offering a callback", record.tid, record.queue, offer)
            return record.tid
        await self.p.store.create(record)
        await self._publish(TRANSFER_WAITING, record, None, {"queue": record.queue, "priority": record.priority})
        urls = self.urls
        twiml = caller_conference_twiml(
            record.conference, urls.hold(record.tid), urls.conference(record.tid), urls.after_room(record.tid)
        )
        try:
            moved = await self._redirect(record.tid, record.call_sid, {"Twiml": twiml})
        except TwilioRestError:
            # Twilio REST is down: the caller is still on the media stream, where the pipeline apologises
            # and hands over to the fallback number; the record must not wait on for an agent.
            await self.rest_failed(record, None)
            raise
        if moved:
            await self._first_ring(record)
        return record.tid

    async def _first_ring(self, record: TransferRecord) -> None:
        """Ring the first agent for a caller now in the room. Redis down: they wait there, where the hold loop
        speaks and rings once Redis answers; raised, the call's fail-safe took them to the fallback number while
        the record waited on in the queue, and the agent rung later joined an empty room."""
        try:
            await self.dispatch(record.queue)
        except STORE_DOWN:
            log.warning("transfer %s: store down after the caller entered the room; the hold loop rings", record.tid)

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
            kb_answer=t.answer if t.emergency else None,
            created_at=now,
            enqueued_at=now,
            conference=conference_name(tid),
        )

    # --- endings -----------------------------------------------------------------------------------
    async def abandon(self, tid: str) -> bool:
        """The caller hung up while waiting: out of the queue, a ringing agent's call cancelled, and that
        agent, free again, offered to the next caller at once."""
        record = await self.p.store.transition(tid, "abandoned", expect=("waiting", "ringing"), ended_at=self.now())
        if record is None:
            return False
        freed: list[str] = []
        if record.agent_id:
            await self.cancel_agent_call(record.agent_call_sid, getattr(record, "agent_call_status", None))
            if await self.p.agents.release(record.agent_id, "available", transfer_id=tid) == "available":
                freed.append(record.agent_id)
        await self._publish(TRANSFER_ABANDONED, record, None, {"queue": record.queue})
        self._waited(record, "abandoned", self.now())
        await self.ended_in_history(record, "abandoned")
        log.info("transfer %s: the caller hung up while waiting", tid)
        await self.offer_freed([*freed, *await free_left_behind(self.p.agents, tid)])
        return True

    async def offer_freed(self, agent_ids: list[str]) -> None:
        """Agents just freed are offered to the waiting callers of their queues at once."""
        queues = [q for agent_id in agent_ids for q in await self._queues_of(agent_id)]
        if queues:
            await self.dispatch_queues(queues)

    async def call_ended(self, call_sid: str) -> bool:
        """The caller's call is over (its status callback): close the transfer it leaves open, if any.

        Waiting or ringing: abandoned, as when the caller leaves the room. Being offered a callback
        (no agent free, closed, or waited too long): abandoned as well, with its end time; otherwise the
        record would stay ``callback_offered`` for ever, since a ``<Gather>`` the caller hangs up on
        never calls its action. The media stream's stop cannot tell us this: the redirect into the
        conference or the offer is what ends the stream. A withheld caller's voicemail with no message
        yet (its callback is stored only with one): abandoned too, or it stayed ``voicemail`` for ever, in
        no list and no history; a message that still comes is listed all the same. Other statuses were
        settled by their own steps (answered, connected: the conference's events). Idempotent: every
        change is a CAS.
        """
        tid = await self.p.store.by_call(call_sid)
        record = None if tid is None else await self.p.store.get(tid)
        if record is None:
            return False
        if record.status in ("waiting", "ringing"):
            return await self.abandon(record.tid)
        if record.status == "voicemail" and record.callback_id is None and dialable(record.caller) is None:
            # a withheld caller who left no message: Twilio says nothing else (an empty recording skips the
            # ``<Record>``'s action, and its status callback is for ``completed`` recordings only)
            return await self.voicemail_abandoned(record)
        if record.status != "callback_offered":
            return False
        closed = await self.p.store.transition(
            record.tid, "abandoned", expect=("callback_offered",), ended_at=self.now()
        )
        if closed is None:
            return False
        await self._publish(TRANSFER_ABANDONED, closed, None, {"queue": closed.queue, "during": "callback_offer"})
        self.offer_ended("abandoned")
        await self.ended_in_history(closed, "abandoned")
        log.info("transfer %s: the caller hung up during the callback offer", closed.tid)
        return True

    async def voicemail_abandoned(self, record: TransferRecord) -> bool:
        """A caller with no number to call back left no message at the voicemail (hung up at the beep): the
        transfer ends ``abandoned`` (once: compare-and-set), in the history and on the console's feed."""
        closed = await self.p.store.transition(record.tid, "abandoned", expect=("voicemail",), ended_at=self.now())
        if closed is None:
            return False
        await self._publish(TRANSFER_ABANDONED, closed, None, {"queue": closed.queue, "during": "voicemail"})
        await self.ended_in_history(closed, "abandoned")
        log.info("transfer %s: a caller with no number left no voicemail", closed.tid)
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
        await self.offer_freed(await free_left_behind(self.p.agents, tid))  # one whose lost ring went unnoticed
        await self._publish(TRANSFER_ENDED, record, record.agent_id, {"handling_s": round(handling, 1)})
        log.info("transfer %s: completed after %.0f s", tid, handling)
        return True

    async def offer_callback(self, tid: str, offer: str = "busy") -> bool:
        """Waited too long (or closed meanwhile): take the caller out of the room to the callback offer."""
        record = await self.p.store.transition(tid, "callback_offered", expect=("waiting",), offer=offer)
        if record is None:
            return False
        freed = await free_left_behind(self.p.agents, tid)  # a reservation never rung: free before REST may fail
        await self._redirect(record.tid, record.call_sid, {"Url": self.urls.callback_offer(tid, record.queue)})
        self._waited(record, "callback_offered", self.now())
        if self.metrics is not None:
            self.metrics.callback_offered(offer)
        await self.offer_freed(freed)
        return True

    async def agent_left(self, tid: str, agent_id: str) -> bool:
        """``agent_id`` went offline (logged out, or the API; the console's „Niedostępny” is disabled while busy,
        and a ring is busy) while their phone rang for ``tid``: the caller moves on now, not after the ring's
        timeout. The ring ends as a declined one does
        (``agent_missed``: the caller waits for the next agent; the agent, offline, stays offline and is not
        blamed), then their leg is cancelled; with nobody left staffing the queue the caller is offered the
        callback at once, as on arrival (``start``). True when the ring was withdrawn.

        The ring is taken back before the leg is cancelled: an agent who pressed 1 a moment earlier keeps
        the call (the compare-and-set fails), and a "1" arriving later finds the caller gone to the next."""
        record = await self.p.store.get(tid)
        if not rings_for(record, agent_id) or record is None:
            return False
        if not await self.agent_missed(tid, agent_id, no_answer=False):
            return False
        log.info("transfer %s: agent %s left while rung; ringing the next agent", tid, agent_id)
        try:
            await self.cancel_agent_call(record.agent_call_sid, getattr(record, "agent_call_status", None))
        except TwilioRestError:
            log.warning("transfer %s: the ring of agent %s who left not stopped (Twilio REST)", tid, agent_id)
        if (await self.p.agents.counts(record.queue))[1] == 0:
            await self._offer_now(tid)
        return True

    async def _offer_now(self, tid: str) -> None:
        """Nobody staffs the queue any more: the callback offer now (the hold loop retries a failed move)."""
        try:
            await self.offer_callback(tid, "busy")
        except TwilioRestError:
            log.warning("transfer %s: callback offer redirect failed (Twilio REST); the hold loop retries", tid)
