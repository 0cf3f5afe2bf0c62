"""A transfer's record: what one hand-off to a person (a call or a chat) is, apart from where it is kept.

Why a module of its own: most of the gateway reads and builds records (the warm transfer's steps, the chat
hand-off, the console, the tests) without touching Redis; ``telephony.transfer.store`` keeps them, their queues
and their guarded status changes.
"""

from __future__ import annotations

import uuid
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field

from dialog.pii import mask, mask_transcript

TransferStatus = Literal[
    "waiting",
    "ringing",
    "connected",
    "callback_offered",
    "callback",
    "voicemail",
    "abandoned",
    "completed",
    "fallback",
]
TRANSFER_STATUSES: tuple[str, ...] = get_args(TransferStatus)


class TransferRecord(BaseModel):
    """Everything about one transfer; what the agent's briefing and console show. Extra keys allowed."""

    model_config = ConfigDict(extra="allow")

    tid: str
    call_sid: str  # the caller's CallSid; for a chat ``chat:<session_id>`` (``chat_key``)
    channel: Literal["phone", "chat"] = "phone"  # a chat is offered in the console, never dialled
    caller: str | None = None  # the caller's number (From)
    called: str | None = None  # the number they called (To): caller id for the agents' legs
    queue: str
    reason: str
    priority: int = 0
    summary: str = ""
    session_id: str | None = None
    transcript: list[dict[str, Any]] = Field(default_factory=list)  # what the caller heard and said
    order_id: str | None = None
    order_status: str | None = None
    created_at: float
    enqueued_at: float
    status: TransferStatus = "waiting"
    tried_agents: list[str] = Field(default_factory=list)
    agent_id: str | None = None
    agent_call_sid: str | None = None
    conference: str = ""
    connected_at: float | None = None
    ended_at: float | None = None
    callback_id: str | None = None
    outcome: str | None = None  # the agent's wrap-up outcome
    # an emergency's answer the KB was sure of (``Transfer.answer``): said before the callback offer, when no
    # agent takes the call, so the caller can act now; not the agent's (``context`` leaves it out)
    kb_answer: str | None = None

    def context(self) -> dict[str, Any]:
        """What an agent sees before saying hello (``GET /v1/transfers/{id}``)."""
        return self.model_dump(mode="json", exclude={"call_sid", "agent_call_sid", "conference", "kb_answer"})


def new_transfer_id() -> str:
    """Unguessable and free of personal data (it appears in URLs and the conference name)."""
    return uuid.uuid4().hex


def chat_key(session_id: str) -> str:
    """What stands for the CallSid of a chat hand-off (``by_call`` finds a chat's latest transfer)."""
    return f"chat:{session_id}"


def conference_name(tid: str) -> str:
    return f"room-{tid}"


def masked(record: TransferRecord) -> TransferRecord:
    """The record as agents may see it: personal data in the summary and the transcript masked
    (``dialog.pii``); the caller's number (``caller``) and the order id stay, an agent needs them."""
    keep = (record.order_id,)
    return record.model_copy(
        update={"summary": mask(record.summary, keep), "transcript": mask_transcript(record.transcript, keep)}
    )
