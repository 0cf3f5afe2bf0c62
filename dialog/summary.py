"""The few lines an agent reads (or hears whispered) before taking over a caller, in Polish.

Why so short: the agent has seconds between "incoming transfer" and "hello". They need what the caller
wants, the order concerned, what the caller just said (in their own words), how hard the assistant
already tried, and how the caller feels. This is agent-facing text, not caller-facing, so it lives here
rather than in the catalogue.
"""

from __future__ import annotations

from collections.abc import Sequence

from dialog.engine_intents import is_goodbye, is_greeting_only, is_thanks, mostly_number
from dialog.engine_text import words
from dialog.numbers import yes_no
from dialog.pii import mask
from dialog.ports import Reason
from dialog.session import Session

REASON_WORDS: dict[Reason, str] = {
    "requested_human": "Klient prosi o rozmowę z konsultantem.",
    "complaint": "Reklamacja lub skarga.",
    "urgent": "PILNE: możliwe zagrożenie życia, zdrowia lub mienia, kradzież, oszustwo lub groźby.",
    "individual_offer": "Sprawa do omówienia indywidualnie: oferta, warunki lub negocjacja.",  # or a tax's instalments
    "not_understood": "Asystent nie zrozumiał sprawy klienta.",
}
# An urgent transfer for the caller's anger alone (``Transfer.angry``): first to a person, but no danger, so the
# agent is not briefed on one (a telecom walkthrough: "jesteście złodziejami, znowu zawyżona faktura" was
# briefed "możliwe zagrożenie życia … kradzież").
ANGRY_WORDS = "PILNE: bardzo zdenerwowany klient."
STATUS_WORDS = {
    "placed": "przyjęte, czeka na płatność",
    "paid": "opłacone, w przygotowaniu",
    "packed": "spakowane, czeka na kuriera",
    "shipped": "wysłane",
    "delivered": "dostarczone",
    "cancelled": "anulowane",
    "returned": "zwrócone",
}
MOOD_WORDS = {"calm": "spokojny", "impatient": "zniecierpliwiony", "angry": "zdenerwowany"}
_MAX_QUOTE = 120
# Reasons found in what the caller just said: the transfer is about those words, not the first question.
_IN_LATEST_WORDS: frozenset[Reason] = frozenset({"complaint", "urgent", "individual_offer"})


def _quote(text: str, keep: str | None = None) -> str:
    """The caller's words, personal data masked (before shortening: half a card number is no number). A
    typed sentence's own full stop goes: the line's stop follows the quote („... z konsultantem”.), as
    Polish writes it, not „... z konsultantem.”. twice; a ? or ! stays."""
    text = mask(" ".join(text.split()), (keep,))
    if text.endswith(".") and not text.endswith(".."):
        text = text[:-1]
    return f"„{text if len(text) <= _MAX_QUOTE else text[: _MAX_QUOTE - 1] + '…'}”"


def summarize(
    reason: Reason,
    first_request: str | None,
    caller_turns: Sequence[str],
    failed_attempts: int,
    mood: str,
    order_id: str | None = None,
    order_status: str | None = None,
    note: str | None = None,
    mentioned: str | None = None,
    angry: bool = False,
) -> str:
    """2-5 short lines: reason and the matter (``matter``), order, the caller's other latest turns,
    failed attempts and mood. The caller's words are quoted with personal data masked (``dialog.pii``),
    the order id kept."""
    said = [t for t in caller_turns if t.strip()]
    head = ANGRY_WORDS if angry and reason == "urgent" else REASON_WORDS[reason]
    topic = matter(reason, first_request, said)
    if topic:
        head += f" Sprawa: {_quote(topic, order_id)}."
    lines = [head]
    if note:
        lines.append(note)
    if order_id:
        status = STATUS_WORDS.get(order_status or "", "status nieznany")
        lines.append(f"Zamówienie {order_id}: {status}.")
    elif mentioned:
        lines.append(f"Klient podał numer zamówienia {mentioned}.")
    last = [t for t in said if t != topic][-3:]  # the matter is quoted once
    if last:
        lines.append("Ostatnio klient powiedział: " + " / ".join(_quote(t, order_id) for t in last) + ".")
    if reason == "urgent" and mood == "calm":  # "spokojny" beside an emergency misleads more than it tells
        lines.append(f"Nieudane próby: {failed_attempts}.")
    else:
        lines.append(f"Nieudane próby: {failed_attempts}. Nastrój: {MOOD_WORDS.get(mood, mood)}.")
    return "\n".join(lines)


def matter(reason: Reason, first_request: str | None, said: Sequence[str]) -> str | None:
    """What the transfer is about: for a complaint, an emergency or an offer, the caller's words that
    raised it, the latest turn however short ("pożar!"; someone who asked about delivery and then reports a
    broken TV is transferred for the TV), unless it is only a yes or no to the bot; for a request for a
    person or a miss, the first thing they asked about."""
    if reason in _IN_LATEST_WORDS and said and not (yes_no(said[-1]) is not None and len(said[-1].split()) <= 2):
        return said[-1]
    return first_request


def build_summary(reason: Reason, session: Session, note: str | None = None, angry: bool = False) -> str:
    """The agent summary of a session at the moment of transfer (``angry``: urgent for anger alone)."""
    return summarize(
        reason,
        session.first_request,
        session.caller_turns(),
        session.failed_attempts,
        session.mood,
        session.order_id,
        session.order_status,
        note,
        None if session.order_id else session.slots.get("order_mentioned"),
        angry,
    )


def note_request(session: Session, text: str) -> None:
    """Remember the caller's first substantive request (not a greeting, a yes, thanks or a number): the
    summary's "what the caller wants" when the transfer comes later."""
    if session.first_request or len(words(text)) < 2 or yes_no(text) is not None:
        return
    if is_greeting_only(text) or is_thanks(text) or is_goodbye(text) or mostly_number(text):
        return
    session.first_request = text.strip()
