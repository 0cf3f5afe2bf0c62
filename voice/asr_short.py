"""Isolated short answers ("tak", "nie", a number word) read against a closed vocabulary (issue 17).

Why: on a phone line Whisper base cannot read most isolated number words ("dwa" -> "Derva", "osiemnaście"
-> "osiem nasty", "zero" -> "0 0"), because a lone word gives it no context and the 300-3400 Hz band takes
what tells them apart. Phone systems solve this with a grammar: when the caller answers with one word, the
word is one of a few. So a short turn that Whisper read with little confidence is decoded a second time with
every token suppressed except those that spell the vocabulary (a constrained beam search, from the same
encoder output), and the result is snapped to the nearest vocabulary words. It replaces the free reading only
when every word lands close to a vocabulary word; otherwise the free reading stands (a caller who says
"cześć" or "dziękuję" confidently is never turned into a number).

The pure parts (vocabulary, allowed tokens, snapping, the decision) are here; ``voice.asr_engine`` calls them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from itertools import pairwise

from rapidfuzz.distance import Levenshtein

from voice.asr_score import normalize_text
from voice.normalize_numbers import cardinal, ordinal

# Cardinal numbers a caller says alone: 0-19, the tens, the hundreds, "tysiąc"; and the two answers.
NUMBER_WORDS = tuple(
    dict.fromkeys(cardinal(n) for n in (*range(20), *range(20, 100, 10), *range(100, 1000, 100), 1000))
)
ANSWER_WORDS = ("tak", "nie")
# Whisper hears a lone "-naście" as the ordinal ("trzynasty", "siedem nasta"): read those as the number.
_TEEN_ORDINALS = {ordinal(n, f): cardinal(n) for n in range(11, 20) for f in ("m_nom", "f_nom")}
# Whisper splits compound numbers ("dwa dzieścia"): the tails may start a word of their own.
_TAILS = ("naście", "dzieścia", "dziesiąt", "set")
MAX_DISTANCE = 0.34  # normalised edit distance to the nearest vocabulary word ("Jedennaście" 0.09, "Dzieś" 0.38)
MAX_WORDS = 3  # an isolated answer; more words is a phrase, not an answer
UNSURE_LOGPROB = -0.6  # the free reading is re-read only below this average log-prob (or when it repeats a word)
# The constrained reading is taken only when the decoder was sure of it: read against the vocabulary, number
# words scored -0.22 to -0.54, while the first words of ordinary sentences scored -0.44 to -1.64 (most under
# -0.8; they are spelled from the vocabulary's pieces, "Pięć" for "Kupiłem"). docs/benchmarks.md, issue 17.
SURE_LOGPROB = -0.56


@dataclass(frozen=True)
class ShortAnswers:
    """The closed vocabulary and when a turn is short enough to be read against it."""

    words: tuple[str, ...] = (*ANSWER_WORDS, *NUMBER_WORDS)
    max_s: float = 1.5

    def spellings(self) -> list[str]:
        """Every text whose tokens the constrained decoding may use (cases, leading spaces, compound tails)."""
        forms = [f for w in (*self.words, *_TAILS) for f in (w, w.capitalize())]
        return [p + f for f in forms for p in ("", " ")] + [".", ",", "?", "!"]

    def suppressed(self, encode: Callable[[str], list[int]], vocab_size: int) -> list[int]:
        """Token ids to suppress so that only the vocabulary can be spelled (the end token stays allowed)."""
        allowed = {t for s in self.spellings() for t in encode(s)}
        return [t for t in range(vocab_size) if t not in allowed]

    def nearest(self, word: str) -> tuple[str, float]:
        """The vocabulary word closest to ``word`` and its normalised edit distance (0 = the same)."""
        forms = {**{w: w for w in self.words}, **{o: c for o, c in _TEEN_ORDINALS.items() if c in self.words}}
        best = min(forms, key=lambda v: Levenshtein.normalized_distance(word, v))
        return forms[best], Levenshtein.normalized_distance(word, best)

    def snap(self, text: str) -> str | None:
        """``text`` as vocabulary words, or None when it is not an isolated answer.

        Words Whisper split are joined when together they are closer to a vocabulary word ("siedem naście");
        a word said twice in a row is kept once ("zero zero" is one "zero": Whisper doubles short words).
        """
        words = normalize_text(text).split()
        out: list[str] = []
        i = 0
        while i < len(words):
            word, dist = self.nearest(words[i])
            if i + 1 < len(words):
                joined, jdist = self.nearest(words[i] + words[i + 1])
                if jdist <= min(dist, self.nearest(words[i + 1])[1]) and jdist <= MAX_DISTANCE:
                    word, dist, i = joined, jdist, i + 1
            if dist > MAX_DISTANCE:
                return None
            if not out or out[-1] != word:
                out.append(word)
            i += 1
        return " ".join(out) if 0 < len(out) <= MAX_WORDS else None

    def in_vocabulary(self, text: str) -> bool:
        """True when ``text`` is already vocabulary words, each said once in a row (nothing to re-read)."""
        words = normalize_text(text).split()
        vocab = set(self.words)
        return bool(words) and all(w in vocab for w in words) and all(a != b for a, b in pairwise(words))


def should_reread(answers: ShortAnswers, audio_s: float, text: str, avg_logprob: float) -> bool:
    """Whether a turn's free reading is doubtful enough to be read against the closed vocabulary."""
    if audio_s >= answers.max_s or answers.in_vocabulary(text):
        return False
    words = normalize_text(text).split()
    repeated = any(a == b for a, b in pairwise(words))
    return len(words) <= MAX_WORDS and (avg_logprob < UNSURE_LOGPROB or repeated)


def pick_answer(answers: ShortAnswers, readings: Iterable[str], closed_logprob: float) -> str | None:
    """The longest answer any reading snaps to (the constrained and the free one), or None when the
    constrained reading (the first of ``readings``) was a guess (average log-prob under ``SURE_LOGPROB``).

    Why the longest: the constrained decoding ends a word early when the vocabulary's tokens cannot spell
    the rest ("siedemnaście" read as "siedem", while the free reading heard "siedem nasta"): more letters
    that still land on a vocabulary word are more of the caller's sound accounted for.
    """
    if closed_logprob < SURE_LOGPROB:
        return None
    snapped = [a for a in (answers.snap(r) for r in readings) if a is not None]
    return max(snapped, key=len) if snapped else None
