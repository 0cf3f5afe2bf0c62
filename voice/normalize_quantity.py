"""Money, measured quantities, numeric ranges, ordinal floors and plain numbers.

Every counted noun agrees with its number (1 złoty, 2-4 złote but 12-14 złotych, 5+ złotych, 22 złote)
and the case the preceding words demand ("do 100 zł" -> "do stu złotych", "nie przekracza 100 zł" -> "nie
przekracza stu złotych").
"""

from __future__ import annotations

import re

import simplemma

from voice.normalize_numbers import (
    Case,
    Gender,
    Noun,
    OrdinalForm,
    cardinal,
    decimal,
    digits,
    gender_of,
    ordinal,
    plural_index,
    quantity,
)
from voice.normalize_util import (
    GENITIVE_WORDS,
    UPPER,
    Rule,
    negated_object,
    rule,
    sentence_dot,
    word_before,
    words_after,
)

_ZLOTY = Noun("złoty", "złote", "złotych", "złotego")
_GROSZ = Noun("grosz", "grosze", "groszy", "grosza")
_EURO = Noun("euro", "euro", "euro", "euro", "n")
_CENT = Noun("cent", "centy", "centów", "centa")
_DOLLAR = Noun("dolar", "dolary", "dolarów", "dolara")
_CURRENCIES = {
    **dict.fromkeys(("zł", "złotych", "złote", "złoty", "pln"), (_ZLOTY, _GROSZ)),
    **dict.fromkeys(("eur", "€", "euro"), (_EURO, _CENT)),
    **dict.fromkeys(("usd", "$"), (_DOLLAR, _CENT)),
}
_MULTIPLIERS = {
    "tys.": Noun("tysiąc", "tysiące", "tysięcy", "tysiąca"),
    "mln": Noun("milion", "miliony", "milionów", "miliona"),
    "mld": Noun("miliard", "miliardy", "miliardów", "miliarda"),
}
_UNITS = {
    "%": Noun("procent", "procent", "procent", "procent"),
    "kg": Noun("kilogram", "kilogramy", "kilogramów", "kilograma"),
    "g": Noun("gram", "gramy", "gramów", "grama"),
    "km/h": Noun("kilometr na godzinę", "kilometry na godzinę", "kilometrów na godzinę", "kilometra na godzinę"),
    "km": Noun("kilometr", "kilometry", "kilometrów", "kilometra"),
    "m": Noun("metr", "metry", "metrów", "metra"),
    "cm": Noun("centymetr", "centymetry", "centymetrów", "centymetra"),
    "mm": Noun("milimetr", "milimetry", "milimetrów", "milimetra"),
    "l": Noun("litr", "litry", "litrów", "litra"),
    "ml": Noun("mililitr", "mililitry", "mililitrów", "mililitra"),
    "h": Noun("godzina", "godziny", "godzin", "godziny", "f"),
    "godz.": Noun("godzina", "godziny", "godzin", "godziny", "f"),
    "min": Noun("minuta", "minuty", "minut", "minuty", "f"),
    "min.": Noun("minuta", "minuty", "minut", "minuty", "f"),
    "s": Noun("sekunda", "sekundy", "sekund", "sekundy", "f"),
    "sek.": Noun("sekunda", "sekundy", "sekund", "sekundy", "f"),
    "szt.": Noun("sztuka", "sztuki", "sztuk", "sztuki", "f"),
    "mies.": Noun("miesiąc", "miesiące", "miesięcy", "miesiąca"),
    "GB": Noun("gigabajt", "gigabajty", "gigabajtów", "gigabajta"),
    "MB": Noun("megabajt", "megabajty", "megabajtów", "megabajta"),
    "°C": Noun("stopień Celsjusza", "stopnie Celsjusza", "stopni Celsjusza", "stopnia Celsjusza"),
}
# Nouns after which a number is an ordinal: its form, and whether that is certain without the ordinal
# dot ('2 piętro' can only mean the second floor; '2 piętra' may mean two floors).
_ORDINAL_NOUNS: dict[str, tuple[OrdinalForm, bool]] = {
    "piętro": ("n_nom", True), "piętra": ("m_gen", False), "piętrze": ("m_loc", True),
    "klatka": ("f_nom", True), "klatki": ("f_gen", False), "klatce": ("f_gen", True),
    "miejsce": ("n_nom", True), "miejsca": ("m_gen", False), "miejscu": ("m_loc", True),
    "dzień": ("m_nom", False), "dnia": ("m_gen", False), "dniu": ("m_loc", False),
}  # fmt: skip
# A day's singular after 2 or more can only follow an ordinal ("do 15 dnia miesiąca": fifteen days are "15 dni");
# after 1 it may be a count ("w ciągu 1 dnia"), so there only with the ordinal dot.
_ORDINAL_FROM_TWO = frozenset({"dnia", "dniu", "dzień"})

