"""Choosing among the beam's hypotheses by how many of their words are Polish words (issue 17).

Why: in the phone band Whisper base often writes a word that does not exist ("szupka" for "szybko", "snam" for
"snem", "Sporadycz nie"), while another hypothesis of the same beam has the real word at a slightly lower
log-prob. A language model would rescore the n-best; the lightest one at hand is a lexicon: simplemma's Polish
dictionary of inflected forms, which the process already loads for the dialog's lemmas and the speech
normaliser (so it costs no memory there). Each hypothesis scores its average log-prob plus ``weight`` times the
share of its words the lexicon knows; the best score wins. The weight is per word share, as the log-prob is
per token, so neither depends on the turn's length.

Measured on the tuning part of the Polish eval set (docs/benchmarks.md): weights 0.1-0.5 all gain about the
same; 0.3 is kept.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from voice.asr_score import normalize_text

LEXICON_WEIGHT = 0.3


class Lexicon(Protocol):
    """Whether a lower-case word is a word of the language (any inflected form)."""

    def __call__(self, word: str) -> bool: ...


def polish_lexicon() -> Lexicon:
    """simplemma's Polish dictionary (loads on first use: about 3-5 s, call ``known_share`` once to warm it)."""
    import simplemma

    def known(word: str) -> bool:
        return bool(simplemma.is_known(word, lang="pl"))

    return known


def known_share(text: str, lexicon: Lexicon) -> float:
    """Share of the words of ``text`` (numbers spelled out) that the lexicon knows; 0 for no words."""
    words = normalize_text(text).split()
    return sum(lexicon(w) for w in words) / len(words) if words else 0.0


def best_hypothesis(
    hypotheses: Sequence[tuple[str, float]], lexicon: Lexicon, weight: float = LEXICON_WEIGHT
) -> tuple[str, float]:
    """The (text, avg log-prob) with the best log-prob + ``weight`` x known-word share; the first on a tie."""
    return max(hypotheses, key=lambda h: h[1] + weight * known_share(h[0], lexicon))
