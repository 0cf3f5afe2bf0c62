"""Dates, years, weekdays and clock times read the way Poles say them.

Dates use genitive ordinals ("dwudziestego piątego listopada dwa tysiące dwudziestego szóstego roku"),
hours feminine ordinals agreeing with the implied "godzina" in the case the preposition demands
("o czternastej", "przed ósmą", "czternasta"), minutes as cardinals ("ósma zero pięć").
"""

from __future__ import annotations

import re

from voice.normalize_numbers import OrdinalForm, cardinal, ordinal
from voice.normalize_util import Rule, keep_capital, rule, sentence_dot, word_before

MONTHS = ("stycznia", "lutego", "marca", "kwietnia", "maja", "czerwca", "lipca", "sierpnia", "września",
          "października", "listopada", "grudnia")  # fmt: skip
# Weekday: written forms (abbreviations without the dot), nominative, genitive, accusative.
_DAYS = (
    (("pn", "pon", "poniedziałek"), "poniedziałek", "poniedziałku", "poniedziałek"),
    (("wt", "wtorek"), "wtorek", "wtorku", "wtorek"),
    (("śr", "środa"), "środa", "środy", "środę"),
    (("czw", "czwartek"), "czwartek", "czwartku", "czwartek"),
    (("pt", "piątek"), "piątek", "piątku", "piątek"),
    (("sob", "sobota"), "sobota", "soboty", "sobotę"),
    (("nd", "ndz", "niedz", "niedziela"), "niedziela", "niedzieli", "niedzielę"),
)
_DAY_FORMS = {written: forms for names, *forms in _DAYS for written in names}
_DAY = "|".join(sorted(_DAY_FORMS, key=len, reverse=True))
_ABBR_DAY = "|".join(w for names, *_ in _DAYS for w in names if len(w) <= 5)
_HOUR_WORDS = frozenset({"godz.", "godzina", "godzinie", "godziny", "godziną", "godzinę", "godzinach"})
_HOUR_CASE: dict[str, OrdinalForm] = {
    **dict.fromkeys(("o", "po", "od", "do", "około", "ok.", "koło", "z", "ze", "sprzed"), "f_gen"),
    **dict.fromkeys(("przed", "między", "pomiędzy", "za", "na", "nad"), "f_acc"),
}
# Words after which '8-16' means hours (opening times) and '8.30' means half past eight.
_RANGE_CONTEXT = frozenset({*_HOUR_WORDS, *(f for _, *forms in _DAYS for f in forms)})
_TIME_CONTEXT = frozenset({*_HOUR_WORDS, *_HOUR_CASE})
_NOT_UNIT = r"(?!\s*(?:zł|pln|eur|€|\$|usd|gr\b|%|kg|km|cm|mm|ml|m\b|g\b|l\b|szt))"
_YEAR_TAIL = r"(?:\s*(?:r\.|roku\b))?"


def _year(year: int, form: OrdinalForm = "m_gen") -> str:
    return f"{ordinal(year, form)} roku"


def _date(day: int, month: int, year: int | None) -> str | None:
    if not (1 <= day <= 31 and 1 <= month <= 12):
        return None
    spoken = f"{ordinal(day, 'm_gen')} {MONTHS[month - 1]}"
    return f"{spoken} {_year(year)}" if year else spoken


def _numeric_date(m: re.Match[str]) -> str:
    day, month, year = (int(m.group(k)) for k in ("d", "m", "y"))
    spoken = _date(day, month, year)
    return m.group(0) if spoken is None else spoken + sentence_dot(m)


def _named_date(m: re.Match[str]) -> str:
    month = MONTHS.index(m.group("month").lower()) + 1
    spoken = _date(int(m.group("d")), month, None)
    if spoken is None:
        return m.group(0)
    if m.group("d2"):
        last = _date(int(m.group("d2")), month, None)
        if last is None:
            return m.group(0)
        prefix = "" if word_before(m) == "od" else "od "
        spoken = f"{prefix}{ordinal(int(m.group('d')), 'm_gen')} do {last}"
    if m.group("y"):
        spoken = f"{spoken} {_year(int(m.group('y')))}"
    return spoken + sentence_dot(m)


def _year_with_word(m: re.Match[str]) -> str:
    """'w 2026 r.' -> 'w dwa tysiące dwudziestym szóstym roku'; otherwise genitive."""
    year = int(m.group("y"))
    if m.group("w"):
        return f"{m.group('w')} {_year(year, 'm_loc')}" + sentence_dot(m)
    return _year(year) + sentence_dot(m)


def _day_range(m: re.Match[str]) -> str:
    first, second = _DAY_FORMS[m.group(1).lower()], _DAY_FORMS[m.group(2).lower()]
    prefix = "" if word_before(m) == "od" else "od "
    return keep_capital(m.group(0), f"{prefix}{first[1]} do {second[1]}") + sentence_dot(m)


