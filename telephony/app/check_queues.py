"""``infolinia check``: the queues' hours and waits as the gateway reads them, and per-queue settings that
apply to nobody.

Why a check of its own: the bot hands callers only to the fixed queues (``dialog.escalation.DEFAULT_QUEUES``),
so ``INFOLINIA_QUEUES='{"obsługa": {...}}'`` (the Polish spelling) or a queue of the operator's own was
accepted, started, and its hours and maximum wait applied to no caller, while ``obsluga`` kept the defaults.
Nothing showed it until a Saturday caller was queued (found by a telecom operator's walkthrough). The ``ok``
line prints the hours as read, so a typo in a day or a time is seen before going live.
"""

from __future__ import annotations

import difflib

from dialog.engine_text import fold
from dialog.escalation import DEFAULT_QUEUES
from telephony.agents.hours import QueueHours, parse_hours, parse_queues
from telephony.app.findings import Finding
from telephony.settings import Settings

HANDED = tuple(dict.fromkeys(DEFAULT_QUEUES.values()))  # obsluga, reklamacje, sprzedaz


def check_queues(settings: Settings) -> Finding:
    """``warn`` for an ``INFOLINIA_QUEUES`` name the bot never hands a caller to, else ``ok`` with each queue's
    hours and maximum wait (the settings themselves were validated when ``Settings`` was read)."""
    table = QueueHours(parse_queues(settings.queues), settings.business_hours, settings.timezone)
    stray = [name for name in settings.queues if name not in HANDED]
    if stray:
        return Finding("warn", "queues", _stray(stray))
    own = [f"{q}: {table.spec(q)}, max wait {table.max_wait_s(q):g} s" for q in HANDED if q in settings.queues]
    holidays = "public holidays as given" if parse_hours(settings.business_hours).holidays else "public holidays closed"
    detail = f"{settings.business_hours} ({settings.timezone}, {holidays})"
    return Finding("ok", "queues", "; ".join([detail, *own]))


def _stray(names: list[str]) -> str:
    named = ", ".join(f"{name!r}{likely_queue(name)}" for name in names)
    it, its = ("it", "its") if len(names) == 1 else ("them", "their")
    return (
        f"INFOLINIA_QUEUES names {named}: the bot hands no caller to {it}, so {its} hours and max_wait_s apply "
        f"to nobody (the queues are {', '.join(HANDED)})"
    )


def likely_queue(name: str) -> str:
    """ " (did you mean 'obsluga'?)" for "obsługa" or "reklamacja"; "" when nothing is close."""
    near = [q for q in HANDED if fold(name) == q] or difflib.get_close_matches(fold(name), HANDED, n=1, cutoff=0.7)
    return f" (did you mean {near[0]!r}?)" if near else ""