_NUM = r"(?P<int>\d{1,3}(?: \d{3})+|\d{1,3}(?:\.\d{3})+(?=,\d)|\d+)(?:[,.](?P<frac>\d+))?"
_START = r"(?<![\w,.:/+-])"
_SIGNED = rf"(?:{_START}(?P<neg>[-−]))?(?<![\w,.:/+])(?<!\w-)"
_STREET_BEFORE = re.compile(rf"[{UPPER}]\w*\.?\s+$")


def _case(m: re.Match[str]) -> Case:
    """The genitive after a preposition that governs it ("do 100 zł") or a negated verb ("nie przekracza")."""
    return "gen" if word_before(m) in GENITIVE_WORDS or negated_object(m) else "nom"


def _whole(m: re.Match[str]) -> int:
    return int(m.group("int").replace(" ", "").replace(".", ""))


def _scaled(m: re.Match[str], mult: Noun, case: Case) -> str:
    """'2,5 tys.' -> 'dwa i pół tysiąca'; '1 tys.' -> 'tysiąc' (Poles drop the 'jeden')."""
    whole, frac = _whole(m), m.group("frac") or ""
    if whole == 1 and not frac.strip("0"):
        return mult.form(1, case)
    return quantity(whole, frac, mult, case)


def _minus(m: re.Match[str], spoken: str) -> str:
    return f"minus {spoken}" if m.group("neg") else spoken


def _money(m: re.Match[str]) -> str:
    return _minus(m, _amount(m))


def _amount(m: re.Match[str]) -> str:
    case = _case(m)
    if m.group("cur").lower() == "gr":
        return quantity(_whole(m), "", _GROSZ, case)
    main, minor = _CURRENCIES[m.group("cur").lower()]
    if m.group("mult"):
        return f"{_scaled(m, _MULTIPLIERS[m.group('mult').lower()], case)} {main.many}"
    whole, cents = _whole(m), int((m.group("frac") or "0").ljust(2, "0")[:2])
    parts = [quantity(whole, "", main, case)] if whole or not cents else []
    if cents:
        parts.append(quantity(cents, "", minor, case))
    return " ".join(parts)


def _unit(m: re.Match[str]) -> str:
    case, unit, mult = _case(m), m.group("unit"), m.group("mult")
    if mult is None and unit is None:
        return m.group(0)
    if mult is None:
        spoken = quantity(_whole(m), m.group("frac") or "", _UNITS[unit], case)
    else:
        spoken = _scaled(m, _MULTIPLIERS[mult.lower()], case)
        spoken += f" {_UNITS[unit].many}" if unit else ""
    return _minus(m, spoken) + sentence_dot(m)


def _house_number(m: re.Match[str]) -> str:
    """'Długa 5/12' -> 'Długa 5 przez 12' (building / flat), only right after a capitalised street name."""
    if not _STREET_BEFORE.search(m.string, 0, m.start()):
        return m.group(0)
    return f"{m.group(1)} {m.group(2)} przez {m.group(3)}".replace("  ", " ")


def _range(m: re.Match[str]) -> str:
    """'3-5 dni' -> 'od 3 do 5 dni'; the plain-number rule then reads both in the genitive."""
    if word_before(m) == "od":
        return m.group(0)
    return f"od {m.group(1)} do {m.group(2)}"


