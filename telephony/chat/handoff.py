"""Chat hand-off to a live agent: the chat waits in the agents' queue, an agent accepts it in the
console, and the two write to each other until either side ends it.

One engine, one queue: a chat hand-off is a ``TransferRecord`` with ``channel="chat"`` in the same
Redis queue as phone callers (same priority and arrival order, same positions and wait estimates, same
``GET /v1/queues``). The same dispatch (``WarmTransfer.dispatch_queues``) serves it: for a chat it
reserves the longest-idle free agent and *offers* the chat in their console instead of dialling them
(``AgentRinging._offer_chat``). From there this module takes over: accept (``ringing -> connected``, only
while the offer names that agent), decline or an offer left unanswered (back to waiting, next agent),
messages both ways (``ChatLog``, stored with personal data masked but the order id; every write
publishes a console event, so any worker's SSE delivers it), and the end by either side (the agent goes
to wrap-up, exactly as after a call).

Why the customer's messages never reach the bot while an agent has the chat: ``POST /v1/chat`` asks
``active(session_id)`` first (``telephony/chat/api.py``); a chat is never answered by both.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any, Literal

from dialog import catalogue
from dialog.pii import mask
from dialog.ports import Outcome, Transfer
from telephony.agents import events as ev
from telephony.agents.waits import estimate_wait_s, wait_phrase
from telephony.chat.handoff_core import ChatConfig, HandoffCore, HandoffParts
from telephony.chat.presence import is_gone, last_sign
from telephony.chat.store import MAX_MESSAGES, ChatWindow
from telephony.spool import STORE_DOWN
from telephony.transfer.record import TransferRecord, chat_key, new_transfer_id

__all__ = ["ACTIVE", "Accepted", "ChatConfig", "ChatHandoff", "HandoffParts"]

log = logging.getLogger(__name__)

ACTIVE = frozenset({"waiting", "ringing", "connected"})
Accepted = Literal["ok", "gone", "not_offered"]


def _first_name(name: str) -> str:
    return name.split()[0] if name.strip() else "konsultant"


class ChatHandoff(HandoffCore):
    """The chat side of the agents' queue; every change is a compare-and-set, so any worker may act.
    Settings, collaborators and the helpers each step uses: ``HandoffCore`` (``handoff_core.py``)."""

    # --- the customer's side -----------------------------------------------------------------------
    async def start(self, session_id: str, outcome: Outcome) -> dict[str, Any]:
        """Queue the chat with the bot's summary and transcript; the customer's view of the wait, or
        ``unavailable`` (closed, or nobody staffs the queue: a chat must not wait for no one)."""
        t = outcome.transfer or Transfer(self.cfg.default_queue, "requested_human", 0, "")
        hours, at = self.p.hours.hours(t.queue), datetime.fromtimestamp(self.now(), UTC)
        if not hours.is_open(at):  # the customer is told when to write again ("jutro od 8:00")
            return {**self._unavailable(t.queue, "closed"), "opens_text": hours.opens_when(at)}
        if (await self.p.agents.counts(t.queue))[1] == 0:
            return self._unavailable(t.queue, "no_agents")
        now, session = self.now(), await self._session(session_id)
        # A transfer reply carries no order id (``Outcome.order_id`` is for answers about an order); the
        # order the conversation is about ("... w sprawie zamówienia 48213") is the session's.
        order_id = outcome.order_id or (session.order_id if session else None)
        record = TransferRecord(
            tid=new_transfer_id(),
            call_sid=chat_key(session_id),
            channel="chat",
            queue=t.queue,
            reason=t.reason,
            priority=t.priority,
            summary=t.summary,
            session_id=session_id,
            transcript=[{"role": role, "text": text} for role, text in (session.history if session else [])],
            order_id=order_id,
            order_status=session.order_status if session and order_id == session.order_id else None,
            created_at=now,
            enqueued_at=now,
        )
        await self.p.store.create(record)
        self._counted(record.queue, "queued")
        await self._publish(ev.TRANSFER_WAITING, record, None, {"queue": record.queue, "channel": "chat"})
        await self.p.dispatch([record.queue])
        log.info("chat %s queued in %s (%s)", record.tid, record.queue, record.reason)
        return await self.customer_view(await self.p.store.get(record.tid) or record)

    async def told(self, tid: str, text: str) -> None:
        """What the customer read as the chat was queued (the transfer line, the wait estimate, "Konsultant
        odpowie w tym oknie czatu") replaces the bot's line in the transcript the agent reads: the transcript
        is taken before the estimate is known, and the agent must see what the customer was promised. The chat
        is queued by then: a store that fails here leaves the bot's line, never the customer's turn failed."""
        try:
            record = await self.p.store.get(tid)
            if record is None:
                return
            lines = list(record.transcript)
            if lines and lines[-1].get("role") == "bot":
                lines.pop()
            lines.append({"role": "bot", "text": mask(text, (record.order_id,))})
            await self.p.store.update(tid, transcript=lines)
        except STORE_DOWN as exc:
            log.warning("chat hand-off %s: the wait estimate not added to the agent's transcript (%r)", tid, exc)

    async def current(self, session_id: str) -> TransferRecord | None:
        """The chat's latest hand-off, whatever its status."""
        tid = await self.p.store.by_call(chat_key(session_id))
        return None if tid is None else await self.p.store.get(tid)

    async def active(self, session_id: str) -> TransferRecord | None:
        """The hand-off a human has (or is about to take): the customer's messages go there."""
        record = await self.current(session_id)
        return record if record is not None and record.status in ACTIVE else None

    async def customer_view(self, record: TransferRecord) -> dict[str, Any]:
        """Status, place in the queue and the wait estimate, as the customer's client shows them."""
        view: dict[str, Any] = {"transfer_id": record.tid, "queue": record.queue, "position": None}
        if record.status in ("waiting", "ringing"):
            position = await self.p.store.position(record.queue, record.tid)
            available, staffed = await self.p.agents.counts(record.queue)
            avg = await self.p.stats.average(record.queue)
            estimate = estimate_wait_s(position or 1, available, staffed, avg, self.p.wait_model)
            view.update(
                status="waiting",
                position=position,
                estimate_s=None if estimate is None else round(estimate),
                estimate_text=wait_phrase(estimate),
            )
        elif record.status == "connected":
            view.update(status="connected", agent=_first_name(await self._agent_name(record.agent_id) or ""))
        else:
            view.update(status="ended", ended_by=getattr(record, "ended_by", None))
            if view["ended_by"] == "gone":  # back after the wait ended without them: how to ask again
                view["text"] = catalogue.CHAT_CUSTOMER_GONE_WRITE
        return view

    async def record(self, tid: str) -> TransferRecord | None:
        return await self.p.store.get(tid)

    async def messages(self, tid: str, after: int = 0, last: int = MAX_MESSAGES) -> list[dict[str, Any]]:
        """The hand-off's messages with ``seq > after`` (customer, agent and system lines), at most the ``last``."""
        return await self.p.log.since(tid, after, last)

    async def window(self, tid: str, last: int) -> ChatWindow:
        """The hand-off's ``last`` messages and how many the customer wrote in all (the console's panel)."""
        return await self.p.log.window(tid, 0, last)

    async def replied(self, tid: str) -> int:
        """The ``seq`` of the agent's latest message (0: none yet): the customer's message rate counts from it."""
        return await self.p.log.replied(tid)

    async def from_customer(self, record: TransferRecord, text: str) -> dict[str, Any]:
        await self.seen(record)  # a customer who writes is there, stream or not
        message = await self.p.log.append(record.tid, "customer", text, self.now(), keep=(record.order_id,))
        await self._publish(ev.CHAT_MESSAGE, record, record.agent_id, {"seq": message["seq"]})
        return message

    # --- the agent's side --------------------------------------------------------------------------
    async def accept(self, tid: str, agent_id: str) -> Accepted:
        """The offered agent takes the chat: connected, the customer told who joined."""
        record = await self.p.store.get(tid)
        if record is None or record.channel != "chat" or record.status not in ACTIVE:
            return "gone"
        now = self.now()
        if not await self.p.log.accept(record, agent_id, now):
            return "not_offered"
        name = _first_name(await self._agent_name(agent_id) or "")
        await self.p.log.append(tid, "system", catalogue.CHAT_AGENT_JOINED.format(name=name), now)
        await self._publish(ev.TRANSFER_CONNECTED, record, agent_id, {"channel": "chat"})
        self._observe_wait(record, "answered", now)
        log.info("chat %s accepted by %s", tid, agent_id)
        return "ok"

    async def decline(self, tid: str, agent_id: str, *, no_answer: bool = False) -> bool:
        """The offered agent declines (or let the offer lapse: ``no_answer``, counted like a missed ring):
        the chat waits again and goes to the next free agent; the agent is offered other work. A phone ring
        is not this one's: taken back here it would keep ringing the agent (``WarmTransfer.agent_left``)."""
        record = await self.p.store.get(tid)
        if record is None or record.channel != "chat" or record.status != "ringing" or record.agent_id != agent_id:
            return False
        declined = {} if no_answer else {"declined": {**_declines(record), agent_id: self.now()}}  # their pauses
        back = await self.p.store.transition(tid, "waiting", expect=("ringing",), agent_id=None, **declined)
        if back is None:
            return False
        status = await self.p.agents.release(agent_id, "available", transfer_id=tid, no_answer=no_answer)
        await self._publish(ev.TRANSFER_WAITING, back, None, {"queue": back.queue, "channel": "chat"})
        log.info("chat %s: agent %s %s (now %s)", tid, agent_id, "let it lapse" if no_answer else "declined", status)
        state = await self.p.agents.get(agent_id) if status == "available" else None
        await self.p.dispatch([back.queue, *(state.agent.queues if state else ())])
        return True

    async def from_agent(self, tid: str, agent_id: str, text: str) -> dict[str, Any] | None:
        """The agent's message, or None when this agent does not have this chat (any more)."""
        record = await self.p.store.get(tid)
        if record is None or record.status != "connected" or record.agent_id != agent_id:
            return None
        name = _first_name(await self._agent_name(agent_id) or "")
        message = await self.p.log.append(tid, "agent", text, self.now(), agent=name, keep=(record.order_id,))
        if self.p.metrics is not None:  # the agent's first response (KPIs): the first such message counts
            waited = self.now() - record.enqueued_at
            self.p.metrics.chat_agent_wrote(tid, record.queue, waited, agent_id, record.session_id or "")
        await self._publish(ev.CHAT_MESSAGE, record, agent_id, {"seq": message["seq"]})
        return message

    # --- endings -----------------------------------------------------------------------------------
    async def end(self, tid: str, by: Literal["customer", "agent"], agent_id: str | None = None) -> bool:
        """Either side ends the chat. Connected: completed, the agent goes to wrap-up and the handling
        time feeds the wait estimate. Still waiting (the customer gave up): abandoned, and an agent it
        was being offered to is free again at once."""
        record = await self.p.store.get(tid)
        if record is None or record.channel != "chat" or record.status not in ACTIVE:
            return False
        if by == "agent" and (record.agent_id != agent_id or record.status != "connected"):
            return False
        if record.status == "connected":
            return await self._complete(record, by)
        return await self._abandon(record)

    async def _complete(self, record: TransferRecord, by: str) -> bool:
        now = self.now()
        done = await self.p.store.transition(record.tid, "completed", expect=("connected",), ended_at=now, ended_by=by)
        if done is None:
            return False
        text = catalogue.CHAT_ENDED_BY_AGENT if by == "agent" else catalogue.CHAT_ENDED_BY_CUSTOMER
        await self.p.log.append(record.tid, "system", text, now)
        await self.p.stats.record(record.queue, max(0.0, now - (done.connected_at or now)))
        if done.agent_id:
            await self.p.agents.release(done.agent_id, "wrap_up", transfer_id=record.tid)
        await self._publish(ev.TRANSFER_ENDED, done, done.agent_id, {"channel": "chat", "ended_by": by})
        await self._ended(record, "completed")
        log.info("chat %s ended by the %s", record.tid, by)
        return True

    async def _abandon(self, record: TransferRecord, *, left: bool = False) -> bool:
        """The customer ended the wait, or (``left``) was not seen for ``gone_after_s``: abandoned either way
        (counted as a caller who hangs up in the queue), ``ended_by`` ``customer`` or ``gone``."""
        now, by = self.now(), "gone" if left else "customer"
        gone = await self.p.store.transition(
            record.tid, "abandoned", expect=("waiting", "ringing"), ended_at=now, ended_by=by
        )
        if gone is None:
            return False
        text = catalogue.CHAT_CUSTOMER_GONE if left else catalogue.CHAT_ENDED_BY_CUSTOMER
        await self.p.log.append(record.tid, "system", text, now)
        freed = None
        if gone.agent_id:
            freed = await self.p.agents.release(gone.agent_id, "available", transfer_id=record.tid)
        await self._publish(ev.TRANSFER_ABANDONED, gone, None, {"queue": gone.queue, "channel": "chat"})
        # who left waited until their last sign: the sweep's grace is not their wait (a caller's hang-up is at once)
        self._observe_wait(gone, "abandoned", min(now, last_sign(gone)) if left else now)
        await self._ended(gone, "abandoned")
        if freed == "available" and gone.agent_id:
            state = await self.p.agents.get(gone.agent_id)
            await self.p.dispatch(state.agent.queues if state else ())
        return True

    async def expire_offers(self) -> int:
        """Offers nobody accepted within ``offer_timeout_s`` go to the next agent (run periodically by
        ``ChatWatch``; every worker may run it: the move back to waiting is a compare-and-set). A chat has
        no hold loop to tick, so this is its safety net too: queues with a chat waiting are dispatched.
        A chat whose customer has not been seen for ``gone_after_s`` (``presence.py``) leaves the queue first."""
        lapsed, idle = 0, []
        cutoff = self.now() - self.cfg.offer_timeout_s
        for queue in await self.p.store.queue_names():
            for record in await self.p.store.records(await self.p.store.waiting(queue)):
                if await self._left(record):
                    continue
                offered_at = getattr(record, "offered_at", None)
                if record.channel == "chat" and record.status == "waiting":
                    idle.append(queue)
                if record.channel != "chat" or record.status != "ringing" or not record.agent_id:
                    continue
                if isinstance(offered_at, int | float) and offered_at <= cutoff:
                    lapsed += await self.decline(record.tid, record.agent_id, no_answer=True)
        if idle:
            await self.p.dispatch(idle)
        await self.sweep_away()  # connected chats: the agent is told, nothing is ended
        return lapsed

    async def _left(self, record: TransferRecord) -> bool:
        """End the wait of a customer not seen for ``gone_after_s`` (read again first: a stamp may have landed
        since the queue was read); True when it ended."""
        if not is_gone(record, self.now(), self.cfg.gone_after_s, self._watched_since):
            return False
        latest = await self.p.store.get(record.tid)
        if latest is None or not is_gone(latest, self.now(), self.cfg.gone_after_s, self._watched_since):
            return False
        log.info("chat %s: the customer was not seen for %.0f s, the wait ends", record.tid, self.cfg.gone_after_s)
        return await self._abandon(latest, left=True)


def _declines(record: TransferRecord) -> dict[str, float]:
    """When each agent pressed „Odrzuć” on this chat (``declined``, kept on the record)."""
    return dict(getattr(record, "declined", None) or {})
