"""Engine configuration and the small value types shared by the engine's parts.

Plain arguments only (no settings or environment): the gateway wires its Settings into ``EngineConfig``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from dialog.escalation import DEFAULT_PRIORITIES, DEFAULT_QUEUES, EscalationPolicy
from dialog.kb import ANSWER_THRESHOLD, CLARIFY_THRESHOLD
from dialog.ports import Action, Reason
from dialog.session import Expects

# Words Whisper should expect on any shop line, whatever the KB says (carriers, the core nouns).
DEFAULT_VOCABULARY = ("reklamacja", "konsultant")  # recognition hints for every hotline
# ... and for one with an orders source only: a clinic's or a telecom's callers were biased towards "DPD"
ORDERS_VOCABULARY = (
    "InPost", "paczkomat", "DPD", "DHL", "GLS", "Poczta Polska", "Orlen Paczka", "BLIK", "zamówienie", "przesyłka",
)  # fmt: skip


@dataclass(frozen=True)
class EngineConfig:
    """Tunables of the dialog engine. ``queues``/``priorities`` map escalation reasons to the agent queue
    and its priority (higher = sooner); reasons missing from a mapping use the defaults."""

    queues: Mapping[Reason, str] = field(default_factory=lambda: dict(DEFAULT_QUEUES))
    priorities: Mapping[Reason, int] = field(default_factory=lambda: dict(DEFAULT_PRIORITIES))
    max_misses: int = 2  # turns not understood in a row before a not_understood transfer
    max_not_found: int = 2  # unknown order numbers in a row before a human is offered
    # KB confidence to answer directly / to ask "czy chodzi o ...?"; None = the KB's own calibrated bands
    # (``answer_threshold``/``confirm_threshold`` of the KB object, else the lexical ranker's defaults).
    answer_threshold: float | None = None
    clarify_threshold: float | None = None
    shop_name: str = "Sklep Demo"  # catalogue.shop_phrase(brand): "Dzień dobry, tu Sklep Demo. Odbiera …"
    brand: str | None = "Sklep Demo"  # as written, for the chat's welcome (catalogue.written_welcome); None: none
    min_order_digits: int = 4
    max_order_digits: int = 10
    extra_vocabulary: tuple[str, ...] = DEFAULT_VOCABULARY
    max_text_chars: int = 500  # longer chat input is cut: a turn costs ~1 ms per 50 characters

    def thresholds(self, kb: object) -> tuple[float, float]:
        """(answer, confirm) for this KB: explicit settings win over the KB's calibrated bands."""
        answer = self.answer_threshold
        confirm = self.clarify_threshold
        answer = float(getattr(kb, "answer_threshold", ANSWER_THRESHOLD)) if answer is None else answer
        confirm = float(getattr(kb, "confirm_threshold", CLARIFY_THRESHOLD)) if confirm is None else confirm
        return answer, confirm

    def policy(self) -> EscalationPolicy:
        return EscalationPolicy(queues=self.queues, priorities=self.priorities, max_misses=self.max_misses)


@dataclass(frozen=True)
class Reply:
    """What one step of the engine decided, before it becomes an ``Outcome`` and the session is updated."""

    action: Action
    text: str
    expects: Expects = "text"
    kb_id: str | None = None
    order_id: str | None = None
    transfer: Reason | None = None
    anything_else: bool = False  # the reply ends with "anything else?": a plain "nie" then ends the call
    note: str | None = None  # extra line for the agent summary (e.g. "system zamówień nie odpowiada")
    repeatable: bool = True  # "powtórz" repeats the last repeatable reply, not "proszę bardzo"
    angry: bool = False  # an urgent transfer for anger alone (``Transfer.angry``)
    kb_answer: str | None = None  # an emergency's KB answer at the answer band (``Transfer.answer``)
