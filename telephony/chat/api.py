"""Text chat channel: ``POST /v1/chat``, the same dialog engine as the phone line.

The request model enforces the contract (non-empty text, at most 2,000 characters, strict types) so bad
input gets a 422 with a clear message before it reaches the engine.
"""

# No ``from __future__ import annotations``: the route's ``Annotated`` dependency is a local of
# ``build_chat_router``, which FastAPI can only see as an evaluated annotation.
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException
from pydantic import BaseModel, ConfigDict, Field, field_validator

from dialog.ports import CallerInfo, Dialog, KeyValueStore
from dialog.store import SessionRepo
from telephony.spool import STORE_DOWN

MAX_TEXT = 2000


class ChatRequest(BaseModel):
    """One caller message. ``session_id`` continues a conversation; none or unknown starts a new one."""

    model_config = ConfigDict(extra="forbid", strict=True)

    session_id: str | None = Field(None, max_length=128)
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


class ChatResponse(BaseModel):
    session_id: str
    action: Literal["answer", "clarify", "transfer", "end"]
    reply: str
    kb_id: str | None
    order_id: str | None
    transfer: TransferOut | None


def build_chat_router(get_dialog: Callable[[], Awaitable[Dialog]], store: KeyValueStore | None = None) -> APIRouter:
    """``get_dialog``: the engine built at start-up, per request (``GatewayDeps.dialog`` waits while the
    models are still loading). ``store``: the session store, asked first when a conversation is continued."""
    router = APIRouter(tags=["chat"])
    sessions = None if store is None else SessionRepo(store)

    @router.post("/v1/chat", response_model=ChatResponse)
    async def chat(body: ChatRequest, dialog: Annotated[Dialog, Depends(get_dialog)]) -> dict[str, Any]:
        if body.session_id and sessions is not None:
            await _reachable(sessions, body.session_id)
        outcome = await dialog.handle(body.session_id, body.text, CallerInfo(channel=body.channel))
        return outcome.to_api()

    return router


async def _reachable(sessions: SessionRepo, session_id: str) -> None:
    """A conversation to continue whose session cannot be read (the store is down) is a 503, not a reply
    from a fresh session that forgot everything (the engine degrades that way for the phone, where a
    caller must keep hearing answers; a chat client can retry)."""
    try:
        await sessions.load(session_id)
    except STORE_DOWN as exc:
        raise HTTPException(503, "session store unavailable, try again shortly", {"Retry-After": "5"}) from exc
