"""Polish personal data out of free text: the one masker for everything stored, shown to agents or logged.

Why one module: the same caller sentence ends up in a dialog session, an agent's summary, a transfer's
transcript, a callback and a log line; one set of rules means one answer to "is a PESEL readable
anywhere?". It lives in ``dialog`` (text only) so the session store and the summary can use it, and
``telephony`` (logs, transfer and callback stores, call records) imports it from here.

What is masked, and how (``[label]``, or ``[label …last digits]`` where an agent tells two apart):

- e-mail addresses -> ``[e-mail]``; IBANs (``PL61 1090 ...``, or a bare 26-digit NRB) -> ``[IBAN …2874]``;
- payment cards, 13-19 digits passing Luhn -> ``[karta …1111]``; PESEL (valid checksum) -> ``[PESEL]``;
  NIP (10 digits, valid checksum) -> ``[NIP]``; REGON (14 digits valid, or 9 digits named "REGON") ->
  ``[REGON]``;
- phone numbers (+48/0048 prefixed, 9 digits as 3-3-3, 2-3-2-2 or solid, any ``+`` number) ->
  ``[telefon …567]``;
- street addresses (``ul./al./os./pl.`` + name + house number, flat included) and postcodes with their
  town -> ``[adres]``;
- **any other run of 11 or more digits** -> ``[numer]``. Decision: a checksum only decides the *label*. A
  PESEL or card number with a typo (wrong checksum) is still somebody's number, so it is masked as
  ``[numer]``; so is a 9-10 digit number the text names as personal ("mój NIP to ...") whatever its
  checksum. Numbers said as Polish words ("osiem pięć zero jeden ...") count like digits.

Left alone: the ``keep`` values (the order id an agent needs; compared by their digits), numbers of up
to 8 digits (order numbers, amounts, dates, times), a 10-digit number that is not a valid NIP and not
named as personal (it may be an order number: up to 10 digits), ids glued to letters (CallSid, UUID).
What no pattern catches: names and addresses said without a street word. Hence transcripts are still not
logged at INFO, and stored ones expire (retention settings).

Checksums come from ``python-stdnum`` (LGPL-2.1+, pure Python), not hand-written code.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from stdnum import iban as _iban
from stdnum import luhn
from stdnum.pl import nip, pesel, regon

from dialog.numbers import find_order_numbers, is_number_word

LABELS = {
    "email": "e-mail",
    "iban": "IBAN",
    "card": "karta",
    "pesel": "PESEL",
    "nip": "NIP",
    "regon": "REGON",
    "phone": "telefon",
    "address": "adres",
    "number": "numer",
}
TEXT_FIELDS = ("text", "heard")  # the free-text fields of a transcript entry
_LAST = {"phone": 3, "iban": 4, "card": 4}  # digits kept to tell two apart

_EMAIL = re.compile(r"(?<![\w.+\-])[\w.+\-]+@(?:[\w\-]+\.)+[A-Za-z]{2,}(?![\w\-])")
_IBAN = re.compile(r"(?<!\w)[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]{4}){2,7}(?:[ ]?[A-Z0-9]{1,3})?(?!\w)")  # upper case only
_STREET = r"(?:ul\.?|ulic[aęy]|al\.|alej[aei]|alei|os\.|osiedl[eu]|pl\.|plac[u]?|rondo|rondzie)"
_NAME = r"(?:\d{1,2}\s+)?(?:[^\W\d_][\w.'\-]*\s+){1,4}?"  # "3 Maja ", "Jana Pawła II "
_HOUSE = r"\d{1,4}[a-zA-Z]?(?:\s*/\s*\d{1,4}[a-zA-Z]?)?(?:\s*(?:m\.?|lok\.?|lokal[u]?|mieszkani[ae])\s*\d{1,4})?"
_ADDRESS = re.compile(rf"(?<![\w.]){_STREET}\s+{_NAME}{_HOUSE}(?![\w/])", re.IGNORECASE)
_POSTCODE = re.compile(r"(?<![\w\-/.])\d{2}-\d{3}(?![\w\-])(?:\s+[A-ZĄĆĘŁŃÓŚŹŻ][\w\-]+)?")
# Digits with single spaces/dashes between groups; not inside a word, id, path, decimal, date or time.
_RUN = re.compile(
    r"(?<![\w@+(])(?<!\w-)(?<!/)(?<!\d[.,])"
    r"(?:\+|\()?\d(?:(?:[ \-]|\)[ ]?)?\d)*"
    r"(?![\w@]|[:.,/]\d)"
)
_NIP_SHAPE = re.compile(r"^\d{3}-(?:\d{3}-\d{2}-\d{2}|\d{2}-\d{2}-\d{3})$")
_NAMED = re.compile(  # a personal number named just before: "PESEL", "mój NIP to", "numer konta:"
    r"(pesel|nip|regon|konta|konto|rachunk|iban|kart[aęy]|telefon|tel\.|komórk)\w*(?:\W+\w{1,5}){0,2}\W*$", re.I
)
_WORD = re.compile(r"[^\W_]+", re.UNICODE)


def mask(text: str, keep: Iterable[str | None] = ()) -> str:
    """``text`` with personal data replaced by ``[label]`` (see the module doc); ``keep``: values left
    as they are wherever they appear (the order id), compared by their digits."""
    if not text:
        return text
    kept = frozenset(d for d in (_digits(k) for k in keep if k) if d)
    text = _EMAIL.sub(lambda m: _token("email", m.group(0)), text)
    text = _IBAN.sub(lambda m: _token("iban", m.group(0)) if _iban.is_valid(m.group(0)) else m.group(0), text)
    text = _ADDRESS.sub(lambda m: _token("address", ""), text)
    text = _POSTCODE.sub(lambda m: _token("address", ""), text)
    text = _RUN.sub(lambda m: _masked_run(m, kept), text)
    return _mask_number_words(text, kept)


def kinds(text: str) -> list[str]:
    """The labels ``mask`` would put in ``text``, in order (for tests and reports)."""
    return re.findall(r"\[([\w\-]+)(?: …\d+)?\]", mask(text))


def mask_transcript(entries: Iterable[Mapping[str, Any]], keep: Iterable[str | None] = ()) -> list[dict[str, Any]]:
    """Transcript entries (``{"role", "text", "heard", ...}``) with their free-text fields masked."""
    kept = list(keep)
    return [
        {k: (mask(v, kept) if k in TEXT_FIELDS and isinstance(v, str) else v) for k, v in e.items()} for e in entries
    ]


def mask_pairs(history: Sequence[tuple[str, str]], keep: Iterable[str | None] = ()) -> list[tuple[str, str]]:
    """A dialog history (``(role, text)`` pairs) with every text masked."""
    kept = list(keep)
    return [(role, mask(text, kept)) for role, text in history]


def _digits(value: str) -> str:
    return re.sub(r"\D", "", value)


def _token(kind: str, value: str) -> str:
    last = _LAST.get(kind)
    digits = _digits(value)
    if last and len(digits) > last:
        return f"[{LABELS[kind]} …{digits[-last:]}]"
    return f"[{LABELS[kind]}]"


def _masked_run(match: re.Match[str], kept: frozenset[str]) -> str:
    value = match.group(0)
    if _digits(value) in kept:
        return value
    kind = classify(value, match.string[max(0, match.start() - 30) : match.start()])
    return value if kind is None else _token(kind, value)


def classify(value: str, before: str = "") -> str | None:
    """The kind of one digit run as written (``"+48 600 100 200"``), or None when it is not personal.
    ``before``: the text just before it, which may name the number ("PESEL", "konto", "telefon", ...)."""
    digits = _digits(value)
    n, named = len(digits), _NAMED.search(before)
    if (value.startswith("+") and n >= 8) or (digits.startswith("0048") and n == 13):
        return "phone"
    if n == 11:
        return "pesel" if pesel.is_valid(digits) else "phone" if digits.startswith("48") else "number"
    if n == 26 and _iban.is_valid("PL" + digits):
        return "iban"
    if 13 <= n <= 19 and luhn.is_valid(digits):
        return "card"
    if n == 14 and regon.is_valid(digits):
        return "regon"
    if n == 10 and nip.is_valid(digits):
        return "nip"
    if n == 9:
        return "regon" if named and "regon" in named.group(1).lower() and regon.is_valid(digits) else "phone"
    if n >= 11 or (n == 10 and (named or _NIP_SHAPE.match(value))):
        return "number"
    return None


def _mask_number_words(text: str, kept: frozenset[str]) -> str:
    """Runs of 3+ Polish number words (digits may be mixed in) spelling 9+ digits -> masked like digits."""
    spans: list[tuple[int, int]] = []
    start = end = -1
    said = 0  # number words (not digits) in the current run: "2024-05-01 12:30" is no spoken number
    for m in _WORD.finditer(text):
        word = m.group(0)
        if word.isdigit() or _is_number_word(word):
            start = m.start() if start < 0 else start
            end, said = m.end(), said + (not word.isdigit())
            continue
        if said >= 3:
            spans.append((start, end))
        start, said = -1, 0
    if said >= 3:
        spans.append((start, end))
    for s, e in reversed(spans):
        runs = [r for r in find_order_numbers(text[s:e], 9, 64) if r not in kept]
        if runs:
            kind = classify(runs[0], text[max(0, s - 30) : s]) or "number"
            text = text[:s] + _token(kind, runs[0]) + text[e:]
    return text


@functools.lru_cache(maxsize=8192)
def _is_number_word(word: str) -> bool:
    """Cached: the fuzzy match of long words costs ~50 µs, and logs repeat the same words all day."""
    return is_number_word(word)
