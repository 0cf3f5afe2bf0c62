"""The dialog session: everything the engine must remember between turns, as plain JSON.

A pydantic model rather than a dataclass because it crosses a process boundary (Redis): any worker
may handle the next turn, so the state is validated when read back, and a session written by an older
version with missing fields still loads with defaults.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from dialog.pii import mask, mask_pairs

Role = Literal["caller", "bot"]
Expects = Literal["text", "order_number", "yes_no", "choice"]  # choice: "pierwsze" or "drugie" of two offered
Purpose = Literal["status", "address"]  # what an order number is asked for
Offer = Literal["order", "transfer", "kb", "kb_choice"]  # what a pending question proposes

MAX_HISTORY = 40  # turns kept; the summary needs only the last few, the transcript is kept elsewhere


class Session(BaseModel):
    """One conversation (phone call, speaker session or chat)."""

    id: str
    created_at: float = 0.0
    updated_at: float = 0.0
    channel: str = "chat"
    history: list[tuple[Role, str]] = Field(default_factory=list)
    slots: dict[str, str] = Field(default_factory=dict)

    misses: int = 0  # consecutive turns not understood
    failed_attempts: int = 0  # every miss and every order number not found, for the agent's summary
    not_found: int = 0  # consecutive order numbers not found
    kb_given: list[str] = Field(default_factory=list)
    topic: str | None = None  # what the caller said in the latest KB turn: context for a follow-up
    last_reply: str = ""
    expects: Expects = "text"
    asked_anything_else: bool = False

    order_id: str | None = None
    order_status: str | None = None
    purpose: Purpose | None = None  # set while waiting for an order number
    offer: Offer | None = None  # set while waiting for a yes/no (or a choice between two KB entries)
    offer_value: str | None = None  # order id, kb id, transfer reason, or the two kb ids joined by a tab

    first_request: str | None = None
    mood: Literal["calm", "impatient", "angry"] = "calm"
    ended: bool = False
    solved: bool = False  # the bot ended the conversation with no person involved (counted once, contained)

    def add(self, role: Role, text: str) -> None:
        self.history.append((role, text))
        del self.history[:-MAX_HISTORY]

    def caller_turns(self) -> list[str]:
        return [text for role, text in self.history if role == "caller"]

    def stored(self) -> dict[str, Any]:
        """The JSON the session store keeps: every text personal data masked (``dialog.pii``) except the
        order id. The live session (this object, used for the turn in progress) is not changed: the
        number a caller just gave still works; the next turns only need the order id and the words."""
        keep = (self.order_id, self.offer_value)
        data = self.model_dump(mode="json")
        data["history"] = [list(pair) for pair in mask_pairs(self.history, keep)]
        data["first_request"] = mask(self.first_request, keep) if self.first_request else self.first_request
        data["last_reply"] = mask(self.last_reply, keep)
        return data

    def clear_question(self) -> None:
        """Forget what the previous bot question expected (the caller moved on)."""
        self.expects = "text"
        self.purpose = None
        self.offer = None
        self.offer_value = None
        self.asked_anything_else = False
