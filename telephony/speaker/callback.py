"""The callback offer a smart speaker makes instead of a transfer: pure decisions, no I/O.

Why it exists: a phone call can be handed to a consultant, a kitchen speaker cannot. When the dialog
engine decides on a transfer, a speaker offers a callback instead ("Czy mam poprosić konsultanta o
telefon?"), asks for the number (or confirms a known one), and books a callback request carrying the same
queue, reason, priority and summary the transfer would have carried, so the agents lose nothing.

The flow is a small state machine kept apart from the Wyoming handler so each answer can be tested
directly: ``offer`` starts it, ``answer`` advances it one user utterance at a time, and ``new_request``
turns a confirmed number into the stored record (clock and id injected). Numbers and yes/no come from
``dialog.numbers`` (the same parsers the phone line uses for order numbers).
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from typing import Any, Literal, get_args

from dialog import catalogue
from dialog.engine_text import fold
from dialog.numbers import find_order_numbers, yes_no
from dialog.ports import Transfer

Stage = Literal["offered", "ask_phone", "confirm_phone"]

MAX_RETRIES = 2  # unclear answers tolerated in one stage before giving up politely
_NON_DIGIT = re.compile(r"\D")
# folded: "proszę o telefon", "proszę, nie mogę dłużej czekać", "proszę, na ten sam numer"
_CALL_ME = re.compile(r"\b(telefon\w*|oddzwo\w*|zadzwo\w*|kontakt\w*|czeka\w*|(ten|tym|moj\w*)( sam\w*)? numer\w*)")
_NO_CALL = re.compile(r"\bnie (\w+ )?(za|od)?(dzwon|telefon|kontakt)\w*")  # "proszę, nie dzwońcie"
_OTHER_NUMBER = re.compile(r"\binn\w* numer")  # "proszę oddzwonić na inny numer": not this one


@dataclass(frozen=True)
class CallbackState:
    """Where the offer stands, plus the transfer it replaces (JSON-able: it lives in the store)."""

    stage: Stage
    queue: str
    reason: str
    priority: int
    summary: str
    phone: str | None = None  # E.164 number being confirmed
    retries: int = 0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, raw: object) -> CallbackState | None:
        """Tolerant load: anything unreadable means "no offer pending" rather than a crash mid-turn."""
        if not isinstance(raw, dict) or raw.get("stage") not in get_args(Stage):
            return None
        try:
            return cls(**{k: raw[k] for k in raw if k in cls.__dataclass_fields__})
        except TypeError:
            return None


@dataclass(frozen=True)
class Step:
    """The outcome of one utterance inside the flow.

    ``pass_through``: the user moved on (e.g. asked something else instead of answering the offer);
    the caller sends the text to the dialog engine as a normal turn. ``book_phone``: book a callback now.
    """

    reply: str
    state: CallbackState | None
    book_phone: str | None = None
    pass_through: bool = False


@dataclass(frozen=True)
class CallbackRequest:
    """A pending "please call me back", shaped like a queue entry so the agents' queue can adopt it."""

    id: str
    queue: str
    reason: str
    priority: int
    summary: str
    phone: str
    created_at: str  # ISO 8601, UTC
    session_id: str | None
    conversation_id: str | None
    channel: str = "speaker"
    status: str = "pending"
    requested: str = "callback"  # as a phone caller's request says it (a phone's may be "voicemail")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def normalize_phone(digits: str) -> str | None:
    """Polish number as E.164 (+48 and nine digits), from nine digits or 48/0048 and nine digits."""
    d = _NON_DIGIT.sub("", digits)
    if d.startswith("0048"):
        d = d[2:]
    if len(d) == 11 and d.startswith("48"):
        d = d[2:]
    return f"+48{d}" if len(d) == 9 and d[0] != "0" else None


def find_phone(text: str) -> str | None:
    """The last Polish phone number said in ``text`` ("600 100 200", "sześćset sto dwieście", "+48 ...")."""
    for run in reversed(find_order_numbers(text, min_digits=9, max_digits=13)):
        phone = normalize_phone(run)
        if phone is not None:
            return phone
    return None


def spoken_phone(phone: str) -> str:
    """How the number is read back: national digits in the usual 3-3-3 groups."""
    d = _NON_DIGIT.sub("", phone)[-9:]
    return f"{d[0:3]} {d[3:6]} {d[6:9]}"


def offer(transfer: Transfer) -> Step:
    """Start the flow where the engine decided on a transfer."""
    state = CallbackState("offered", transfer.queue, transfer.reason, transfer.priority, transfer.summary)
    # a call back comes later: 112 first (a review: the offer alone was said); an angry caller the apology
    return Step(catalogue.refused(catalogue.SPEAKER_CALLBACK_OFFER, transfer), state)


