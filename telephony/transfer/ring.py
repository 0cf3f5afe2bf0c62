"""Ringing agents for waiting callers: reserve the longest-idle free agent, dial them, move on when they
decline or miss the ring.

Why ``dispatch_queues`` is the one entry point for "an agent is free": whatever frees an agent (the
JSON API or the console setting them available, the end of their wrap-up, a decline, a caller who hung
up while they were being rung) must ring the next waiting caller at once. Otherwise that caller waits
for their hold loop's next tick, up to ``hold_repeat_s`` (45 s) later, while the agent sits idle.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from telephony.agents.events import TRANSFER_ABANDONED, TRANSFER_RINGING
from telephony.agents.roster import Agent
from telephony.transfer.core import TransferCore
from telephony.transfer.record import TransferRecord
from telephony.transfer.stale import free_stale, still_reserved
from telephony.twilio.rest import CallNotActiveError, TwilioRestError, rest_down

log = logging.getLogger(__name__)

AGENT_CALL_EVENTS = ["initiated", "ringing", "answered", "completed"]
_NOT_ANSWERED_YET = (None, "queued", "initiated", "ringing")
RING_GRACE_S = 30.0  # Twilio reports an unanswered ring at its timeout; this covers the report's delivery
BRIEFING_S = 120.0  # an agent who picked up hears the briefing (three times at most) before pressing 1
DECLINE_PAUSE_S = 30.0  # a chat declined is not offered back to the same agent before this


def rings_for(record: TransferRecord | None, agent_id: str) -> bool:
    """Is ``record`` a phone call ringing ``agent_id`` (not yet bridged)? The ring an agent who leaves
    takes with them (``WarmTransfer.agent_left``); a chat offer is the chat hand-off's own."""
    return (
        record is not None and record.status == "ringing" and record.channel == "phone" and record.agent_id == agent_id
    )


