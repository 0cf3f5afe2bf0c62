"""Text chat channel: ``POST /v1/chat``, the same dialog engine as the phone line, and the live hand-off.

The request model enforces the contract (non-empty text, at most 2,000 characters, strict types) so bad
input gets a 422 with a clear message before it reaches the engine.

Live chat with agents (``telephony/chat/handoff.py``): when the engine decides on a transfer, the chat
is queued for an agent and the reply carries ``handoff`` (status, place in the queue, wait estimate).
From then until the hand-off ends, the customer's ``POST /v1/chat`` messages go to the agent (action
``agent``, empty reply), never to the bot. The agent's messages and the wait estimate arrive on
``GET /v1/chat/{session_id}/events`` (SSE) or, for clients without SSE, ``GET /v1/chat/{session_id}``
(poll with ``after``); ``POST /v1/chat/{session_id}/end`` ends it from the customer's side.
"""

# No ``from __future__ import annotations``: the route's ``Annotated`` dependency is a local of
# ``build_chat_router``, which FastAPI can only see as an evaluated annotation.
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, HTTPException, Path, Query
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field, field_validator

from dialog import catalogue
from dialog.ports import CallerInfo, Dialog, KeyValueStore, Outcome
from dialog.session import Session
from dialog.store import SessionRepo
from telephony.chat.handoff import ChatHandoff
from telephony.chat.resume import (
    fresh_session,
    leans_on_the_thread,
    lost_kind,
    lost_thread,
    lost_view,
    requeue_outcome,
    session_repo,
    thread_reply,
)
from telephony.chat.stream import SSE_HEADERS, ChatWatch, customer_stream
from telephony.chat.unavailable import unavailable_reply, unavailable_view
from telephony.metrics import ConversationTurn
from telephony.spool import STORE_DOWN, StoreDown
from telephony.transfer.store import TransferRecord

log = logging.getLogger(__name__)

MAX_TEXT = 2000
SessionId = Annotated[str, Path(min_length=1, max_length=128)]


