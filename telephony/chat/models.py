"""The chat API's request and response models, and the live hand-off it may use.

Apart from the routes (``telephony/chat/api.py``) and the turn (``telephony/chat/turn.py``) so both read
one contract: strict types, non-empty text, at most 2,000 characters; bad input is a 422 before any engine.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Literal

from fastapi import Path
from pydantic import BaseModel, ConfigDict, Field, field_validator

from telephony.chat.handoff import ChatHandoff
from telephony.chat.store import readable
from telephony.chat.stream import ChatWatch

MAX_TEXT = 2000
SessionId = Annotated[str, Path(min_length=1, max_length=128)]


class ChatRequest(BaseModel):
    """One caller message. ``session_id`` continues a conversation; none starts a new one, and one the store
    no longer knows is answered "straciłem wątek" under the same id (``telephony/chat/resume.py``) when the
    gateway signed it (``dialog/session_ids.py``), else it starts a new one under a new id.
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
        """Read as the agent and the bot's transcript will show it (``chat.store.visible``)."""
        return readable(v, "text must not be empty")


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
    opens_text: str | None = None  # unavailable, closed: when the queue opens next, e.g. "jutro od 8:00"
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


class ChatGreeting(BaseModel):
    """What a chat widget shows when it opens, before the customer writes (``GET /v1/chat/greeting``)."""

    greeting: str  # the welcome naming the brand and "W czym mogę pomóc?": the bot's first bubble
    privacy_notice: str  # the RODO notice (catalogue RODO_NOTICE): shown with the greeting, before any message
    brand: str | None  # the operator's name as configured (a widget's header); None: no brand


class EndResponse(BaseModel):
    session_id: str
    handoff: HandoffOut


# A customer's message to the hand-off with this transfer id, since the agent's reply with this seq (0: none yet):
# None (pass it on) or the seconds until one may be sent again (``Limiter.hit_handoff``: every worker counts together)
Pace = Callable[[str, int], Awaitable[float | None]]


async def unpaced(transfer_id: str, replied: int) -> float | None:
    return None


@dataclass(frozen=True)
class LiveChat:
    """The hand-off and this process's events watch (built with the agents features: Redis). ``pace``: the
    customer's messages per hand-off (a flood of them made the agent's console unusable)."""

    handoff: ChatHandoff
    watch: ChatWatch
    pace: Pace = unpaced


async def no_live_chat() -> LiveChat | None:
    return None
