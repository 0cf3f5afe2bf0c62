"""CSAT: ``POST /v1/chat/{session_id}/rating`` with ``{"score": 1..5}``, and the parsing of a spoken or
keyed phone answer (``parse_score``).

One rating per conversation (``first_mark``, a SET NX, on ``<prefix>kpi:rated:<channel>:<id>``, kept as long as the
session): a second one is a 409, so a double-click cannot count twice. A new conversation under the same id (a chat
whose session expired, answered as a fresh one) drops the marker (``KpiStore.started``): it may be rated. Unknown
(or expired) sessions are a 404: nobody can rate a conversation that did not happen.
"""

# No ``from __future__ import annotations``: FastAPI must see the route's Annotated dependencies.
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path
from pydantic import BaseModel, ConfigDict, Field
from redis.asyncio import Redis

from dialog.numbers import first_digit_word
from dialog.ports import KeyValueStore
from dialog.store import SessionRepo
from telephony.insights.kpis import KpiStore, rated_key
from telephony.redis_scripts import first_mark

KpisProvider = Callable[[], Awaitable[KpiStore]]


class RatingBody(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    score: int = Field(..., ge=1, le=5)


def parse_score(digits: str, speech: str) -> int | None:
    """A key 1-5, or the first Polish number said 1-5 ("pięć", "na cztery", "daję piątkę", "5")."""
    if digits[:1] and digits[:1] in "12345":
        return int(digits[:1])
    value = first_digit_word(speech) if speech else None
    return value if value is not None and 1 <= value <= 5 else None


async def first_rating(redis: Redis, prefix: str, channel: str, conversation: str, ttl_s: int) -> bool:
    """True the first time ``conversation`` is rated (and remembers it); a marker whose reply was lost is still
    this rating's (``first_mark``): read as a copy, the first rating was refused 409 and never counted."""
    return await first_mark(redis, rated_key(prefix, channel, conversation), ttl_s)


def build_rating_router(
    get_kpis: KpisProvider,
    store: KeyValueStore,
    *,
    session_ttl_s: int = 3600,
    agent_of: Callable[[str], Awaitable[str | None]] | None = None,
    on_rated: Callable[[str, int], Awaitable[object]] | None = None,
) -> APIRouter:
    """``agent_of(session_id)``: the agent who had the chat, if one did (the rating counts for them too);
    ``on_rated(session_id, score)``: the conversation's history record keeps the rating."""
    router = APIRouter(tags=["chat"])
    sessions = SessionRepo(store)

    @router.post("/v1/chat/{session_id}/rating", status_code=201)
    async def rate(
        session_id: Annotated[str, Path(min_length=1, max_length=128)],
        body: RatingBody,
        kpis: Annotated[KpiStore, Depends(get_kpis)],
    ) -> dict[str, Any]:
        if await sessions.load(session_id) is None:
            raise HTTPException(404, "no such chat session (unknown or expired)")
        if not await first_rating(kpis.redis, kpis.prefix, "chat", session_id, max(session_ttl_s, 86400)):
            raise HTTPException(409, "this conversation is already rated")
        kpis.rated("chat", body.score, await agent_of(session_id) if agent_of else None)
        if on_rated is not None:
            await on_rated(session_id, body.score)
        return {"session_id": session_id, "score": body.score}

    return router