def _confirm(state: CallbackState, phone: str) -> Step:
    nxt = replace(state, stage="confirm_phone", phone=phone, retries=0)
    return Step(catalogue.CALLBACK_CONFIRM_PHONE.format(phone=spoken_phone(phone)), nxt)


def _retry(state: CallbackState, prompt: str) -> Step:
    if state.retries >= MAX_RETRIES:
        return Step(catalogue.CALLBACK_GIVE_UP, None)
    return Step(prompt, replace(state, retries=state.retries + 1))


def takes_offer(text: str) -> bool | None:
    """A yes or no to the offer, or None (something else was asked). Beside ``yes_no``: a polite request for
    the call itself ("proszę o telefon", "proszę oddzwonić") is a yes, and "proszę nie dzwonić" a no; a
    "proszę" followed by anything else is a new request (``yes_no`` keeps its content for the dialog). The
    wait or the number said after it is about the call ("proszę, nie mogę dłużej czekać", "proszę, na ten
    sam numer"): a "nie" there refuses the call only when the call is what it negates."""
    decision = yes_no(text)
    words = re.findall(r"[^\W_]+", fold(text))
    if decision is not None or not words or words[0] not in ("prosze", "poprosze"):
        return decision
    after = " ".join(words[1:6])
    if _NO_CALL.search(after):
        return False
    return True if _CALL_ME.search(after) else None


def _on_offered(state: CallbackState, text: str, known_phone: str | None) -> Step:
    decision = takes_offer(text)
    if decision is None:
        return Step("", None, pass_through=True)  # not an answer: the user asked something else
    if not decision:
        return Step(catalogue.DECLINED, None)
    said = find_phone(text)  # "tak, 600 100 200"
    known = said or (normalize_phone(known_phone) if known_phone else None)
    if known is not None:
        return _confirm(state, known)
    return Step(catalogue.CALLBACK_ASK_PHONE, replace(state, stage="ask_phone", retries=0))


def _on_ask_phone(state: CallbackState, text: str) -> Step:
    phone = find_phone(text)
    if phone is not None:
        return _confirm(state, phone)
    if yes_no(text) is False:
        return Step(catalogue.DECLINED, None)
    return _retry(state, catalogue.CALLBACK_PHONE_NOT_UNDERSTOOD)


def _on_confirm(state: CallbackState, text: str) -> Step:
    other = find_phone(text)
    decision = takes_offer(text)  # "proszę, to mój numer" confirms it
    if decision is True and _OTHER_NUMBER.search(fold(text)):
        decision = False  # "tak, ale na inny numer": the number is asked for
    if other is not None and other != state.phone:
        return _confirm(state, other)  # "nie, 600 100 201": a correction
    if decision is True and state.phone is not None:
        return Step(catalogue.CALLBACK_BOOKED.format(phone=spoken_phone(state.phone)), None, book_phone=state.phone)
    if decision is False:
        return Step(catalogue.CALLBACK_ASK_PHONE, replace(state, stage="ask_phone", phone=None, retries=0))
    question = catalogue.CALLBACK_CONFIRM_PHONE.format(phone=spoken_phone(state.phone or ""))
    return _retry(state, f"{catalogue.YES_NO_AGAIN} {question}")


def answer(state: CallbackState, text: str, known_phone: str | None = None) -> Step:
    """Advance the flow by one user utterance. ``known_phone``: the caller's number if the channel has it."""
    if state.stage == "offered":
        return _on_offered(state, text, known_phone)
    if state.stage == "ask_phone":
        return _on_ask_phone(state, text)
    return _on_confirm(state, text)


def new_request(
    state: CallbackState,
    phone: str,
    *,
    request_id: str,
    now: float,
    session_id: str | None,
    conversation_id: str | None,
    channel: str = "speaker",
) -> CallbackRequest:
    """The record to store for a confirmed callback (``now``: epoch seconds from the caller's clock)."""
    return CallbackRequest(
        id=request_id,
        queue=state.queue,
        reason=state.reason,
        priority=state.priority,
        summary=state.summary,
        phone=phone,
        created_at=datetime.fromtimestamp(now, UTC).isoformat(),
        session_id=session_id,
        conversation_id=conversation_id,
        channel=channel,
    )


def no_callback_reply(hotline: str, transfer: Transfer | None = None) -> str:
    """ "I cannot book a call here; please call the hotline (at <number>)" instead of ``transfer``: an
    emergency hears the emergency number first, an angry caller the apology (``catalogue.refused``)."""
    number = normalize_phone(hotline) if hotline.startswith("+48") else None
    spoken = spoken_phone(number) if number else hotline.strip()
    text = catalogue.SPEAKER_NO_CALLBACK.format(number=f" pod numer {spoken}" if spoken else "")
    return catalogue.refused(text, transfer)
