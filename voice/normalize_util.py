"""Shared pieces of the rewrite rules: the rule type and look-around helpers for grammatical context.

Rules are regex + handler pairs applied in order. Polish case depends on the word before a number
("do pięciu dni", "o czternastej"), so handlers look back at the text preceding their match.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import NamedTuple

UPPER = "A-ZĄĆĘŁŃÓŚŹŻ"
LOWER = "a-ząćęłńóśźż"
_WORD_BEFORE = re.compile(r"([^\W\d_]+\.?)\s*$")
_SENTENCE_AFTER = re.compile(rf"\s*$|\s+[{UPPER}\"„«(]")
_WORDS_AFTER = re.compile(r"(?:\s+[^\W\d_]+){1,2}")

# Prepositions (and nouns governing the genitive) after which a number is read in the genitive.
GENITIVE_WORDS = frozenset(
    {"od", "do", "około", "ok.", "koło", "powyżej", "poniżej", "ciągu", "dla", "bez", "wysokości",
     "spośród", "oprócz", "sprzed", "kwoty", "wartości"}
)  # fmt: skip

# Verbs whose object is an amount ("przekracza 100 zł"): negated, they take it in the genitive, as every
# transitive verb does ("nie przekracza stu złotych", "kwota nieprzekraczająca stu złotych"). Stems, so every
# person, tense and participle counts; only these, since "nie więcej niż 100 zł" keeps "sto" (after "niż" the
# case is the compared word's) and "nie kosztuje 100 zł" is said both ways.
NEGATED_GENITIVE_STEMS = ("przekracz", "przekrocz", "pobier", "pobra", "zwraca", "zwróc", "płac", "zapłac", "otrzym")
_NEGATED_VERB_BEFORE = re.compile(r"(?:\bnie\s+|\bnie)([^\W\d_]+)\s*$", re.IGNORECASE)

Handler = Callable[[re.Match[str]], str]


class Rule(NamedTuple):
    """One rewrite: every match of ``pattern`` is replaced by ``handler(match)``."""

    pattern: re.Pattern[str]
    handler: Handler


def rule(pattern: str, handler: Handler, flags: int = 0) -> Rule:
    return Rule(re.compile(pattern, flags), handler)


def word_before(m: re.Match[str], skip: frozenset[str] = frozenset()) -> str:
    """The lower-cased word (with its dot, if any) right before the match, skipping words in ``skip``."""
    text = m.string[: m.start()]
    while True:
        found = _WORD_BEFORE.search(text)
        if not found:
            return ""
        word = found.group(1).lower()
        if word not in skip:
            return word
        text = text[: found.start()]


def negated_object(m: re.Match[str]) -> bool:
    """True when the match is the object of a negated verb of ``NEGATED_GENITIVE_STEMS``: "nie przekracza
    100 zł", "nieprzekraczająca 100 zł" (the genitive of negation: "nie przekracza stu złotych")."""
    found = _NEGATED_VERB_BEFORE.search(m.string, 0, m.start())
    return found is not None and found.group(1).lower().startswith(NEGATED_GENITIVE_STEMS)


def words_after(m: re.Match[str]) -> list[str]:
    """Up to two words right after the match (an adjective and the counted noun, for agreement)."""
    found = _WORDS_AFTER.match(m.string, m.end())
    return found.group(0).split() if found else []


def ends_sentence(m: re.Match[str]) -> bool:
    """True when the match ends with a dot that also closes the sentence ('... itd. Potem')."""
    return m.group(0).endswith(".") and bool(_SENTENCE_AFTER.match(m.string, m.end()))


def sentence_dot(m: re.Match[str]) -> str:
    """'.' to keep after an expanded abbreviation whose dot doubled as the full stop."""
    return "." if ends_sentence(m) else ""


def keep_capital(source: str, spoken: str) -> str:
    """Sentence-initial 'Ul.' becomes 'Ulica', not 'ulica'; all-caps 'OK', 'S.A.' give no capital."""
    letters = [c for c in source if c.isalpha()]
    if letters[:1] and letters[0].isupper() and not (len(letters) > 1 and letters[1].isupper()) and spoken:
        return spoken[0].upper() + spoken[1:]
    return spoken


def apply_rules(text: str, rules: list[Rule]) -> str:
    for r in rules:
        text = r.pattern.sub(r.handler, text)
    return text
