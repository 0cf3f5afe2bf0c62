"""Written abbreviations expanded to what is said, in the case the preceding preposition demands
("przy ul. Długiej" -> "przy ulicy Długiej", "o godz." -> "o godzinie", "pod nr" -> "pod numerem").

An abbreviation's dot may double as the full stop ("... itd. Potem"); for abbreviations that can end a
sentence the dot is kept then, so the voice still hears the sentence end.
"""

from __future__ import annotations

import re

from voice.normalize_util import UPPER, Rule, ends_sentence, keep_capital, rule, sentence_dot, word_before
from voice.sentences import NOT_FINAL

# written form -> spoken form; the dot doubles as a full stop unless the sentence splitter lists it NOT_FINAL
_FIXED: dict[str, str] = {
    "np.": "na przykład", "tj.": "to jest", "tzn.": "to znaczy",
    "itd.": "i tak dalej", "itp.": "i tym podobne", "m.in.": "między innymi",
    "ds.": "do spraw", "wg": "według", "wg.": "według", "pkt": "punkt",
    "pkt.": "punkt", "wew.": "wewnętrzny", "tys.": "tysięcy",
    "br.": "bieżącego roku", "r.": "roku", "im.": "imienia",
    "tzw.": "tak zwany", "dr": "doktor", "dr.": "doktor",
    "prof.": "profesor", "mgr": "magister", "inż.": "inżynier",
    "sp. z o.o.": "spółka z ograniczoną odpowiedzialnością", "s.a.": "es a",
    "woj.": "województwo", "zob.": "zobacz", "jw.": "jak wyżej",
    "nt.": "na temat", "ew.": "ewentualnie", "zł": "złotych",
    "szt.": "sztuk", "min.": "minimum", "min": "minut",
    "dot.": "dotyczy", "ws.": "w sprawie", "poz.": "pozycja",
    "str.": "strona", "zał.": "załącznik",
}  # fmt: skip
_EXACT_CASE = {"r.": "r.", "s.a.": "S.A."}  # 'R. Kowalski' is a name, not 'roku'

_LOC = ("przy", "na", "po", "o", "w")
_GEN = ("do", "od", "z", "ze", "koło", "obok", "u", "naprzeciwko", "wzdłuż", "spod", "okolicy")
_STREET_CASE = {**dict.fromkeys(_LOC, 1), **dict.fromkeys(_GEN, 2)}
# street abbreviation -> nominative, locative, genitive, accusative
_STREETS = {
    "ul.": ("ulica", "ulicy", "ulicy", "ulicę"),
    "al.": ("aleja", "alei", "alei", "aleję"),
    "pl.": ("plac", "placu", "placu", "plac"),
    "os.": ("osiedle", "osiedlu", "osiedla", "osiedle"),
}
_NEXT_WORD = re.compile(r"\s*(\w+)")
_NUMBER_CASE = {"pod": "numerem", "z": "numeru", "od": "numeru", "do": "numeru", "bez": "numeru",
                "o": "numerze", "w": "numerze", "przy": "numerze", "po": "numerze"}  # fmt: skip
_HOUR_CASE = {
    **dict.fromkeys(("o", "po"), "godzinie"),
    "w": "godzinach",
    "na": "godzinę",
    **dict.fromkeys(("do", "od", "około", "ok.", "koło", "z", "ze", "sprzed"), "godziny"),
    **dict.fromkeys(("przed", "między", "pomiędzy", "za", "nad"), "godziną"),
}
_NUMBER_WORDS = frozenset({"nr", "numer", "numeru", "numerem", "numerze"})


def _fixed(m: re.Match[str]) -> str:
    written = m.group(0)
    key = written.lower()
    if key in _EXACT_CASE and written != _EXACT_CASE[key]:
        return written
    may_end = key not in NOT_FINAL
    return keep_capital(written, _FIXED[key]) + (sentence_dot(m) if may_end else "")


def _street(m: re.Match[str]) -> str:
    """'przy ul. Długiej' -> 'ulicy'; 'na ul. Długą' (direction, accusative) -> 'ulicę'."""
    forms, before = _STREETS[m.group("abbr").lower()], word_before(m)
    name = _NEXT_WORD.match(m.string, m.end())
    if before in ("na", "w") and name and name.group(1).endswith("ą"):
        return keep_capital(m.group(0), forms[3])
    spoken = forms[_STREET_CASE.get(before, 0)]
    return keep_capital(m.group(0), spoken)


def _number_word(m: re.Match[str]) -> str:
    return keep_capital(m.group(0), _NUMBER_CASE.get(word_before(m), "numer"))


def _phone_word(m: re.Match[str]) -> str:
    before = word_before(m)
    spoken = "telefonu" if before in _NUMBER_WORDS else "telefonem" if before == "pod" else "telefon"
    return keep_capital(m.group(0), spoken) + sentence_dot(m)


def _mobile_word(m: re.Match[str]) -> str:
    return "komórkowego" if word_before(m) == "telefonu" else "komórkowy"


def _hour_word(m: re.Match[str]) -> str:
    """'o godz.' -> 'o godzinie'; a bare 'godz.' before a range ('godz. od ósmej do ...') is plural."""
    default = "godziny" if m.string.startswith(" od ", m.end()) else "godzina"
    return keep_capital(m.group(0), _HOUR_CASE.get(word_before(m), default))


def _saint(m: re.Match[str]) -> str:
    """'ul. św. Marcina' -> 'świętego Marcina', 'św. Anny' -> 'świętej Anny', 'św. Mikołaj' -> 'święty'."""
    name = m.group("name")
    spoken = "świętego" if name.endswith("a") else "świętej" if name.endswith(("y", "i")) else "święty"
    return keep_capital(m.group(0), spoken) + " " + name


def _okay_or_about(m: re.Match[str]) -> str:
    """'ok. 5 dni' -> 'około'; 'Wszystko ok.' / 'Ok, rozumiem' -> 'okej'."""
    written = m.group(0)
    if written.endswith(".") and not ends_sentence(m):
        return keep_capital(written, "około")
    return keep_capital(written, "okej") + sentence_dot(m)


_FIXED_NAMES = "|".join(re.escape(k) for k in sorted(_FIXED, key=len, reverse=True))
ABBREV_RULES: list[Rule] = [
    rule(r"(?<![\w.])(?:ok|OK)\b\.?", _okay_or_about, re.IGNORECASE),
    rule(r"(?<![\w.])(?P<abbr>ul\.)", _street, re.IGNORECASE),
    rule(rf"(?<![\w.])(?P<abbr>[Aa]l\.|[Pp]l\.|[Oo]s\.)(?=\s*(?:[{UPPER}]|św\.|\d))", _street),
    rule(rf"(?<![\w.])św\.\s*(?P<name>[{UPPER}]\w*)", _saint, re.IGNORECASE),
    rule(r"(?<![\w.])nr\b\.?", _number_word, re.IGNORECASE),
    rule(r"(?<![\w.])tel\.", _phone_word, re.IGNORECASE),
    rule(r"(?<=telefon )kom\.|(?<=telefonu )kom\.", _mobile_word, re.IGNORECASE),
    rule(r"(?<![\w.])godz\.", _hour_word, re.IGNORECASE),
    rule(rf"(?<![\w.])(?:{_FIXED_NAMES})(?![\w])", _fixed, re.IGNORECASE),
]
