"""Can this caller ID be called back? One answer for the whole gateway.

Why one function: a caller who withholds their number still reaches us with a ``From``, but it is no
number. Twilio passes the carrier's word ("anonymous", "restricted", "unknown", ...; since 2022 as the
letters, before that as those letters typed on a phone keypad: ``+266696687`` is ANONYMOUS, ``+7378742833``
RESTRICTED, ``+86282452253`` UNAVAILABLE, ``+2562533`` BLOCKED) or nothing at all. Offering such a caller
"press 1 for a callback", or putting "anonymous" on the agents' list, promises a call nobody can make; the
transfer steps, the callback records and the console all ask here instead of each guessing.
"""

from __future__ import annotations

import re

# What carriers and Twilio put in ``From`` for a withheld number (compared case-insensitively).
WITHHELD_WORDS = frozenset(
    {"anonymous", "restricted", "unknown", "unavailable", "blocked", "private", "withheld", "hidden"}
)
# The same words spelled on a phone keypad, as Twilio sent them (and older records still hold them).
WITHHELD_KEYPAD = frozenset({"+266696687", "+7378742833", "+86282452253", "+2562533", "+8656696"})
WITHHELD_LABEL = "numer zastrzeżony"  # what the console shows instead of such a value

_SEPARATORS = re.compile(r"[\s\-().]")
_NUMBER = re.compile(r"\+?[1-9]\d{6,14}")  # E.164: up to 15 digits; 7 at least (shorter is no subscriber)


def dialable(number: str | None) -> str | None:
    """The number to call back (spaces, dashes, dots and brackets dropped), or None when there is none:
    empty, a withheld caller ID (``withheld``), or anything that is not a phone number (letters, a SIP or
    client address, too few or too many digits)."""
    if not number or withheld(number):
        return None
    cleaned = _cleaned(number)
    return cleaned if _NUMBER.fullmatch(cleaned) else None


def withheld(number: str | None) -> bool:
    """One of the values that stand for a withheld number (told apart from none at all, e.g. a chat, and from
    an address that is no phone number): the console says "numer zastrzeżony" for it."""
    cleaned = _cleaned(number or "")
    return cleaned.lower() in WITHHELD_WORDS or cleaned in WITHHELD_KEYPAD


def _cleaned(number: str) -> str:
    return _SEPARATORS.sub("", number.strip())
