"""Seams and the typed outcome of the dialog engine. Text only: no audio, no Twilio here."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

Action = Literal["answer", "clarify", "transfer", "end"]
Reason = Literal["requested_human", "complaint", "urgent", "individual_offer", "not_understood"]
# What became of a transfer the engine decided and nobody took at once: ``refused`` (nobody can take it),
# ``offered`` (a callback offered instead), ``not_booked`` (the offer declined or never agreed), ``booked``
Handover = Literal["refused", "offered", "not_booked", "booked"]


@dataclass(frozen=True)
class Hypothesis:
    """One transcript of a spoken turn with the recognizer's confidence in it, 0..1 (e.g. exp of the mean
    token log-prob); a turn arrives as the recognizer's n-best list of them."""

    text: str
    confidence: float


@dataclass(frozen=True)
class Transfer:
    """Where a human must take over, and what they need to know before saying hello."""

    queue: str
    reason: Reason
    priority: int  # higher = more urgent; urgent > others
    summary: str  # Polish, for the agent
    angry: bool = False  # urgent for the caller's anger alone: first to a person, no emergency number
    # An emergency's practical answer the KB was sure of for the same turn ("ukradli mi telefon": how to block
    # the SIM card): said after the emergency number where nobody takes the conversation at once, so the
    # caller can act now; never said where an agent takes it (the agent will). None: nothing sure.
    answer: str | None = None

    @property
    def emergency(self) -> bool:
        """Danger, a threat or fraud: the caller hears the emergency number wherever the hand-off goes."""
        return self.reason == "urgent" and not self.angry


@dataclass(frozen=True)
class Outcome:
    """The engine's decision for one caller turn; identical for phone, speaker and chat."""

    session_id: str
    action: Action
    reply: str
    kb_id: str | None = None
    order_id: str | None = None
    transfer: Transfer | None = None
    expects: Literal["text", "order_number", "yes_no", "choice"] = "text"  # what the next turn should contain
    saved: bool = True  # False: the session store refused the turn (a chat client must send it again)
    heard: str = ""  # the caller's words the turn went ahead with (one of the recognizer's n-best)
    solved: bool = False  # this turn ended, for the first time, a conversation no person took: "contained"

    def to_api(self) -> dict[str, Any]:
        """The exact JSON shape of ``POST /v1/chat``."""
        return {
            "session_id": self.session_id,
            "action": self.action,
            "reply": self.reply,
            "kb_id": self.kb_id,
            "order_id": self.order_id,
            "expects": self.expects,
            "transfer": None
            if self.transfer is None
            else {
                "queue": self.transfer.queue,
                "reason": self.transfer.reason,
                "priority": self.transfer.priority,
                "summary": self.transfer.summary,
            },
        }


@dataclass(frozen=True)
class CallerInfo:
    """What the channel knows about the caller (phone number from caller id, channel name)."""

    channel: str = "chat"
    phone: str | None = None
    extra: dict[str, str] = field(default_factory=dict)


class KeyValueStore(Protocol):
    """Shared state (Redis, or in-process for one worker). Values are JSON-able dicts."""

    async def get(self, key: str) -> dict[str, Any] | None: ...

    async def set(self, key: str, value: dict[str, Any], ttl_s: int | None = None) -> None: ...

    async def delete(self, key: str) -> None: ...

    async def pop(self, key: str) -> dict[str, Any] | None:
        """Get and delete atomically (single-use tokens); a pop whose reply was lost and that the client sent
        again gets what it took, never None (it would read as another taker's)."""
        ...

    async def ping(self) -> bool: ...

    async def close(self) -> None: ...


class Dialog(Protocol):
    """The shared dialog engine as every channel (phone, speaker, chat) sees it."""

    async def greet(self, session_id: str | None, caller: CallerInfo) -> Outcome:
        """Open a session (new id when None/unknown) and return the greeting."""
        ...

    async def handle(self, session_id: str | None, text: str, caller: CallerInfo) -> Outcome:
        """One caller turn. Unknown or missing session id starts a fresh session."""
        ...

    async def handle_nbest(
        self, session_id: str | None, hypotheses: Sequence[Hypothesis], caller: CallerInfo
    ) -> Outcome:
        """One spoken turn as the recognizer's n-best list, best first: the turn goes ahead with the
        hypothesis the dialog understands best (``Outcome.heard`` says which)."""
        ...

    async def escalate(self, session_id: str, reason: Reason, caller: CallerInfo) -> Outcome:
        """Force a transfer (e.g. DTMF 0), with the same summary an automatic one would carry."""
        ...

    async def retract(self, session_id: str) -> None:
        """Undo the latest ``handle``: the caller only paused, their turn goes on and comes again whole."""
        ...

    async def handover_refused(self, session_id: str, reply: str, caller: CallerInfo) -> None:
        """The transfer the latest turn decided did not happen (no agent free or on duty, a channel with no
        hand-off): ``reply``, what the caller was told instead, replaces the bot's last words in the
        conversation and its history, which no longer count it as handed to a person."""
        ...

    async def record(
        self, session_id: str, said: str | None, reply: str, caller: CallerInfo, handover: Handover | None = None
    ) -> None:
        """A turn the channel answered without the engine (``said`` -> ``reply``: a smart speaker's callback
        exchange), or, with ``said`` None, what the channel said instead of the engine's last reply: the
        conversation and its history keep what was said. ``handover``: what became of the transfer the
        engine decided (a booked callback's ``caller.phone``, the number given, finds it in the history)."""
        ...

    def vocabulary(self) -> list[str]:
        """Domain words (product, place, carrier names) for the recognizer's hotwords."""
        ...

    def phrases(self) -> list[str]:
        """Replies this dialog says word for word (KB answers, fixed sentences): speech can pre-render them."""
        ...


@dataclass(frozen=True)
class Miss:
    """A caller's turn the engine did not understand (the KB gaps report groups them by meaning)."""

    text: str  # PII-masked (dialog.pii.mask), like everything stored
    channel: str  # phone, chat, speaker
    at: float  # wall-clock time
    transferred: bool = False  # this miss sent the caller to an agent as not_understood
    session_id: str = ""
    # the KB entry the caller then picked of the two offered ("czy chodzi o to: A, czy o to: B?"): no gap,
    # a wording that entry lacks (the gaps report lists it apart, to add to that entry's questions)
    resolved_as: str = ""
    # a short follow-up's topic, what the caller asked before ("ile trwa dostawa" for "a ile to kosztuje?"):
    # without it every "a ile to kosztuje?" of any topic would be one gap
    context: str = ""

    @property
    def said(self) -> str:
        """The wording as the gaps report groups and shows it: a follow-up together with its topic."""
        return f"{self.context.strip().rstrip('?.!')}, {self.text.strip()}" if self.context.strip() else self.text


class MissLog(Protocol):
    """Where the engine records misses (Redis in the gateway: ``telephony.history.gaps``). Best effort:
    the engine logs and carries on if recording fails, a caller never waits on it."""

    async def record(self, miss: Miss) -> None: ...

    async def withdraw(self, miss: Miss) -> None:
        """Forget ``miss``: its turn was taken back (only the first half of what the caller said)."""

    async def resolve(self, miss: Miss, entry_id: str) -> None:
        """``miss`` turned out to ask what ``entry_id`` answers (the caller picked it when offered)."""


class ConversationLog(Protocol):
    """Where the engine hands each conversation after a turn, as the session store keeps it (masked):
    the history agents search (``telephony.history.store``). Best effort, like ``MissLog``."""

    async def saved(self, session: dict[str, Any], caller: CallerInfo, outcome: Outcome | None = None) -> None: ...