class ChatRequest(BaseModel):
    """One caller message. ``session_id`` continues a conversation; none starts a new one, and one the store
    no longer knows is answered "straciłem wątek" under the same id (``telephony/chat/resume.py``).
    ``handoff_id``: the ``handoff.transfer_id`` the client was last shown, so a hand-off lost with the store
    goes back to the agents' queue instead of to the bot."""

    model_config = ConfigDict(extra="forbid", strict=True)

    session_id: str | None = Field(None, max_length=128)
    handoff_id: str | None = Field(None, max_length=64)
    text: str = Field(..., max_length=MAX_TEXT)
    channel: Literal["chat", "phone", "speaker", "voice"] = "chat"

    @field_validator("text")
    @classmethod
    def _not_blank(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("text must not be empty")
        return v


class TransferOut(BaseModel):
    queue: str
    reason: str
    priority: int
    summary: str


class HandoffOut(BaseModel):
    """Where a chat handed to an agent stands, as the customer's client shows it."""

    model_config = ConfigDict(extra="allow")

    status: Literal["waiting", "connected", "ended", "unavailable"]
    transfer_id: str | None = None
    position: int | None = None  # 1 = next to be served (waiting)
    estimate_s: int | None = None  # None: no history yet ("kilka minut")
    estimate_text: str | None = None  # Polish, e.g. "około dwóch minut"
    agent: str | None = None  # the agent's first name (connected)
    reason: str | None = None  # unavailable: closed | no_agents | channel (no hand-off from this channel)
    events_url: str | None = None


class ChatResponse(BaseModel):
    session_id: str
    # agent: the message went to the live agent who has this chat (reply is empty; answers come as events)
    action: Literal["answer", "clarify", "transfer", "end", "agent"]
    reply: str
    kb_id: str | None
    order_id: str | None
    # What the next message should hold: a client may show buttons for "yes_no" (tak / nie) or "choice"
    # (the reply offered two topics: "pierwsze" / "drugie"), or a number pad for "order_number".
    expects: Literal["text", "order_number", "yes_no", "choice"] = "text"
    transfer: TransferOut | None
    handoff: HandoffOut | None = None


class EndResponse(BaseModel):
    session_id: str
    handoff: HandoffOut


@dataclass(frozen=True)
class LiveChat:
    """The hand-off and this process's events watch (built with the agents features: Redis)."""

    handoff: ChatHandoff
    watch: ChatWatch


async def no_live_chat() -> LiveChat | None:
    return None


def build_chat_router(
    get_dialog: Callable[[], Awaitable[Dialog]],
    get_live: Callable[[], Awaitable[LiveChat | None]] = no_live_chat,
    metrics: Any = None,
    store: KeyValueStore | None = None,
) -> APIRouter:
    """``get_dialog``: the engine built at start-up, per request (``GatewayDeps.dialog`` waits while the
    models are still loading). ``get_live``: the hand-off, None without Redis (then a chat asking for a
    person is told no agent can take it, instead of being promised one). ``metrics``: counts those.
    ``store``: the session store, asked first when a conversation is continued (a 503 while it is down)."""
    router = APIRouter(tags=["chat"])
    sessions = None if store is None else SessionRepo(store)
    Live = Annotated[LiveChat | None, Depends(get_live)]

    @router.post("/v1/chat", response_model=ChatResponse)
    async def chat(body: ChatRequest, dialog: Annotated[Dialog, Depends(get_dialog)], live: Live) -> dict[str, Any]:
        known, own = bool(body.session_id), session_repo(dialog)  # own: where the dialog keeps sessions
        repo = own or sessions
        if body.session_id and repo is not None:
            known = await _reachable(repo, body.session_id)
        if live is not None and body.session_id and body.channel == "chat":
            record = await live.handoff.active(body.session_id)
            if record is not None:
                await live.handoff.from_customer(record, body.text)
                view = _with_url(await live.handoff.customer_view(record), body.session_id)
                return {**Outcome(body.session_id, "end", "").to_api(), "action": "agent", "handoff": view}
        sid = body.session_id
        if sid and own is not None and not known and own.could_have_issued(sid) and not await _handed_before(live, sid):
            kind = lost_kind(body.handoff_id, live is not None and body.channel == "chat")
            if kind == "handoff" or leans_on_the_thread(body.text):
                return await _lost(body, sid, own, live, metrics)
            await _save(own, fresh_session(sid, body.channel, time.time()))  # answered below
        began, caller = time.monotonic(), CallerInfo(channel=body.channel)
        outcome = await dialog.handle(body.session_id, body.text, caller)
        if not outcome.saved:  # a reply whose conversation was not stored would be forgotten on the next turn
            raise StoreDown("session store unavailable, send the message again")
        seconds, result = time.monotonic() - began, outcome.to_api()
        if outcome.action == "transfer" and body.channel != "phone":  # a phone integration hands over itself
            emergency = outcome.transfer is not None and outcome.transfer.emergency
            result.update(await _hand_off(live, outcome, metrics) if body.channel == "chat" else _not_here(emergency))
            if result["handoff"]["status"] == "unavailable":  # the history keeps what the customer was told
                await dialog.handover_refused(outcome.session_id, result["reply"], caller)
        handed_over = (result.get("handoff") or {}).get("status") != "unavailable"
        _count_turn(metrics, body.channel, outcome, seconds, new=not known, handed_over=handed_over)
        return result

    @router.get("/v1/chat/{session_id}")
    async def state(
        session_id: SessionId,
        live: Live,
        after: Annotated[int, Query(ge=0)] = 0,
        handoff_id: Annotated[str | None, Query(max_length=64)] = None,
    ) -> dict[str, Any]:
        """The hand-off and its messages after ``after``. ``handoff_id`` (the one the client was shown): a
        hand-off Redis lost is answered ``ended_by: lost`` with what to do, not a 404."""
        if handoff_id and live is not None and await live.handoff.current(session_id) is None:
            return {"session_id": session_id, "handoff": lost_view(handoff_id), "messages": []}
        handoff, record = await _latest(live, session_id)
        return {
            "session_id": session_id,
            "handoff": _with_url(await handoff.customer_view(record), session_id),
            "messages": await handoff.messages(record.tid, after),
        }

    @router.get("/v1/chat/{session_id}/events")
    async def events(
        session_id: SessionId,
        live: Live,
        after: Annotated[int, Query(ge=0)] = 0,
        last_event_id: Annotated[str | None, Header(max_length=20)] = None,
    ) -> StreamingResponse:
        _, record = await _latest(live, session_id)
        assert live is not None  # _latest raised otherwise
        live.watch.start()
        resume = int(last_event_id) if last_event_id and last_event_id.isdigit() else after
        stream = customer_stream(live.handoff, live.watch, record.tid, after=resume)
        return StreamingResponse(stream, media_type="text/event-stream", headers=SSE_HEADERS)

    @router.post("/v1/chat/{session_id}/end", response_model=EndResponse)
    async def end(session_id: SessionId, live: Live) -> dict[str, Any]:
        handoff, record = await _latest(live, session_id)
        if record.status in ("waiting", "ringing", "connected"):
            await handoff.end(record.tid, "customer")
        latest = await handoff.record(record.tid) or record
        return {"session_id": session_id, "handoff": _with_url(await handoff.customer_view(latest), session_id)}

    return router


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


def _not_here(emergency: bool) -> dict[str, Any]:
    """A transfer on a channel the chat API cannot hand over (a device or a text integration)."""
    return {"reply": unavailable_reply("channel", emergency), "handoff": unavailable_view("channel")}


async def _hand_off(live: LiveChat | None, outcome: Outcome, metrics: Any) -> dict[str, Any]:
    """Queue the chat for an agent (or say that none can take it): the reply and ``handoff`` fields."""
    reason = outcome.transfer is not None and outcome.transfer.emergency  # the 112 advice with any refusal
    if live is None:
        if metrics is not None and outcome.transfer is not None:
            metrics.chat_handoff(outcome.transfer.queue, "unavailable")
        return {"reply": unavailable_reply("no_agents", reason), "handoff": unavailable_view("no_agents")}
    view = await live.handoff.start(outcome.session_id, outcome)
    if view["status"] == "unavailable":
        return {"reply": unavailable_reply(view["reason"], reason), "handoff": view}
    wait = catalogue.WAIT_ESTIMATE.format(wait=view.get("estimate_text") or catalogue.WAIT_FEW_MINUTES)
    reply = f"{outcome.reply} {wait} {catalogue.CHAT_QUEUED}"
    return {"reply": reply, "handoff": _with_url(view, outcome.session_id)}


async def _latest(live: LiveChat | None, session_id: str) -> tuple[ChatHandoff, TransferRecord]:
    if live is None:
        raise HTTPException(404, "live chat with agents needs Redis (INFOLINIA_REDIS_URL)")
    record = await live.handoff.current(session_id)
    if record is None:
        raise HTTPException(404, "this chat was not handed to an agent")
    return live.handoff, record


def _with_url(view: dict[str, Any], session_id: str) -> dict[str, Any]:
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
