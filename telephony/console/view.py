"""What the agent console shows, as plain dicts for the Jinja2 templates. Pure: no I/O, a clock passed in.

Kept apart from the routes so the wording (Polish, agent-facing) and the transcript rendering can be
tested without a browser. Agent-facing labels live here, not in ``dialog/catalogue/``: that catalogue
holds what callers hear, and nothing here is ever said to a caller.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from telephony.agents.caller_id import WITHHELD_LABEL, dialable, withheld

STATUS_LABELS = {
    "available": "Dostępny",
    "busy": "Zajęty: rozmowa",
    "wrap_up": "Kończy obsługę",
    "offline": "Niedostępny",
}
# A busy agent whose offer still rings: no conversation yet, so not "Zajęty: rozmowa" (``status_label``)
RINGING_LABELS = {"phone": "Dzwoni: połączenie", "chat": "Oferta czatu"}
TRANSFER_LABELS = {
    "waiting": "Klient czeka w kolejce",
    "ringing": "Przychodzące połączenie",
    "connected": "Rozmowa w toku",
    "completed": "Rozmowa zakończona",
    "abandoned": "Klient się rozłączył",
    "callback_offered": "Propozycja oddzwonienia",
    "callback": "Klient prosi o oddzwonienie",
    "voicemail": "Klient nagrał wiadomość",
}
# The three queues' names are fixed ids without Polish letters (they travel in Redis keys, settings and the
# roster); an agent reads them spelled: "obsluga" and "sprzedaz" looked like typos on a Polish console.
QUEUE_LABELS = {"obsluga": "obsługa", "reklamacje": "reklamacje", "sprzedaz": "sprzedaż"}
CHAT_LABELS = {
    "waiting": "Klient czeka na czacie",
    "ringing": "Nowy czat: przyjmij, aby odpisać",
    "connected": "Czat w toku",
    "completed": "Czat zakończony",
    "abandoned": "Klient opuścił czat",
}


def status_label(status: str, ringing: str | None = None) -> str:
    """The agent's status in words. ``ringing``: the channel of the offer the agent is reserved for while it
    still rings (None: nothing rings). Why: the repository marks an agent busy from the moment an offer is
    made, so the status alone would say "in a conversation" while the phone or the chat offer only rings."""
    if status == "busy" and ringing is not None:
        return RINGING_LABELS.get(ringing, RINGING_LABELS["phone"])
    return STATUS_LABELS.get(status, status)


def ringing_channel(status: str, transfer_status: str | None, channel: str | None) -> str | None:
    """The offer's channel when a busy agent's transfer is still ringing, else None."""
    if status != "busy" or transfer_status != "ringing":
        return None
    return "chat" if channel == "chat" else "phone"


CHAT_SENDERS = {"customer": "Klient", "agent": "Ty", "system": "Informacja"}
# What the agent does next with a phone transfer: the console itself has no answer button (the call is
# answered on the agent's phone, where the briefing asks for 1), so a ringing card must say so.
PHONE_HINTS = {
    "ringing": "Dzwoni Twój telefon: odbierz i naciśnij 1, aby połączyć się z klientem. "
    "Jeśli nie odbierzesz, klient wróci do kolejki.",
}
HEADINGS = {
    "waiting": "Bieżące połączenie",
    "ringing": "Bieżące połączenie",
    "connected": "Bieżące połączenie",
}


def queue_label(queue: str | None) -> str:
    """A queue as an agent reads it ("sprzedaż"); a name of an integration's own as written, None as ""."""
    return QUEUE_LABELS.get(queue or "", queue or "")


REASON_LABELS = {
    "requested_human": "Klient poprosił o konsultanta",
    "complaint": "Skarga lub reklamacja",
    "urgent": "Pilna sprawa",
    "individual_offer": "Oferta indywidualna",
    "not_understood": "Bot nie zrozumiał klienta",
}
CALLBACK_LABELS = {"pending": "Do przejęcia", "claimed": "Przejęte przez Ciebie", "closed": "Zamknięte"}
HELD_BY = "Przejęte: {name}"  # a supervisor's view of a callback another agent holds
DEFAULT_OUTCOMES: tuple[tuple[str, str], ...] = (
    ("resolved", "Sprawa rozwiązana"),
    ("follow_up", "Wymaga dalszych działań"),
    ("callback", "Trzeba oddzwonić"),
    ("forwarded", "Przekazano do innego działu"),
    ("dropped", "Rozmowa przerwana"),
)
DEFAULT_CALLBACK_OUTCOMES: tuple[tuple[str, str], ...] = (
    ("resolved", "Sprawa rozwiązana"),
    ("no_answer", "Klient nie odebrał"),
    ("follow_up", "Wymaga dalszych działań"),
    ("wrong_number", "Błędny numer"),
)


