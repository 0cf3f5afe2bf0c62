"""The agents' JSON API for live chats: ``/v1/chats/{transfer_id}`` (read), ``.../accept``, ``.../decline``,
``.../messages`` and ``.../end``. The same Bearer token as the rest of ``/v1/agents``; the console's buttons
call the same ``ChatHandoff`` methods (``telephony/console/actions.py``). As ``/v1/transfers/{id}``: an agent
reads only their queues' chats (another queue's is a 404), and each read is in the transcript audit.

A chat reaches an agent as an offer: ``GET /v1/agents/me`` shows it under ``current`` (status
``ringing``, ``channel`` chat) with the bot's summary and transcript, and ``GET /v1/queues`` lists
waiting chats beside phone callers (``channel``, ``session_id``).
"""

# No ``from __future__ import annotations``: FastAPI must see Deps/Me (parameters here) as evaluated
# annotations.
from typing import Any

from fastapi import APIRouter, HTTPException, Query
from pydantic import BaseModel, ConfigDict, Field, field_validator

from telephony.chat.handoff import ChatHandoff
from telephony.chat.presence import away
from telephony.chat.store import readable

MAX_TEXT = 2000


class MessageBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str = Field(..., min_length=1, max_length=MAX_TEXT, pattern=r"\S")

    @field_validator("text")
    @classmethod
    def _visible(cls, v: str) -> str:
        """As the customer will read it (``chat.store.visible``); nothing left of it is a 422, not a blank line."""
        return readable(v, "text has nothing to read")


def _handoff(deps: Any) -> ChatHandoff:
    if deps.chat is None:
        raise HTTPException(503, "live chat is not configured")
    handoff: ChatHandoff = deps.chat
    return handoff


def chat_routes(router: APIRouter, Deps: Any, Me: Any) -> None:
    """Add the chat routes to the agents' router (``Deps``/``Me``: its dependency annotations)."""

    @router.get("/v1/chats/{transfer_id}")
    async def chat(transfer_id: str, deps: Deps, me: Me, after: int = Query(0, ge=0)) -> dict[str, Any]:
        handoff = _handoff(deps)
        record = await handoff.record(transfer_id)
        if record is None or record.channel != "chat" or not me.sees(record.queue):
            raise HTTPException(404, "chat not found")  # another queue's chat is not there for this agent
        await deps.audit.record(me.id, "transfer", record.tid, "api")  # the customer's words, read: audited
        messages = await handoff.messages(transfer_id, after)
        return {**record.context(), "customer_present": not away(record), "messages": messages}

    @router.post("/v1/chats/{transfer_id}/accept")
    async def accept(transfer_id: str, deps: Deps, me: Me) -> dict[str, Any]:
        result = await _handoff(deps).accept(transfer_id, me.id)
        if result == "gone":
            raise HTTPException(404, "chat not found or already over")
        if result != "ok":
            raise HTTPException(409, "this chat is not offered to you (any more)")
        return {"accepted": True, "transfer_id": transfer_id}

    @router.post("/v1/chats/{transfer_id}/decline")
    async def decline(transfer_id: str, deps: Deps, me: Me) -> dict[str, Any]:
        if not await _handoff(deps).decline(transfer_id, me.id):
            raise HTTPException(409, "this chat is not offered to you (any more)")
        return {"declined": True, "transfer_id": transfer_id}

    @router.post("/v1/chats/{transfer_id}/messages")
    async def message(transfer_id: str, body: MessageBody, deps: Deps, me: Me) -> dict[str, Any]:
        sent = await _handoff(deps).from_agent(transfer_id, me.id, body.text.strip())
        if sent is None:
            raise HTTPException(409, "you are not in this chat")
        return sent

    @router.post("/v1/chats/{transfer_id}/end")
    async def end(transfer_id: str, deps: Deps, me: Me) -> dict[str, Any]:
        if not await _handoff(deps).end(transfer_id, "agent", me.id):
            raise HTTPException(409, "you are not in this chat")
        return {"ended": True, "transfer_id": transfer_id, "status": "wrap_up"}
