"""Polish text normalisation for speech synthesis: written text in, what the voice should say out.

Piper (via espeak-ng) reads digits, abbreviations and addresses poorly in Polish and never declines
numbers, so the text is rewritten first: "19,99 zł" -> "dziewiętnaście złotych dziewięćdziesiąt
dziewięć groszy", "o 14:30" -> "o czternastej trzydzieści", "ul." -> "ulica", "PL" -> "pe el".

Order of use for streaming: ``split_sentences`` (``voice.sentences``, the one splitter) FIRST, on the
written text, then ``normalize_for_speech`` on each sentence (or ``speech_sentences`` for both).
Splitting first is more robust: abbreviation dots ("ul.", "nr", "godz.") and decimal commas are still
recognisable, whereas after normalisation a kept abbreviation dot and a full stop look alike. Each
sentence carries all the context its numbers need.

The rewrite is an ordered table of regex rules with small handlers (see the ``voice.normalize_*``
modules); the order matters: e-mail and web addresses and phone numbers are consumed before dates and
times, those before money and units, those before bare numbers, and abbreviations last (their words
give case context, e.g. "do godz." to the hour before it is expanded).
"""

from __future__ import annotations

import re

from voice.normalize_abbrev import ABBREV_RULES
from voice.normalize_codes import ADDRESS_RULES, SPELLING_RULES
from voice.normalize_numbers import gender_of
from voice.normalize_quantity import QUANTITY_RULES
from voice.normalize_time import TIME_RULES
from voice.normalize_util import Rule, apply_rules, rule
from voice.sentences import split_sentences

_SYMBOL_RULES: list[Rule] = [
    rule(r"\s*&\s*", lambda m: " i "),
    rule(r"(?<!\S)\+(?!\S)", lambda m: "plus"),
    rule(r"~\s*", lambda m: "około "),
    rule(r"§\s*", lambda m: "paragraf "),
]
_RULES: list[Rule] = [
    *ADDRESS_RULES,
    *TIME_RULES,
    *QUANTITY_RULES,
    *ABBREV_RULES,
    *SPELLING_RULES,
    *_SYMBOL_RULES,
]

_SPACES = re.compile(r"[\s\u00a0\u2009\u202f]+")
_SPACE_BEFORE_PUNCT = re.compile(r"\s+([,.!?;:…])")


def normalize_for_speech(text: str) -> str:
    """Rewrite written Polish into the words a TTS voice should say; ordinary text is left as it is.

    Whitespace is collapsed; sentence punctuation is kept because the voice uses it for prosody.
    """
    text = _SPACES.sub(" ", text).strip()
    if not text:
        return ""
    text = apply_rules(text, _RULES)
    text = _SPACES.sub(" ", text).strip()
    return _SPACE_BEFORE_PUNCT.sub(r"\1", text)


def warm_up() -> None:
    """Load simplemma's Polish dictionary now (about 5 s, blocking) rather than on the first '2 paczki'.

    Gender agreement ('dwie paczki', 'jedna sztuka') looks the noun up; call this at start-up in a worker
    thread (the dialog engine's own warm-up loads the same dictionary, once per process).
    """
    gender_of("paczki")


def speech_sentences(text: str) -> list[str]:
    """Split, then normalise each sentence: the order the TTS stream should use."""
    spoken = (normalize_for_speech(s) for s in split_sentences(text))
    return [s for s in spoken if s]