@dataclass(frozen=True)
class ViewConfig:
    """Agent-facing choices: outcomes offered at wrap-up and when closing a callback, local time zone."""

    outcomes: tuple[tuple[str, str], ...] = DEFAULT_OUTCOMES
    callback_outcomes: tuple[tuple[str, str], ...] = DEFAULT_CALLBACK_OUTCOMES
    timezone: str = "Europe/Warsaw"
    orders: bool = True  # an orders source is configured: the history searches and shows order numbers


NO_NUMBER = "numer nieznany"


def display_number(number: str | None) -> str:
    """'+48 221 112 233' for Polish numbers (how agents read them aloud); a withheld caller ID "numer
    zastrzeżony" (not "anonymous" or Twilio's keypad digits, which look like a number); anything else unchanged."""
    if not number:
        return ""
    if withheld(number):
        return WITHHELD_LABEL
    if number.startswith("+48") and len(number) == 12 and number[1:].isdigit():
        rest = number[3:]
        return f"+48 {rest[:3]} {rest[3:6]} {rest[6:]}"
    return number


def duration_pl(seconds: float) -> str:
    """'45 s', '3 min', '1 h 05 min': short, for a badge."""
    s = max(0, int(seconds))
    if s < 60:
        return f"{s} s"
    if s < 3600:
        return f"{s // 60} min"
    return f"{s // 3600} h {s % 3600 // 60:02d} min"


def transcript_lines(entries: Iterable[Mapping[str, Any]]) -> list[dict[str, str]]:
    """The bot conversation as the caller experienced it: the caller's words, and for the bot what was
    actually heard (an interrupted sentence shows its heard part and says so)."""
    lines: list[dict[str, str]] = []
    for entry in entries:
        role = str(entry.get("role", ""))
        if role == "caller":
            text = str(entry.get("text", "")).strip()
            if text:
                lines.append({"role": "caller", "who": "Klient", "text": text, "note": ""})
        elif role == "bot":
            status = entry.get("status", "heard")
            text = str(entry.get("heard") if status != "heard" else entry.get("text", "")).strip()
            if status == "heard" and text:
                lines.append({"role": "bot", "who": "Bot", "text": text, "note": ""})
            elif status != "heard":
                note = "przerwane przez klienta" if text else "klient nie usłyszał"
                lines.append({"role": "bot", "who": "Bot", "text": text or str(entry.get("text", "")), "note": note})
    return lines


def chat_lines(messages: Iterable[Mapping[str, Any]]) -> list[dict[str, str]]:
    """A chat hand-off's messages as the agent reads them (their own as "Ty"), each with its ``seq``: the
    console counts what is new by it (the panel shows the last lines only, so their number stops growing)."""
    lines = []
    for m in messages:
        sender = str(m.get("from", ""))
        who, text = CHAT_SENDERS.get(sender, "?"), str(m.get("text", ""))
        lines.append({"role": sender, "who": who, "text": text, "seq": str(m.get("seq", ""))})
    return lines


def transfer_view(
    record: Mapping[str, Any], now: float, messages: Sequence[Mapping[str, Any]] = (), customers: int = 0
) -> dict[str, Any]:
    """A transfer record (``TransferRecord.context()``) as the console's current-call panel shows it; a
    chat also with its latest ``messages`` and how many the ``customers`` wrote in all (``ChatLog.window``)."""
    status = str(record.get("status", ""))
    chat = record.get("channel") == "chat"
    caller = record.get("caller")
    order_facts = [("Status", str(record["order_status"]))] if record.get("order_status") else []
    started = record.get("enqueued_at") or record.get("created_at")
    ended = record.get("connected_at")
    waiting = bool(started) and status in ("waiting", "ringing", "connected")
    return {
        "id": str(record.get("tid", "")),
        "status": status,
        "status_label": (CHAT_LABELS if chat else TRANSFER_LABELS).get(status, status),
        "heading": ("Czat z klientem" if chat else HEADINGS.get(status, "Ostatnia rozmowa")),
        "is_chat": chat,
        # a connected chat's customer unseen for the grace (``telephony/chat/presence.py``): the agent is told
        "customer_away": chat and status == "connected" and isinstance(record.get("customer_away_at"), int | float),
        "messages": chat_lines(messages),
        "older": int(messages[0].get("seq", 1)) - 1 if messages else 0,  # before those shown (the panel's last ones)
        "customers": customers,  # the tab title's count of unseen lines goes by it, not by the lines shown
        "caller": dialable(caller) or "",  # what can be called: the tel: link and "Trzeba oddzwonić" go by it
        "caller_display": display_number(caller),
        "queue": record.get("queue") or "",
        "reason_label": REASON_LABELS.get(str(record.get("reason")), str(record.get("reason") or "—")),
        "urgent": record.get("reason") == "urgent",
        "summary": record.get("summary") or "",
        "order_id": record.get("order_id") or "",
        "order_facts": order_facts,
        "hint": "" if chat else PHONE_HINTS.get(status, ""),
        # The wait is sent as its start (and end, once connected): the page counts it on, second by second,
        # while the phone rings (console.js); a number of seconds drawn at render stood still at „0 s”.
        "wait_since": float(started) if waiting and started else None,
        "wait_until": float(ended) if waiting and ended else None,
        "waited": duration_pl(float(ended) - float(started)) if waiting and started and ended else "",
        "transcript": transcript_lines(record.get("transcript") or []),
    }


