"""The fair scorer for Polish recognition: one normaliser for reference and hypothesis, WER and CER, loops.

Why one normaliser on both sides: Whisper writes "17" where the reference says "siedemnaście", "Pani" where
it says "pani", and puts its own punctuation; none of that is a recognition error. Both texts are
lower-cased, numbers are spelled out in Polish words (on both sides, so "17" and "siedemnaście" compare
equal, whichever side has which), and punctuation and symbols become spaces.

Error rates are corpus-level (total edits over total reference length), not a mean of per-utterance ratios,
so a one-word utterance does not weigh as much as a sentence.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Sequence

from num2words import num2words
from rapidfuzz.distance import Levenshtein

_NUMBER = re.compile(r"\d+")
LOOP_REPEATS = 4  # a phrase of 1-3 words said 4 times in a row is a decoding loop, not a caller
ECHO_WORDS = 4  # a phrase of this many words or more twice in a row is Whisper writing a segment again


def _spell_number(match: re.Match[str]) -> str:
    return f" {num2words(int(match.group()), lang='pl')} "


def normalize_text(text: str) -> str:
    """Lower case, numbers as Polish words, punctuation and symbols removed, single spaces.

    "17." -> "siedemnaście"; "Zamówienie 4512!" -> "zamówienie cztery tysiące pięćset dwanaście";
    "e-mail" -> "e mail" on both sides alike.
    """
    text = unicodedata.normalize("NFC", text).lower()
    text = _NUMBER.sub(_spell_number, text)
    text = "".join(" " if unicodedata.category(ch)[0] in "PSZC" else ch for ch in text)
    return " ".join(text.split())


def word_errors(ref: str, hyp: str) -> tuple[int, int]:
    """(edit distance in words, reference words) after ``normalize_text``."""
    r, h = normalize_text(ref).split(), normalize_text(hyp).split()
    return Levenshtein.distance(r, h), len(r)


def char_errors(ref: str, hyp: str) -> tuple[int, int]:
    """(edit distance in characters, reference characters) after ``normalize_text``; spaces count."""
    r, h = normalize_text(ref), normalize_text(hyp)
    return Levenshtein.distance(r, h), len(r)


def error_rate(pairs: Sequence[tuple[str, str]], chars: bool = False) -> float:
    """Corpus-level WER (or CER): total edits over total reference length, not a mean of ratios."""
    counts = [char_errors(r, h) if chars else word_errors(r, h) for r, h in pairs]
    return sum(e for e, _ in counts) / max(1, sum(n for _, n in counts))


def repeated_run(words: Sequence[str], repeats: int = LOOP_REPEATS, longest: int = 3) -> tuple[int, int] | None:
    """(start, length of one repetition) of the first phrase of 1..``longest`` words repeated ``repeats``
    times in a row, or None. "0 0 0 0 0" -> (0, 1); "15 ks ks ks ks" -> (1, 1); "nie nie nie" -> None.
    """
    for start in range(len(words)):
        for n in range(1, longest + 1):
            end = start + n * repeats
            if end > len(words):
                break
            phrase = words[start : start + n]
            if all(words[start + k * n : start + (k + 1) * n] == phrase for k in range(1, repeats)):
                return start, n
    return None


def repeated_phrase(words: Sequence[str], shortest: int = ECHO_WORDS) -> tuple[int, int] | None:
    """(start, length) of the first phrase of ``shortest`` words or more that follows itself at once:
    "moja teściowa przyjeżdża w weekend moja teściowa przyjeżdża w weekend" -> (0, 5). Whisper repeats a
    whole segment this way (seen on the eval set); "tak tak" and "nie wiem, nie wiem" are too short, and a
    phrase of numbers alone is what a caller reads out ("4 5 1 2 4 5 1 2" is an order number, not an echo)."""
    for n in range(len(words) // 2, shortest - 1, -1):
        for start in range(len(words) - 2 * n + 1):
            phrase = words[start : start + n]
            echoed = words[start] == words[start + n] and phrase == words[start + n : start + 2 * n]
            if echoed and not all(w in _number_words() for w in phrase):
                return start, n
    return None


@functools.cache
def _number_words() -> frozenset[str]:
    """Every word of the Polish numbers 0-999 and the thousands, as ``normalize_text`` spells digits."""
    words = {w for n in range(1000) for w in num2words(n, lang="pl").split()}
    return frozenset(words | {"tysiąc", "tysiące", "tysięcy", "milion", "miliony", "milionów"})


def has_loop(text: str) -> bool:
    """True when the normalised text holds a decoding loop (``repeated_run``)."""
    return repeated_run(normalize_text(text).split()) is not None


def repeats_itself(text: str) -> bool:
    """The scorer's loop count: a decoding loop or a phrase written twice in a row (``repeated_phrase``)."""
    words = normalize_text(text).split()
    return repeated_run(words) is not None or repeated_phrase(words) is not None


MIN_REPEATED_WORDS = 3  # "tak tak" is a caller; three or more words said again whole are a decoder going back


def repeats_whole(text: str) -> bool:
    """True when the whole normalised text is one phrase of ``MIN_REPEATED_WORDS`` or more words said two or
    more times. Seen with Whisper base and the KB's hotwords on a clean 2.6 s sentence: the decoder went back
    to the start once. ``repeated_run`` (1-3 words, 4 times) and the compression ratio (about 1.5 for two
    copies; Whisper's limit is 2.4) both miss it."""
    words = normalize_text(text).split()
    n = len(words)
    return any(n % size == 0 and words == words[:size] * (n // size) for size in range(MIN_REPEATED_WORDS, n // 2 + 1))
