"""Polish text normalisation for speech synthesis: written text in, what the voice should say out.

Piper (via espeak-ng) reads digits, abbreviations and addresses poorly in Polish and never declines
numbers, so the text is rewritten first: "19,99 zł" -> "dziewiętnaście złotych dziewięćdziesiąt
dziewięć groszy", "o 14:30" -> "o czternastej trzydzieści", "ul." -> "ulica", "PL" -> "pe el".

Order of use for streaming: ``split_sentences`` FIRST, on the written text, then ``normalize_for_speech``
on each sentence (or ``speech_sentences`` for both). Splitting first is more robust: abbreviation dots
("ul.", "nr", "godz.") and decimal commas are still recognisable, whereas after normalisation a kept
abbreviation dot and a full stop look alike. Each sentence carries all the context its numbers need.

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
from voice.normalize_util import UPPER, Rule, apply_rules, rule

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
_SENTENCE_END = re.compile(r"([.!?…]+)[\"»”')\]]*(?:\s+|$)|\n\s*\n")
_TOKEN_BEFORE = re.compile(r"(\S+)$")
# Abbreviations that never end a sentence: a following capital is a name ("ul. Długa"), not a new sentence.
_NEVER_FINAL = frozenset(
    {"ul.", "al.", "pl.", "os.", "nr.", "godz.", "tel.", "kom.", "np.", "tj.", "tzn.", "m.in.", "ds.", "pkt.",
     "wew.", "im.", "tzw.", "dr.", "prof.", "inż.", "mgr.", "woj.", "zob.", "św.", "pn.", "pon.", "wt.",
     "śr.", "czw.", "pt.", "sob.", "nd.", "ndz.", "niedz.", "nt.", "ew.", "min.", "dot.", "ws.", "poz.",
     "str.", "zał.", "sek.", "nr", "pkt", "dr", "mgr"}
)  # fmt: skip
_LIST_MARKER = re.compile(r"\d{1,2}")
_LOWER_START = re.compile(r"[a-ząćęłńóśźż(]")


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


def _is_sentence_end(text: str, start: int, m: re.Match[str]) -> bool:
    """Whether the punctuation at ``m`` closes a sentence begun at ``start``."""
    if not m.group(1):
        return True  # blank line
    if "." not in m.group(1) or len(m.group(1)) > 1:
        return True  # '!', '?', '...' always end a sentence
    following = text[m.end() : m.end() + 1]
    if _LOWER_START.match(following):
        return False  # '1. piętro', 'itd. oraz': the sentence goes on in lower case
    token = _TOKEN_BEFORE.search(text, start, m.start() + 1)
    word = token.group(1).lower() if token else ""
    if word in _NEVER_FINAL or word.rstrip(".") in _NEVER_FINAL:
        return False
    if word == "ok." and following.isdigit():
        return False  # 'ok. 14:00' is 'około', not 'okay.'; 'Wszystko ok. Dzięki' still splits
    if re.fullmatch(rf"[{UPPER}]\.", token.group(1) if token else ""):
        return False  # an initial: 'J. Kowalski'
    return not _LIST_MARKER.fullmatch(text[start : m.start()].strip())  # '1. Zaloguj się' is a list item


def split_sentences(text: str) -> list[str]:
    """Split written Polish into sentences for sentence-by-sentence synthesis.

    Splits after '.', '!', '?', '…' followed by whitespace, and at blank lines, but not after
    abbreviations that never end a sentence ('ul. Długa', 'godz. 8', 'nr 5'), initials, list markers,
    nor inside decimals and dates ('2,5', '25.11.2026'). Call it before ``normalize_for_speech``.
    """
    sentences: list[str] = []
    start = 0
    for m in _SENTENCE_END.finditer(text):
        if m.end() <= start or not _is_sentence_end(text, start, m):
            continue
        piece = _SPACES.sub(" ", text[start : m.end()]).strip()
        if piece:
            sentences.append(piece)
        start = m.end()
    tail = _SPACES.sub(" ", text[start:]).strip()
    if tail:
        sentences.append(tail)
    return sentences


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