def _ordinal_noun(m: re.Match[str]) -> str:
    noun, n = m.group("noun").lower(), int(m.group("n"))
    form, certain = _ORDINAL_NOUNS[noun]
    if not (m.group("dot") or certain or (noun in _ORDINAL_FROM_TWO and n >= 2)):
        return m.group(0)
    return f"{ordinal(n, form)} {m.group('noun')}"


def _agreement(m: re.Match[str], whole: int) -> tuple[Case, Gender, str | None]:
    """Case and gender the counted noun imposes, plus a whole replacement where a table can't say it.

    'dwie paczki', 'jedna sztuka', 'jedną przesyłkę' (accusative), 'dwóch konsultantów' (after 2-4 a
    noun in '-ów' is masculine personal, which takes the genitive numeral).
    """
    case, words = _case(m), words_after(m)
    if not words or not (whole == 1 or plural_index(whole) == 1):
        return case, "m", None
    if plural_index(whole) == 1 and words[0].endswith("ów"):
        return "gen", "m", None
    if whole % 10 != 2 and whole != 1:
        return case, "m", None
    noun = words[0]
    if len(words) > 1 and simplemma.lemmatize(noun.lower(), lang="pl").endswith(("y", "i")):
        noun = words[1]  # 'nową wiadomość', 'dwie nowe paczki': agree with the noun, not the adjective
    gender = gender_of(noun)
    if whole == 1 and case == "nom" and (words[0].endswith("ą") or (gender == "f" and noun.endswith("ę"))):
        return case, "f", "jedną"
    return case, gender, None


def _number(m: re.Match[str]) -> str:
    raw, frac = m.group("int"), m.group("frac")
    code_like = len(raw) >= 5 or (raw[0] == "0" and len(raw) > 1)
    if code_like and not frac and not m.group("neg") and raw.isdigit():
        return digits(raw)  # identifiers, not amounts: read so the caller can write them down
    whole = _whole(m)
    if frac:
        return _minus(m, decimal(whole, frac, _case(m)))
    case, gender, whole_word = _agreement(m, whole)
    return _minus(m, whole_word or cardinal(whole, case, gender))


def _dotted(m: re.Match[str]) -> str:
    """'wersja 2.0' -> 'dwa kropka zero': what is left of dotted digits after dates and times."""
    return " kropka ".join(cardinal(int(part)) for part in m.group(0).split("."))


_ORDINAL_NOUN_NAMES = "|".join(_ORDINAL_NOUNS)
_UNIT_NAMES = "|".join(re.escape(u) for u in sorted(_UNITS, key=len, reverse=True))
_CURRENCY_NAMES = "|".join(re.escape(c) for c in sorted(_CURRENCIES, key=len, reverse=True))
QUANTITY_RULES: list[Rule] = [
    rule(rf"\b(?P<n>\d{{1,3}})(?P<dot>\.)?\s+(?P<noun>{_ORDINAL_NOUN_NAMES})\b", _ordinal_noun, re.I),
    rule(r"\b24/7\b", lambda m: "dwadzieścia cztery na siedem"),
    rule(rf"{_START}(\d+)([a-zA-Z]?)/(\d+)\b", _house_number),
    rule(rf"{_START}(\d+(?:,\d+)?)\s*[–—-]\s*(\d+(?:,\d+)?)(?![\w:/]|[.,]\d)", _range),
    rule(
        rf"{_SIGNED}{_NUM}\s*(?P<mult>tys\.|mln|mld)?\s*(?P<cur>{_CURRENCY_NAMES}|gr)(?![\w])",
        _money,
        re.IGNORECASE,
    ),
    rule(
        rf"{_SIGNED}{_NUM}\s*(?P<mult>tys\.|mln|mld)?(?:\s*(?P<unit>{_UNIT_NAMES})(?![\w]))?",
        _unit,
    ),
    rule(r"(?<![\w.])\d+(?:\.\d+)+(?![\w.]|\.\d)", _dotted),
    rule(r"/\s*(?:mies\.|m-c|msc)", lambda m: " miesięcznie" + sentence_dot(m)),
    rule(r"/\s*rok\b", lambda m: " rocznie"),
    rule(rf"{_SIGNED}{_NUM.replace('[,.]', ',')}(?![\w]|[.,:]\d)", _number),
]