class AgentRinging(TransferCore):
    """The agent side of ``WarmTransfer``: dispatch, the agent's leg, decline and missed ring."""

    async def dispatch(self, queue: str) -> int:
        """Ring free agents for the waiting callers of ``queue`` in serving order; how many were rung.

        Called when a caller arrives, when an agent becomes free (``dispatch_queues``) and on every
        hold-loop tick (the safety net: an agent freed on a path that could not dispatch is found
        within ``hold_repeat_s``).
        """
        rung = 0
        for tid in (await self.p.store.waiting(queue))[: self.cfg.dispatch_scan]:
            record = await self.p.store.get(tid)
            if record is None or record.status != "waiting":
                continue
            if record.channel == "chat":  # one queue, one order: a chat ahead is offered first
                rung += await self._offer_chat(record, queue)
            else:
                rung += await self._ring_next_free(record, queue)
            if (await self.p.agents.counts(queue))[0] == 0:
                break
        return rung

    async def _ring_next_free(self, record: TransferRecord, queue: str) -> bool:
        """Ring the next free agent for a waiting caller; an agent whose leg cannot be created is skipped
        and the next one tried (three at most)."""
        for _ in range(3):
            agent = await self.p.agents.reserve(queue, record.tried_agents, transfer_id=record.tid)
            if agent is None:
                return False
            if await self._ring(record, agent):
                return True
            record = await self.p.store.get(record.tid) or record
            if record.status != "waiting":
                return False
        return False

    async def dispatch_queues(self, queues: Iterable[str]) -> int:
        """An agent became free: ring waiting callers of each of their ``queues`` now (each queue once)."""
        rung = 0
        for queue in dict.fromkeys(queues):
            rung += await self.dispatch(queue)
        return rung

    async def _queues_of(self, agent_id: str) -> tuple[str, ...]:
        state = await self.p.agents.get(agent_id)
        return () if state is None else state.agent.queues

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
            rang_at=self.now(),
        )
        if ringing is None:  # the caller left or another worker rang someone meanwhile (her too: keep her)
            if not rings_for(await self.p.store.get(tid), agent.id):
                await self.p.agents.release(agent.id, "available", transfer_id=tid)
            return False
        if not await still_reserved(self.p.agents, self.p.store, tid, agent.id, self.now()):
            return False
        try:
            call = await self._dial(record, agent)
        except TwilioRestError as exc:
            if rest_down(exc):
                await self.rest_failed(ringing, agent.id)
                return False
            await self._skip_agent(tid, agent.id, exc)
            return False
        except KeyError as exc:
            await self._skip_agent(tid, agent.id, exc)
            return False
        await self.p.store.update(tid, agent_call_sid=call)
        latest = await self.p.store.get(tid)
        if latest is not None and latest.status == "abandoned":  # the caller left while we dialled
            await self.cancel_agent_call(call, None)
            return True
        await self._publish(TRANSFER_RINGING, ringing, agent.id, ringing.context())
        log.info("transfer %s: ringing agent %s", tid, agent.id)
        return True

    async def _offer_chat(self, record: TransferRecord, queue: str) -> bool:
        """A waiting chat: reserve the longest-idle free agent and offer it in their console (no call is
        made; ``telephony/chat/handoff.py`` takes the accept, the decline and an offer left unanswered).

        Why a tried agent may get it again, unlike a phone caller: a caller who has outwaited every agent
        meets the callback offer at the queue's maximum wait, but a chat has no such way out. With the
        tried agents excluded for good, a chat every free agent had once would wait for ever beside a
        free agent. So when no untried agent is free, a new round starts: the longest-idle free agent
        takes it, and one who just declined or let it lapse became idle only now, so the others come
        first. An agent who is away is not offered it for ever: missed offers in a row take them
        offline, like missed rings."""
        agent = await self.p.agents.reserve(queue, record.tried_agents, transfer_id=record.tid)
        if agent is None and record.tried_agents:  # every free agent had it once: round again
            agent = await self.p.agents.reserve(queue, self._pausing(record), transfer_id=record.tid)
        if agent is None:
            return False
        await self.p.store.add_tried(record.tid, agent.id)
        offered = await self.p.store.transition(
            record.tid, "ringing", expect=("waiting",), agent_id=agent.id, offered_at=self.now()
        )
        if offered is None:  # the customer left, or another worker offered it meanwhile
            await self.p.agents.release(agent.id, "available", transfer_id=record.tid)
            return False
        await self._publish(TRANSFER_RINGING, offered, agent.id, offered.context())
        log.info("chat %s: offered to agent %s", record.tid, agent.id)
        return True

    def _pausing(self, record: TransferRecord) -> set[str]:
        """Who pressed „Odrzuć” on this chat less than ``DECLINE_PAUSE_S`` ago: not offered it again at once
        (the only free agent got it straight back); the chats' sweep offers it to them after the pause."""
        declined = getattr(record, "declined", None) or {}
        return {agent for agent, at in declined.items() if self.now() - float(at) < DECLINE_PAUSE_S}

    async def _skip_agent(self, tid: str, agent_id: str, exc: Exception) -> None:
        """Twilio refused this agent's leg (a bad number, ...): back to waiting, the next agent is tried."""
        log.error("transfer %s: agent %s cannot be dialled: %r", tid, agent_id, exc)
        await self.p.store.transition(tid, "waiting", expect=("ringing",), agent_id=None, back_at=self.now())
        await self.p.agents.release(agent_id, "available", transfer_id=tid, no_answer=True)

    async def rest_failed(self, record: TransferRecord, agent_id: str | None) -> None:
        """Twilio REST is down (refused, or black-holed past its deadline): the transfer ends in
        ``fallback`` (out of the queue, so nobody is rung for it later) and the reserved agent is free
        again, not blamed for a missed ring. Reaching the caller is the caller side's job (``start``
        raises so the pipeline apologises on the stream; the hold loop retries the redirect)."""
        tid = record.tid
        failed = await self.p.store.transition(
            tid, "fallback", expect=("waiting", "ringing", "callback_offered"), agent_id=None, ended_at=self.now()
        )
        if agent_id:
            await self.p.agents.release(agent_id, "available", transfer_id=tid)
        if failed is not None:
            self._waited(failed, "fallback", self.now())
            await self._publish(TRANSFER_ABANDONED, failed, None, {"queue": failed.queue, "during": "rest_down"})
        log.error("transfer %s: Twilio REST unavailable; the caller goes to the fallback number", tid)

    async def claim_lost(self, record: TransferRecord) -> bool:
        """An agent's claim that never became a bridge (``escape.stranded``): the transfer ends in ``fallback`` as
        when REST fails, the agent is free again (they never had the caller), offered to her queues' callers at once,
        and their leg is stopped. True when this call ended it."""
        failed = await self.p.store.transition(record.tid, "fallback", expect=("connected",), ended_at=self.now())
        if failed is None:
            return False
        freed = record.agent_id and await self.p.agents.release(record.agent_id, "available", transfer_id=record.tid)
        try:
            await self.cancel_agent_call(record.agent_call_sid, "in-progress")
        except TwilioRestError:
            log.warning("transfer %s: the leg of agent %s not stopped (Twilio REST)", record.tid, record.agent_id)
        self._waited(failed, "fallback", self.now())
        await self._publish(TRANSFER_ABANDONED, failed, None, {"queue": failed.queue, "during": "bridge"})
        if freed == "available" and record.agent_id:  # to her queues' callers now, not at their next hold tick
            await self.dispatch_queues(await self._queues_of(record.agent_id))
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
        missed ring in a row takes them offline), remember them as tried, ring the next agent; a freed
        agent is offered to the callers of their other queues too. Once per ring (``rang_at``), not per caller and
        agent: an agent rung afresh for the same caller (``give_up_ring``) who declined read as a copy of the
        first ring's miss, and the transfer stayed ringing with the agent reserved for good."""
        record = await self.p.store.get(tid)
        if record is None or record.status != "ringing" or record.agent_id != agent_id:
            return False
        if not await self.p.store.first_time(f"missed:{tid}:{agent_id}:{getattr(record, 'rang_at', None)}"):
            return False
        back = await self.p.store.transition(
            tid,
            "waiting",
            expect=("ringing",),
            agent_id=None,
            agent_call_sid=None,
            agent_call_status=None,
            back_at=self.now(),
        )
        if back is None and await self._took_it(tid, agent_id):  # pressed 1 between the read and the switch
            return False
        status = await self.p.agents.release(agent_id, "available", transfer_id=tid, no_answer=no_answer)
        log.info("transfer %s: agent %s %s (now %s)", tid, agent_id, "missed" if no_answer else "declined", status)
        queues = [back.queue] if back is not None else []
        if status == "available":
            queues += await self._queues_of(agent_id)
        await self.dispatch_queues(queues)
        return True

    async def _took_it(self, tid: str, agent_id: str) -> bool:
        """Did ``agent_id`` accept ``tid`` after all? Then the call is theirs: not released, leg not cancelled."""
        now = await self.p.store.get(tid)
        return now is not None and now.status == "connected" and now.agent_id == agent_id

    async def free_stale_reservations(self, record: TransferRecord) -> None:
        """Agents reserved for this waiting caller but never rung are given back (``stale.free_stale``)."""
        await free_stale(self.p.agents, record, self.now())

    def ring_overdue(self, record: TransferRecord) -> bool:
        """A phone ring past any moment Twilio could still report on it: its status callbacks were lost (the
        store was down when they came, say), and without this the caller would hold and the agent stay
        reserved for good. The hold loop asks on each tick."""
        rang_at = getattr(record, "rang_at", None)
        if record.status != "ringing" or record.channel != "phone" or not isinstance(rang_at, int | float):
            return False
        answered = getattr(record, "agent_call_status", None) in ("answered", "in-progress")
        limit = self.cfg.agent_ring_timeout_s + RING_GRACE_S + (BRIEFING_S if answered else 0.0)
        return self.now() - rang_at > limit

    async def give_up_ring(self, record: TransferRecord) -> None:
        """An overdue ring: the agent's leg is stopped if it still exists, the agent is free again (not
        blamed: nobody knows whether they answered) and may be rung for this caller again, and the next free
        agent is rung; else the caller holds on and meets the callback offer at the queue's maximum wait. Kept
        as tried, the only agent on duty, whose ring Redis lost during an outage, was never rung again for the
        caller, who held on with her free until the callback offer. Once per caller and agent: a ring lost again
        (her status callbacks never reach us) rang her afresh at every give-up, the transfer 'ringing' again at
        each tick, so the caller never met the callback offer."""
        if record.agent_id is None:
            return
        log.warning("transfer %s: no news of agent %s's ring; trying the next agent", record.tid, record.agent_id)
        try:
            await self.cancel_agent_call(record.agent_call_sid, getattr(record, "agent_call_status", None))
        except TwilioRestError:
            log.warning("transfer %s: the overdue agent leg could not be stopped (Twilio REST)", record.tid)
        if await self.p.store.first_time(f"afresh:{record.tid}:{record.agent_id}"):  # once: never a ring loop
            await self.p.store.forget_tried(record.tid, record.agent_id)
        await self.agent_missed(record.tid, record.agent_id, no_answer=False)

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