def local_time(iso: str | None, tz: str, now: datetime | None = None) -> str:
    """'dziś 14:05' / '03.05 14:05' in the agents' time zone; the raw text when it does not parse."""
    if not iso:
        return ""
    try:
        when = datetime.fromisoformat(iso).astimezone(ZoneInfo(tz))
    except ValueError:
        return iso
    today = (now or datetime.now(ZoneInfo(tz))).astimezone(ZoneInfo(tz)).date()
    prefix = "dziś" if when.date() == today else when.strftime("%d.%m")
    return f"{prefix} {when:%H:%M}"


def _retry_at(record: Mapping[str, Any], state: str, tz: str, now: datetime | None) -> str:
    """When a pending callback nobody answered last time is due again, while that is still ahead."""
    after = record.get("retry_after")
    if state != "pending" or not after:
        return ""
    try:
        due = datetime.fromisoformat(str(after))
    except ValueError:
        return ""
    return local_time(str(after), tz, now) if due > (now or datetime.now(due.tzinfo)) else ""


def callback_view(
    record: Mapping[str, Any],
    agent_id: str,
    tz: str,
    now: datetime | None = None,
    names: Mapping[str, str] | None = None,
    supervisor: bool = False,
) -> dict[str, Any]:
    """One callback request as a console list item; one another agent holds names them (``names``: agent id
    -> name), and its holder or a supervisor may hand it back (``can_release``)."""
    state = str(record.get("status", "pending"))
    phone = record.get("phone") or ""
    holder = str(record.get("claimed_by") or "")
    mine = state == "claimed" and holder == agent_id
    label = CALLBACK_LABELS.get(state, state)
    if state == "claimed" and not mine:
        label = HELD_BY.format(name=(names or {}).get(holder, holder))
    return {
        "id": str(record.get("id", "")),
        "state": state,
        "state_label": label,
        "mine": mine,
        "can_release": state == "claimed" and (mine or supervisor),
        "number": dialable(phone) or "",
        "number_display": display_number(phone) or (WITHHELD_LABEL if record.get("phone_withheld") else NO_NUMBER),
        "created": local_time(record.get("created_at"), tz, now),
        "summary": record.get("summary") or "",
        "failed_attempts": int(record.get("failed_attempts") or 0),  # tries nobody answered: call again
        "retry_at": _retry_at(record, state, tz, now),  # not due yet: "dziś 15:10"; due: ""
        "voicemail_url": record.get("voicemail_url") or "",
        "transcript": transcript_lines(record.get("transcript") or []),
    }


def callbacks_view(
    pending: Sequence[Mapping[str, Any]],
    claimed: Sequence[Mapping[str, Any]],
    agent_id: str,
    tz: str,
    now: datetime | None = None,
    names: Mapping[str, str] | None = None,
    supervisor: bool = False,
) -> list[dict[str, Any]]:
    """The agent's own claimed callbacks first (work in hand), then everything still pending; a supervisor
    also sees, last, those other agents hold (who has what, and a stuck one can be handed back)."""
    mine = [c for c in claimed if c.get("claimed_by") == agent_id]
    others = [c for c in claimed if c.get("claimed_by") != agent_id] if supervisor else []
    return [callback_view(c, agent_id, tz, now, names, supervisor) for c in [*mine, *pending, *others]]


def outcome_label(outcomes: Sequence[tuple[str, str]], value: str) -> str | None:
    """The label of an allowed outcome, None when ``value`` is not one (form tampering)."""
    return next((label for key, label in outcomes if key == value), None)
