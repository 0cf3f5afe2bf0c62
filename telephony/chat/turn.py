"""One ``POST /v1/chat`` message, from the customer to the reply: to the live agent who has the chat, the
"lost thread" answer for a session the store no longer knows, or a dialog turn (and a hand-off to the
agents' queue when the dialog transfers).

Apart from the routes (``telephony/chat/api.py``): this is the chat's call path, as ``telephony/call/loop.py``
is the phone's.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Any

from dialog import catalogue
from dialog.ports import CallerInfo, Dialog, Outcome, Transfer
from dialog.resume import fresh_session, session_repo, verdict
from dialog.session import Session
from dialog.store import SessionRepo
from telephony.access.guard import too_many
from telephony.chat.handoff import ACTIVE
from telephony.chat.models import ChatRequest, LiveChat
from telephony.chat.resume import lost_kind, lost_thread, requeue_outcome, thread_reply
from telephony.chat.session_locks import SessionLocks
from telephony.chat.unavailable import unavailable_reply, unavailable_view
from telephony.conversation_turn import ConversationTurn
from telephony.metrics import count_thread_lost
from telephony.spool import STORE_DOWN, StoreDown
from telephony.store_health import StoreHealth

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ChatTurns:
    """``sessions``: the gateway's session store (asked when the dialog keeps none of its own);
    ``metrics``: counts turns and hand-offs (None: nothing counted); ``health``: whether Redis timed out a
    moment ago (None: always asked)."""

    sessions: SessionRepo | None = None
    metrics: Any = None
    locks: SessionLocks = field(default_factory=SessionLocks)
    health: StoreHealth | None = None

    async def answer(self, body: ChatRequest, dialog: Dialog, live: LiveChat | None) -> dict[str, Any]:
        """The reply to one message (the ``ChatResponse`` fields), after the session's earlier messages
        (``SessionLocks``: answered at once, they overwrote each other's turns)."""
        async with self.locks.hold(body.session_id):
            return await self._answer(body, dialog, live)

    async def _answer(self, body: ChatRequest, dialog: Dialog, live: LiveChat | None) -> dict[str, Any]:
        if self.health is not None and self.health.stalled:
            # Redis timed out a moment ago (this request's rate limit, or an earlier request): the 503 a down
            # Redis gets, now, instead of after a timeout for the session read and another for its save
            raise StoreDown("session store unavailable (it did not answer a moment ago), send the message again")
        own = session_repo(dialog)  # where the dialog keeps its sessions
        known = await self._known(body, own)
        if (forwarded := await _to_agent(body, live)) is not None:
            return forwarded
        sid = body.session_id
        if sid and own is not None and not known and not own.could_have_issued(sid):
            body = _not_issued(body, sid)  # made up, altered or of the old unsigned form: nothing was lost
        elif sid and own is not None and not known and not await _handed_before(live, sid):
            kind = lost_kind(body.handoff_id, live is not None and body.channel == "chat")
            if kind == "handoff" or verdict(body.text) == "apologise":
                return await _lost(body, sid, own, live, self.metrics)
            count_thread_lost(self.metrics, body.channel, "fresh")
            await _save(own, fresh_session(sid, body.channel, time.time()))  # answered below as a new one
        return await self._dialog_turn(body, dialog, live, new=not known)

    async def _known(self, body: ChatRequest, own: SessionRepo | None) -> bool:
        repo = own or self.sessions
        if body.session_id and repo is not None:
            try:
                return await _reachable(repo, body.session_id)
            except StoreDown as exc:
                if self.health is not None and exc.__cause__ is not None:
                    self.health.saw(exc.__cause__)  # a timeout: the next turns answer 503 without waiting
                raise
        return bool(body.session_id)

    async def _dialog_turn(self, body: ChatRequest, dialog: Dialog, live: LiveChat | None, new: bool) -> dict[str, Any]:
        began, caller = time.monotonic(), CallerInfo(channel=body.channel)
        outcome = await dialog.handle(body.session_id, body.text, caller)
        if not outcome.saved:  # a reply whose conversation was not stored would be forgotten on the next turn
            raise StoreDown("session store unavailable, send the message again")
        seconds, result = time.monotonic() - began, outcome.to_api()
        if outcome.action == "transfer" and body.channel != "phone":  # a phone integration hands over itself
            chat = body.channel == "chat"
            result.update(await _hand_off(live, outcome, self.metrics) if chat else _not_here(outcome.transfer))
            if result["handoff"]["status"] == "unavailable":  # the history keeps what the customer was told
                await dialog.handover_refused(outcome.session_id, result["reply"], caller)
            elif result["reply"] != outcome.reply:  # ... the wait estimate too: what the agent reads
                await dialog.record(outcome.session_id, None, result["reply"], caller)
        handed_over = (result.get("handoff") or {}).get("status") != "unavailable"
        _count_turn(self.metrics, body.channel, outcome, seconds, new=new, handed_over=handed_over)
        return result


async def _to_agent(body: ChatRequest, live: LiveChat | None) -> dict[str, Any] | None:
    """While an agent has the chat, the customer's message is theirs (action ``agent``), never the bot's.
    Past the hand-off's message rate (``LiveChat.pace``) it is refused, 429 "wait for the agent's reply": the
    agent keeps the earlier messages, and one customer (from any number of addresses) cannot bury them, nor
    the agent's console, under hundreds more. Each reply of the agent's opens a fresh count: counted for the
    whole hand-off, a long talk ("ok", "tak", "chwila"…) was refused for up to an hour, replies or not."""
    if live is None or not body.session_id or body.channel != "chat":
        return None
    record = await live.handoff.active(body.session_id)
    if record is None:
        return None
    retry = await live.pace(record.tid, await live.handoff.replied(record.tid))
    if retry is not None:
        log.info("chat %s: a customer's message past the hand-off's rate refused", record.tid)
        raise too_many(retry, "messages to the agent", catalogue.CHAT_WAIT_FOR_AGENT)
    await live.handoff.from_customer(record, body.text)
    latest = await live.handoff.record(record.tid) or record
    if latest.status not in ACTIVE:  # ended as it went in (a sweep found them gone, the agent ended it)
        log.info("chat %s ended as the customer's message went in: the bot answers it", record.tid)
        return None  # nobody reads an ended chat, and its history was kept without it: a turn like the next one
    view = with_url(await live.handoff.customer_view(latest), body.session_id)
    return {**Outcome(body.session_id, "end", "").to_api(), "action": "agent", "handoff": view}


def _not_issued(body: ChatRequest, session_id: str) -> ChatRequest:
    """A message under an id this deployment never signed, which the store does not know: the first of a new
    conversation under a new id (the dialog issues it), never a lost thread (no apology, nothing counted),
    so nobody drives ``infolinia_threads_lost`` up, or gets apologies, with ids of their own making."""
    log.info("chat session id %r... not issued here (no valid signature): a new conversation", session_id[:8])
    return body.model_copy(update={"session_id": None})


async def _handed_before(live: LiveChat | None, session_id: str) -> bool:
    """The chat has a hand-off record (ended): its session expired during a long talk with the agent, the
    store did not lose it; the customer starts afresh as before."""
    return live is not None and await live.handoff.current(session_id) is not None


async def _lost(
    body: ChatRequest, session_id: str, sessions: SessionRepo, live: LiveChat | None, metrics: Any
) -> dict[str, Any]:
    """The session to continue is gone: "straciłem wątek" under the same id, or (the client was in a
    hand-off) the chat back in the agents' queue with this message for the agent."""
    kind = lost_kind(body.handoff_id, live is not None and body.channel == "chat")
    lost = lost_thread(session_id, body.channel, body.text, kind, time.time())
    log.warning("chat session %s unknown (Redis lost it, or it expired): the customer is told (%s)", session_id, kind)
    count_thread_lost(metrics, body.channel, "apologise" if kind == "thread" else "requeue")
    await _save(sessions, lost.session)
    if kind == "thread" or live is None:
        return thread_reply(lost)
    outcome = requeue_outcome(session_id, live.handoff.cfg.default_queue, lost.reply)
    handed = await _hand_off(live, outcome, metrics)
    if handed["handoff"]["status"] == "unavailable":  # nobody to go back to: the apology, then why
        return {**thread_reply(lost), "reply": f"{lost.reply} {handed['reply']}", "handoff": handed["handoff"]}
    record = await live.handoff.active(session_id)
    if record is not None:  # what the customer just wrote was meant for the agent
        await live.handoff.from_customer(record, body.text)
    return {**outcome.to_api(), **handed}


async def _save(sessions: SessionRepo, session: Session) -> None:
    try:
        await sessions.save(session)
    except STORE_DOWN as exc:
        raise StoreDown("session store unavailable, send the message again") from exc


def _not_here(transfer: Transfer | None) -> dict[str, Any]:
    """A transfer on a channel the chat API cannot hand over (a device or a text integration)."""
    return {"reply": unavailable_reply("channel", transfer), "handoff": unavailable_view("channel")}


async def _hand_off(live: LiveChat | None, outcome: Outcome, metrics: Any) -> dict[str, Any]:
    """Queue the chat for an agent (or say that none can take it): the reply and ``handoff`` fields."""
    transfer = outcome.transfer  # the 112 advice (or the apology) with any refusal
    if live is None:
        if metrics is not None and transfer is not None:
            metrics.chat_handoff(transfer.queue, "unavailable")
        return {"reply": unavailable_reply("no_agents", transfer), "handoff": unavailable_view("no_agents")}
    view = await live.handoff.start(outcome.session_id, outcome)
    if view["status"] == "unavailable":
        return {"reply": unavailable_reply(view["reason"], transfer, view.get("opens_text")), "handoff": view}
    wait = catalogue.WAIT_ESTIMATE.format(wait=view.get("estimate_text") or catalogue.WAIT_FEW_MINUTES)
    reply = f"{outcome.reply} {wait} {catalogue.CHAT_QUEUED}"
    await live.handoff.told(view["transfer_id"], reply)  # the console's transcript: what the customer read
    return {"reply": reply, "handoff": with_url(view, outcome.session_id)}


def with_url(view: dict[str, Any], session_id: str) -> dict[str, Any]:
    return {**view, "events_url": f"/v1/chat/{session_id}/events"} if view.get("transfer_id") else view


def _count_turn(metrics: Any, channel: str, outcome: Outcome, seconds: float, new: bool, handed_over: bool) -> None:
    """The turn for the conversation KPIs (``Metrics.conversation_turn``; phone calls count themselves):
    solved by the bot once per conversation, transferred only when someone was there to take it."""
    if metrics is None or not hasattr(metrics, "conversation_turn"):
        return
    kpi_channel = "chat" if channel == "chat" else "speaker" if channel in ("speaker", "voice") else "phone"
    metrics.conversation_turn(ConversationTurn.of(kpi_channel, outcome, seconds, new=new, handed_over=handed_over))


async def _reachable(sessions: SessionRepo, session_id: str) -> bool:
    """A conversation to continue whose session cannot be read (the store is down) is a 503, not a reply
    from a fresh session that forgot everything (the engine degrades that way for the phone, where a
    caller must keep hearing answers; a chat client can retry)."""
    try:
        return await sessions.load(session_id) is not None
    except STORE_DOWN as exc:
        raise StoreDown("session store unavailable, try again shortly") from exc
