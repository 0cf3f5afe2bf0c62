"""Text chat channel: ``POST /v1/chat``, the same dialog engine as the phone line, and the live hand-off.

``GET /v1/chat/greeting``: what a widget shows when it opens (the welcome naming the brand, the RODO notice),
before the customer writes. Stateless: opening a widget starts no conversation (no session, no history, no
"solved by the bot" for a page view); the first ``POST /v1/chat`` does.

The request model enforces the contract (non-empty text, at most 2,000 characters, strict types) so bad
input gets a 422 with a clear message before it reaches the engine.

Live chat with agents (``telephony/chat/handoff.py``): when the engine decides on a transfer, the chat
is queued for an agent and the reply carries ``handoff`` (status, place in the queue, wait estimate).
From then until the hand-off ends, the customer's ``POST /v1/chat`` messages go to the agent (action
``agent``, empty reply), never to the bot. The agent's messages and the wait estimate arrive on
``GET /v1/chat/{session_id}/events`` (SSE) or, for clients without SSE, ``GET /v1/chat/{session_id}``
(poll with ``after``); ``POST /v1/chat/{session_id}/end`` ends it from the customer's side, and
``POST /v1/chat/{session_id}/left`` (the widget's beacon as its page goes) shortens a waiting customer's grace.
"""

# No ``from __future__ import annotations``: the routes' ``Annotated`` dependencies are locals of
# ``build_chat_router``, which FastAPI can only see as an evaluated annotation.
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, HTTPException, Query
from fastapi.responses import StreamingResponse

from dialog import catalogue
from dialog.ports import Dialog, KeyValueStore
from dialog.store import SessionRepo
from telephony.chat.handoff import ChatHandoff
from telephony.chat.models import ChatGreeting, ChatRequest, ChatResponse, EndResponse, LiveChat, SessionId
from telephony.chat.resume import lost_view
from telephony.chat.session_locks import SessionLocks
from telephony.chat.store import customer_lines
from telephony.chat.stream import SSE_HEADERS, customer_stream
from telephony.chat.turn import ChatTurns, with_url
from telephony.store_health import StoreHealth
from telephony.transfer.record import TransferRecord

__all__ = ["ChatResponse", "LiveChat", "build_chat_router", "no_live_chat"]


async def no_live_chat() -> LiveChat | None:
    return None


def build_chat_router(
    get_dialog: Callable[[], Awaitable[Dialog]],
    get_live: Callable[[], Awaitable[LiveChat | None]] = no_live_chat,
    metrics: Any = None,
    store: KeyValueStore | None = None,
    health: StoreHealth | None = None,
    brand: str | None = None,
    locks: SessionLocks | None = None,
) -> APIRouter:
    """``get_dialog``: the engine built at start-up, per request (``GatewayDeps.dialog`` waits while the
    models are still loading). ``get_live``: the hand-off, None without Redis (then a chat asking for a
    person is told no agent can take it, instead of being promised one). ``metrics``: counts those.
    ``store``: the session store, asked first when a conversation is continued (a 503 while it is down).
    ``health``: Redis timed out a moment ago (``telephony/store_health.py``): a 503 at once, no second wait.
    ``brand``: the operator's name, for the greeting (None: the greeting names none). ``locks``: one turn of a
    session at a time (with the workers' lease: across them; None: in this worker only)."""
    router = APIRouter(tags=["chat"])
    repo = None if store is None else SessionRepo(store)
    turns = ChatTurns(repo, metrics, locks=SessionLocks() if locks is None else locks, health=health)
    Live = Annotated[LiveChat | None, Depends(get_live)]

    @router.post("/v1/chat", response_model=ChatResponse)
    async def chat(body: ChatRequest, dialog: Annotated[Dialog, Depends(get_dialog)], live: Live) -> dict[str, Any]:
        return await turns.answer(body, dialog, live)

    @router.get("/v1/chat/greeting", response_model=ChatGreeting)  # before /v1/chat/{session_id}
    async def greeting() -> dict[str, Any]:
        """Read per request: the catalogue holds the operator's wording, configured once at start-up."""
        welcome = catalogue.written_greeting(brand, notice=False)
        return {"greeting": welcome, "privacy_notice": catalogue.RODO_NOTICE_WRITTEN, "brand": brand}

    _handoff_routes(router, Live)
    _leaving_routes(router, Live)
    return router


def _handoff_routes(router: APIRouter, Live: Any) -> None:
    """The customer's side of a live hand-off: its state and messages (poll or SSE), and its end."""

    @router.get("/v1/chat/{session_id}")
    async def state(
        session_id: SessionId,
        live: Live,
        after: Annotated[int, Query(ge=0)] = 0,
        handoff_id: Annotated[str | None, Query(max_length=64)] = None,
    ) -> dict[str, Any]:
        """The hand-off and its messages after ``after``. ``handoff_id`` (the one the client was shown): a
        hand-off Redis lost is answered ``ended_by: lost`` with what to do, not a 404."""
        return await _state_view(live, session_id, after, handoff_id)

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


def _leaving_routes(router: APIRouter, Live: Any) -> None:
    """The customer leaving a live hand-off: ending it, or the page going away (which only shortens the wait)."""

    @router.post("/v1/chat/{session_id}/end", response_model=EndResponse)
    async def end(session_id: SessionId, live: Live) -> dict[str, Any]:
        handoff, record = await _latest(live, session_id)
        if record.status in ("waiting", "ringing", "connected"):
            await handoff.end(record.tid, "customer")
        latest = await handoff.record(record.tid) or record
        return {"session_id": session_id, "handoff": with_url(await handoff.customer_view(latest), session_id)}

    @router.post("/v1/chat/{session_id}/left", response_model=EndResponse)
    async def left(session_id: SessionId, live: Live) -> dict[str, Any]:
        """The widget's beacon on ``pagehide`` (``navigator.sendBeacon``; any body): the page went, closed or
        reloading. A waiting chat ends sooner unless the page comes back (``telephony/chat/presence.py``)."""
        handoff, record = await _latest(live, session_id)
        await handoff.left(record)
        return {"session_id": session_id, "handoff": with_url(await handoff.customer_view(record), session_id)}


async def _state_view(live: LiveChat | None, session_id: str, after: int, handoff_id: str | None) -> dict[str, Any]:
    """``GET /v1/chat/{session_id}``'s answer (a lost hand-off the client names is no 404)."""
    if handoff_id and live is not None and await live.handoff.current(session_id) is None:
        return {"session_id": session_id, "handoff": lost_view(handoff_id), "messages": []}
    handoff, record = await _latest(live, session_id)
    await handoff.seen(record)  # a client that polls instead of streaming: its customer is there
    return {
        "session_id": session_id,
        "handoff": with_url(await handoff.customer_view(record), session_id),
        "messages": customer_lines(await handoff.messages(record.tid, after)),
    }


async def _latest(live: LiveChat | None, session_id: str) -> tuple[ChatHandoff, TransferRecord]:
    if live is None:
        raise HTTPException(404, "live chat with agents needs Redis (INFOLINIA_REDIS_URL)")
    record = await live.handoff.current(session_id)
    if record is None:
        raise HTTPException(404, "this chat was not handed to an agent")
    return live.handoff, record
