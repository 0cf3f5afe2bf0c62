"""Things a caller may need to write down: e-mail and web addresses, phone numbers, postcodes,
order numbers, and acronyms, spelled the Polish way ("pe el", "es em es", "małpa", "kropka").

Phone numbers are read in the groups they are written in, each group as a number ("sześćset, sto,
dwieście"), the way Polish operators read them; identifiers digit by digit so they can be copied.
"""

from __future__ import annotations

import re

from voice.normalize_numbers import cardinal, digits, number_group
from voice.normalize_util import LOWER, UPPER, Rule, rule, word_before

_LETTERS = {
    "a": "a", "ą": "ą", "b": "be", "c": "ce", "ć": "cie", "d": "de", "e": "e", "ę": "ę", "f": "ef",
    "g": "gie", "h": "ha", "i": "i", "j": "jot", "k": "ka", "l": "el", "ł": "eł", "m": "em", "n": "en",
    "ń": "eń", "o": "o", "ó": "o z kreską", "p": "pe", "q": "ku", "r": "er", "s": "es", "ś": "eś",
    "t": "te", "u": "u", "v": "fau", "w": "wu", "x": "iks", "y": "igrek", "z": "zet", "ź": "ziet", "ż": "żet",
}  # fmt: skip
_SYMBOLS = {".": "kropka", "-": "myślnik", "_": "podkreślnik", "/": "ukośnik", "@": "małpa", "+": "plus"}
_VOWELS = set("aąeęioóuy")
# Acronyms Poles spell out although they contain a vowel; other all-caps words with a vowel are words.
_SPELLED = frozenset({"AGD", "USA", "UE", "EU", "PKO", "PZU", "CEO", "IT", "ID", "OLX", "UPS", "USB", "API",
                      "URL", "ATM", "FAQ", "AI", "IP", "SA", "ING"})  # fmt: skip
_SAID_AS = {"OK": "okej", "PLN": "złotych", "EUR": "euro", "WWW": "wu wu wu", "COM": "kom"}
_ROMAN = re.compile(r"[IVXLCDM]+")
_PHONE_WORDS = frozenset({"tel.", "tel", "telefon", "telefonu", "telefonem", "komórki", "komórkowy", "pod"})


def spell(token: str) -> str:
    """Letter by letter (Polish letter names), digits one by one, separators by name."""
    out = []
    for ch in token.lower():
        if ch.isdigit():
            out.append(digits(ch))
        else:
            out.append(_LETTERS.get(ch) or _SYMBOLS.get(ch, ch))
    return " ".join(out)


def _label(label: str) -> str:
    """A piece of an address: pronounceable words stay words, 'pl' / 'xyz' / digits are spelled."""
    if label.upper() in _SAID_AS:
        return _SAID_AS[label.upper()]
    spoken = []
    for run in re.findall(r"\d+|\D+", label.lower()):
        if run.isdigit():
            spoken.append(digits(run))
        elif len(run) <= 2 or not _VOWELS & set(run):
            spoken.append(spell(run))
        else:
            spoken.append(run)
    return " ".join(spoken)


def _address(text: str) -> str:
    parts = re.split(r"([./@_+-])", text)
    return " ".join(_SYMBOLS[p] if p in _SYMBOLS else _label(p) for p in parts if p)


def _email(m: re.Match[str]) -> str:
    return _address(m.group(0))


def _url(m: re.Match[str]) -> str:
    return _address(re.sub(r"^https?://", "", m.group(0), flags=re.IGNORECASE).rstrip("/"))


def _phone(m: re.Match[str]) -> str:
    """'+48 600 100 200' -> 'plus czterdzieści osiem, sześćset, sto, dwieście'."""
    groups = [g for g in re.split(r"[\s()-]+", m.group("num")) if g]
    if len(groups) == 1:  # written without spaces: 9 digits after a country code or 'tel.'
        if not (m.group("cc") or word_before(m) in _PHONE_WORDS) or len(groups[0]) != 9:
            return m.group(0)
        groups = [groups[0][i : i + 3] for i in range(0, 9, 3)]
    spoken = [number_group(g) for g in groups]
    if m.group("cc"):
        spoken.insert(0, f"plus {cardinal(int(m.group('cc')))}")
    return ", ".join(spoken)


def _postcode(m: re.Match[str]) -> str:
    return f"{number_group(m.group(1))}, {number_group(m.group(2))}"


