"""Folding and tokenising for the engine's pure detectors (numbers, escalation, intents).

The detectors must match ASR output that may lack Polish diacritics ("czlowiekiem"), so every comparison
happens on *folded* text built on ``dialog.textnorm`` (shared with the knowledge base, so both sides of
the system normalise alike). Unlike ``textnorm.words`` the tokens here keep digits as digits: order
numbers and escalation cues must see what the caller said, not numbers spelt out.
"""

from __future__ import annotations

import re

from dialog import textnorm

_WORD = re.compile(r"[^\W_]+", re.UNICODE)


def fold(text: str) -> str:
    """Lower-case, no diacritics (ł -> l too)."""
    return textnorm.strip_diacritics(text.lower())


def words(text: str) -> list[str]:
    """Word tokens of the original text (diacritics kept, for the lemmatiser; digits kept as digits)."""
    return _WORD.findall(text)


def lemma(word: str) -> str:
    """Folded lemma of one word (simplemma knows inflected forms only when written with diacritics)."""
    return textnorm.lemma(word)


def warm_up() -> None:
    """Load simplemma's Polish dictionary now (seconds, blocking) instead of on the first caller turn."""
    textnorm.lemma("zamówienia")


_CLAUSE_END = re.compile(r"[,.!?;:–—]")


def clause_numbers(text: str) -> list[int]:
    """For each word of ``words(text)``, the number of its clause: punctuation between two words starts a new
    one. Why: a name set apart by commas ("Nie chcę z wami rozmawiać, oszuści!") is said to someone, while the
    same word inside a clause ("dzwonią do mnie oszuści") is what happened."""
    numbers: list[int] = []
    clause, end = 0, 0
    for match in _WORD.finditer(text):
        if numbers and _CLAUSE_END.search(text, end, match.start()):
            clause += 1
        numbers.append(clause)
        end = match.end()
    return numbers