def _single_day(m: re.Match[str]) -> str:
    nominative, _, accusative = _DAY_FORMS[m.group("day").lower()]
    if m.group("w"):
        prep = "we" if nominative == "wtorek" else "w"
        return keep_capital(m.group(0), f"{prep} {accusative}") + sentence_dot(m)
    return keep_capital(m.group(0), nominative) + sentence_dot(m)


def hour(h: int, minutes: str | None, form: OrdinalForm) -> str:
    """'14', '30' -> 'czternasta trzydzieści'; '8', '05' -> 'ósma zero pięć'; minutes '00' are silent."""
    spoken = "zero" if h == 0 else ordinal(h, form)
    if minutes and minutes != "00":
        tail = f"zero {cardinal(int(minutes))}" if minutes.startswith("0") else cardinal(int(minutes))
        spoken = f"{spoken} {tail}"
    return spoken


def _valid(h: str, minutes: str | None) -> bool:
    return int(h) <= 24 and (minutes is None or int(minutes) < 60)


def _hour_range(m: re.Match[str]) -> str:
    h1, m1, h2, m2 = m.group("h1", "m1", "h2", "m2")
    if not (_valid(h1, m1) and _valid(h2, m2)):
        return m.group(0)
    if ":" not in m.group(0) and word_before(m) not in _RANGE_CONTEXT:
        return m.group(0)  # '3-5' without a clock or an opening-hours context is not a time
    prefix = "" if word_before(m, _HOUR_WORDS) == "od" else "od "
    return f"{prefix}{hour(int(h1), m1, 'f_gen')} do {hour(int(h2), m2, 'f_gen')}"


def _hour_form(m: re.Match[str]) -> OrdinalForm:
    """Case of the hour from the preposition before it; 'między ósmą a dziesiątą' keeps the 'a' part."""
    before = word_before(m, _HOUR_WORDS)
    if before == "a" and re.search(r"\bmiędzy\b[^.!?]*$", m.string[: m.start()]):
        return "f_acc"
    return _HOUR_CASE.get(before, "f_nom")


def _time(m: re.Match[str]) -> str:
    h, minutes = m.group("h"), m.group("min")
    if not _valid(h, minutes):
        return m.group(0)
    if m.group("sep") != ":" and word_before(m) not in _TIME_CONTEXT:
        return m.group(0)  # '8.30' is a time only after 'o', 'godz.' and the like
    return hour(int(h), minutes, _hour_form(m))


def _bare_hour(m: re.Match[str]) -> str:
    """'godz. 8' / 'o godz. 8' -> 'ósma' / 'ósmej'."""
    if not _valid(m.group("h"), None):
        return m.group(0)
    return hour(int(m.group("h")), None, _hour_form(m))


_MONTH = "|".join(MONTHS)
_H = r"(?:[01]?\d|2[0-4])"
TIME_RULES: list[Rule] = [
    rule(r"\b(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})\b", _numeric_date),
    rule(rf"\b(?P<d>\d{{1,2}})\.(?P<m>\d{{1,2}})\.(?P<y>\d{{4}})\b{_YEAR_TAIL}", _numeric_date),
    rule(
        rf"\b(?P<d>\d{{1,2}})(?:\s*[–-]\s*(?P<d2>\d{{1,2}}))?\.?\s+(?P<month>{_MONTH})\b"
        rf"(?:\s+(?P<y>\d{{4}})\b{_YEAR_TAIL})?",
        _named_date,
        re.IGNORECASE,
    ),
    rule(r"(?:\b(?P<w>[wW])\s+)?\b(?P<y>\d{4})\s*(?:r\.|roku\b)", _year_with_word),
    rule(rf"\b({_DAY})\.?\s*[–-]\s*({_DAY})\b\.?", _day_range, re.IGNORECASE),
    rule(rf"(?:\b(?P<w>we?)\s+)?\b(?P<day>{_ABBR_DAY})\.", _single_day, re.IGNORECASE),
    rule(
        rf"(?<![\d.,:])\b(?P<h1>{_H})(?:[:.](?P<m1>[0-5]\d))?\s*[–-]\s*(?P<h2>{_H})(?:[:.](?P<m2>[0-5]\d))?\b"
        rf"(?![.,:]\d){_NOT_UNIT}",
        _hour_range,
        re.IGNORECASE,
    ),
    rule(
        r"(?<![\d.,:])\b(?P<h>[01]?\d|2[0-4])(?P<sep>[:.])(?P<min>[0-5]\d)\b(?![.,:]\d)" + _NOT_UNIT,
        _time,
        re.IGNORECASE,
    ),
    rule(r"(?<=godz\. )(?P<h>\d{1,2})\b(?![.,:]\d)", _bare_hour, re.IGNORECASE),
    # 'o 9.' / 'o 9 rano': a bare number after 'o' with nothing counted after it is an hour
    rule(
        r"(?<=\b[oO] )(?P<h>\d{1,2})\b(?![.,:]\d)"
        r"(?=\s*(?:[.,!?;]|$|rano\b|wieczorem\b|po południu\b|w nocy\b))",
        _bare_hour,
    ),
]