def _digit_groups(m: re.Match[str]) -> str:
    """'123-456-32-18' (NIP) -> groups read as numbers; 4-digit groups (account numbers) digit by digit."""
    text = m.group(0)
    if text.startswith("PL"):  # IBAN
        return "pe el, " + ", ".join(digits(g) for g in text[2:].split())
    groups = re.split(r"[ -]", text)
    if any(len(g) == 4 for g in groups):
        return ", ".join(digits(g) for g in groups)
    return ", ".join(number_group(g) for g in groups)


def _identifier(m: re.Match[str]) -> str:
    """'nr 48213' -> 'nr cztery osiem dwa jeden trzy'; short numbers ('nr 5') stay for the cardinal rule."""
    ident = m.group("id")
    if ident.isdigit() and len(ident) < 4:
        return m.group(0)
    return m.group("head") + (digits(ident) if ident.isdigit() else spell(ident))


def _acronym(m: re.Match[str]) -> str:
    """'SMS' -> 'es em es', 'VAT' -> 'vat'; inflected 'BLIK-iem' -> 'blikiem', 'SMS-em' -> 'esemesem'."""
    suffix = m.group("suffix")
    if suffix:  # inflected: said as one word, 'SMS-em' -> 'esemesem'
        return _acronym_word(m.group("word")).replace(" ", "") + suffix
    return _acronym_word(m.group("word"))


def _acronym_word(token: str) -> str:
    if token in _SAID_AS:
        return _SAID_AS[token]
    if _ROMAN.fullmatch(token):
        return token  # 'XXI wiek': roman numerals are left alone
    if len(token) <= 2 or token in _SPELLED or not _VOWELS & set(token.lower()):
        return spell(token)
    return token.lower()


_TLD = r"(?:pl|com|eu|net|org|info|io|gov|edu|de|uk)"
_GROUP_SEP = r"[ -]"
_CC = r"(?:(?:\+|00)(?P<cc>\d{2})\s?)?"
_NO_AMOUNT = r"(?![\w]|[ -]\d|\s*(?:zł|PLN|EUR|€|%|tys|mln))"
# NIP 123-456-32-18 (an ISO date 2026-11-25 is left for the date rules)
_DASHED_GROUPS = r"(?<![\w-])(?!\d{4}-\d\d?-\d\d?(?![\w-]))\d{2,4}(?:-\d{2,4}){2,}(?![\w-])"
_ACCOUNT = r"(?<![\w])(?<!\d )(?:PL ?)?\d{2}(?: \d{4}){3,}(?![\w])"  # NRB / IBAN in groups of four
ADDRESS_RULES: list[Rule] = [
    rule(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+", _email),
    rule(
        rf"(?<![\w@.])(?:https?://)?(?:www\.)?[\w-]+(?:\.[\w-]+)*\.{_TLD}\b(?:/[\w./%-]*)?(?<![./])",
        _url,
        re.IGNORECASE,
    ),
    rule(
        rf"(?<![\w+]){_CC}(?P<num>\d{{3}}{_GROUP_SEP}\d{{3}}{_GROUP_SEP}\d{{3}}"
        rf"|\(?\d{{2}}\)?{_GROUP_SEP}\d{{3}}{_GROUP_SEP}\d{{2}}{_GROUP_SEP}\d{{2}}|\d{{9}}){_NO_AMOUNT}",
        _phone,
    ),
    rule(rf"{_DASHED_GROUPS}|{_ACCOUNT}", _digit_groups),
    rule(r"(?<![\w-])(\d{2})-(\d{3})(?![\w-]|\s*(?:zł|PLN|EUR|€|%|kg|km|szt|dni|godz|min))", _postcode),
    rule(
        r"(?P<head>\b(?:nr|numer|numeru|numerem|numerze)\.?(?:\s+[^\W\d]+){0,2}?\s*:?\s+)"
        r"(?P<id>(?=[\w/-]*\d)[A-Za-z0-9][\w/-]*[A-Za-z0-9]|\d+)\b",
        _identifier,
        re.IGNORECASE,
    ),
    rule(r"\b(?=[A-Z0-9/-]*\d)[A-Z][A-Z0-9]*(?:[-/][A-Z0-9]+)*\b(?![-/]\w)", lambda m: spell(m.group(0))),
]
SPELLING_RULES: list[Rule] = [
    rule(r"\b(\d{1,3})([A-Z])\b", lambda m: f"{cardinal(int(m.group(1)))} {spell(m.group(2))}"),
    rule(rf"\b(?P<word>[{UPPER}]{{2,}})(?:-(?P<suffix>[{LOWER}]+))?\b", _acronym),
]
