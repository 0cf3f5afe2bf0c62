"""History as people read it (Polish, agent-facing): the incoming-transfer card's line about a caller's
earlier contacts ("Klient dzwonił 2 dni temu w sprawie reklamacji") and the rows of the history page.
Pure: records and a clock in, dicts for the Jinja2 templates out."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from telephony.console.view import DEFAULT_OUTCOMES, REASON_LABELS, display_number

CONTACT_VERBS = {"phone": "dzwonił(a)", "chat": "pisał(a) na czacie", "speaker": "pytał(a) przez głośnik"}
ABOUT = {  # "w sprawie ..." by transfer reason (genitive)
    "complaint": "skargi lub reklamacji",
    "individual_offer": "oferty indywidualnej",
}
OUTCOME_LABELS = {
    "transferred": "przełączono do konsultanta",
    "not_handed_over": "nikt nie mógł przejąć",
    "callback": "zamówiono telefon od konsultanta",
    "callback_offered": "zaproponowano telefon od konsultanta",
    "callback_not_booked": "nie zamówiono telefonu od konsultanta",
    "ended": "zakończona przez klienta",
    "answered": "bot odpowiedział",
    "unanswered": "bez odpowiedzi",
    "left_queue": "klient opuścił kolejkę",
    "voicemail": "skierowano do poczty głosowej",
}
SPEAKERS = {"caller": "Klient", "customer": "Klient", "agent": "Konsultant", "system": "—"}  # transcript lines
# what agents chose at wrap-up ("resolved" -> "Sprawa rozwiązana"), or logging out before choosing
WRAP_UP_LABELS = {**dict(DEFAULT_OUTCOMES), "logged_out": "Wylogowano bez wyniku"}
CHANNEL_LABELS = {"phone": "telefon", "chat": "czat", "speaker": "głośnik", "voice": "głośnik"}


def ago(then: float, now: float) -> str:
    """ "przed chwilą", "3 godz. temu", "wczoraj", "2 dni temu", "3 tyg. temu", "2 mies. temu"."""
    seconds = max(0.0, now - then)
    if seconds < 3600:
        return "przed chwilą" if seconds < 120 else f"{int(seconds // 60)} min temu"
    if seconds < 86400:
        return f"{int(seconds // 3600)} godz. temu"
    days = int(seconds // 86400)
    if days == 1:
        return "wczoraj"
    if days < 14:
        return f"{days} dni temu"
    return f"{days // 7} tyg. temu" if days < 60 else f"{days // 30} mies. temu"


def topic_of(record: Mapping[str, Any]) -> str:
    """What the contact was about: the transfer reason when it names a matter, else the caller's words."""
    reason = str(record.get("reason") or "")
    if reason == "urgent":
        return "w pilnej sprawie"
    if reason in ABOUT:
        return f"w sprawie {ABOUT[reason]}"
    words = str(record.get("topic") or "").strip()
    if words:
        return f"w sprawie: „{words[:80]}{'…' if len(words) > 80 else ''}”"
    return "bez podanej sprawy"


def contact_line(record: Mapping[str, Any], now: float) -> str:
    """One earlier contact as a sentence: "Klient dzwonił(a) 2 dni temu w sprawie reklamacji"."""
    verb = CONTACT_VERBS.get(str(record.get("channel")), "kontaktował(a) się")
    line = f"Klient {verb} {ago(float(record.get('started_at') or now), now)} {topic_of(record)}"
    if record.get("order_id"):
        line += f" (zamówienie {record['order_id']})"
    return line


def earlier_view(records: Iterable[Mapping[str, Any]], now: float) -> list[dict[str, Any]]:
    """The card's list: a sentence, the outcome, and the latest agent note, per earlier contact."""
    out = []
    for record in records:
        notes = record.get("notes") or []
        last = notes[-1] if notes else None
        out.append(
            {
                "line": contact_line(record, now),
                "outcome": OUTCOME_LABELS.get(str(record.get("outcome")), str(record.get("outcome") or "")),
                "note": (last.get("note") or _wrap_up(last.get("outcome"))) if last else "",
                "rating": record.get("rating"),
            }
        )
    return out


def row_view(record: Mapping[str, Any], tz: str, names: Mapping[str, str] | None = None) -> dict[str, Any]:
    """One row of the history page; ``names`` (agent id -> name, the roster's) says whose each note is as the
    console and the dashboard name agents: a note stores the id, which a supervisor does not know them by (one
    no longer on the roster keeps the id, all there is)."""
    started = datetime.fromtimestamp(float(record.get("started_at") or 0), ZoneInfo(tz))
    return {
        "id": record.get("id"),
        "when": started.strftime("%d.%m.%Y %H:%M"),  # as Polish people write it, like the console's dates
        "channel": CHANNEL_LABELS.get(str(record.get("channel")), str(record.get("channel") or "—")),
        "caller": display_number(record.get("caller")) if record.get("caller") else "—",
        "order_id": record.get("order_id") or "—",
        "topic": topic_of(record),
        "outcome": OUTCOME_LABELS.get(str(record.get("outcome")), str(record.get("outcome") or "—")),
        "reason": REASON_LABELS.get(str(record.get("reason")), "") if record.get("reason") else "",
        "queue": record.get("queue") or "—",
        "rating": record.get("rating"),
        "notes": [_note(n, names or {}) for n in record.get("notes") or []],
        "transcript": [
            {
                "who": _who(line),
                "role": line.get("role"),
                "text": line.get("text"),
            }
            for line in record.get("transcript") or []
        ],
    }


def _who(line: Mapping[str, Any]) -> str:
    """Who said a transcript line: the bot's conversation (caller, bot), then a live chat's (customer,
    agent by first name, system lines)."""
    if line.get("role") == "agent":
        return f"Konsultant {line.get('agent') or ''}".strip()
    return SPEAKERS.get(str(line.get("role")), "Bot")


def _note(note: Mapping[str, Any], names: Mapping[str, str]) -> dict[str, Any]:
    agent = str(note.get("agent") or "")
    return {**note, "agent": names.get(agent, agent), "outcome": _wrap_up(note.get("outcome"))}


def _wrap_up(outcome: Any) -> str:
    return WRAP_UP_LABELS.get(str(outcome), str(outcome or ""))
