"""THE Polish sentence splitter: whole texts and text arriving in pieces, with one list of abbreviations.

Why one: a sentence is the unit of everything downstream of the dialog. Playout sends one mark per
sentence, the pre-render cache is keyed by sentence, Piper renders sentence by sentence and the Wyoming
server speaks streamed text as sentences close. If two of them cut "ul. Długa 5." differently, a cached
first sentence is never found and the heard transcript disagrees with what was rendered.

Why our own and not ``sentence-stream`` (wyoming-piper's splitter, Apache-2.0): it cannot be given
abbreviations, treats any capitalised word of up to three letters as one (so "Nie. Paczka dotarła."
stays one sentence), cuts "1. Zaloguj się." after the list number and removes asterisks from the text.

Rules: a sentence ends at '.', '!', '?', '…' (closing quotes/brackets included) followed by whitespace,
and at a blank line, but not after an abbreviation that never ends a sentence (``NOT_FINAL``: "ul.
Długa", "godz. 8", "nr 5"), an initial ("J. Kowalski"), a list number ("1. Zaloguj"), nor before a
lower-case word ("itd. oraz"); "ok." before a number is "około". Dots inside dates and decimals
("12.05.2026", "2.5") have no whitespace after them, so they never split. Whitespace is collapsed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

UPPER = "A-ZĄĆĘŁŃÓŚŹŻ"

# THE abbreviations after which a sentence never ends (lower case, as written, with their dot if any).
# voice.normalize_abbrev keeps an expanded abbreviation's dot as a full stop only for words not listed.
NOT_FINAL = frozenset(
    {"ul.", "al.", "pl.", "os.", "nr", "nr.", "godz.", "tel.", "kom.", "np.", "tj.", "tzn.", "m.in.", "ds.",
     "pkt", "pkt.", "wew.", "im.", "tzw.", "dr", "dr.", "prof.", "inż.", "mgr", "mgr.", "woj.", "zob.", "św.",
     "pn.", "pon.", "wt.", "śr.", "czw.", "pt.", "sob.", "nd.", "ndz.", "niedz.", "nt.", "ew.", "min.", "dot.",
     "ws.", "poz.", "str.", "zał.", "sek.", "wg", "wg."}
)  # fmt: skip

_SPACES = re.compile(r"[\s\u00a0\u2009\u202f]+")
_END = re.compile(r"([.!?…]+)[\"»”')\]]*(?:\s+|$)|\n\s*\n")
_TOKEN_BEFORE = re.compile(r"(\S+)$")
_LIST_MARKER = re.compile(r"\d{1,2}")
_LOWER_START = re.compile(r"[a-ząćęłńóśźż(]")
_INITIAL = re.compile(rf"[{UPPER}]\.")


def _closes(text: str, start: int, m: re.Match[str]) -> bool:
    """Whether the end mark at ``m`` closes the sentence begun at ``start`` (the next character is known)."""
    if not m.group(1):
        return True  # blank line
    if "." not in m.group(1) or len(m.group(1)) > 1:
        return True  # '!', '?', '...' always end a sentence
    following = text[m.end() : m.end() + 1]
    if _LOWER_START.match(following):
        return False  # '1. piętro', 'itd. oraz': the sentence goes on in lower case
    token = _TOKEN_BEFORE.search(text, start, m.start() + 1)
    word = token.group(1) if token else ""
    if word.lower() in NOT_FINAL or word.lower().rstrip(".") in NOT_FINAL:
        return False
    if word.lower() == "ok." and following.isdigit():
        return False  # 'ok. 14:00' is 'około', not 'okay.'; 'Wszystko ok. Dzięki' still splits
    if _INITIAL.fullmatch(word):
        return False  # an initial: 'J. Kowalski'
    return not _LIST_MARKER.fullmatch(text[start : m.start()].strip())  # '1. Zaloguj się' is a list item


def _clean(piece: str) -> str:
    return _SPACES.sub(" ", piece).strip()


class SentenceStream:
    """Cuts text arriving in arbitrary pieces (an LLM's deltas, Wyoming's ``synthesize-chunk``) into sentences.

    ``feed`` returns the sentences that closed: an end mark followed by whitespace and the next character
    (which decides "itd. oraz" vs "itd. Potem"). ``flush`` returns the rest once the text is complete.
    """

    def __init__(self) -> None:
        self._buffer = ""

    def feed(self, text: str) -> list[str]:
        self._buffer += text
        sentences: list[str] = []
        start, pos = 0, 0
        while (m := _END.search(self._buffer, pos)) is not None and m.end() < len(self._buffer):
            pos = m.end()
            if _closes(self._buffer, start, m):
                if sentence := _clean(self._buffer[start : m.end()]):
                    sentences.append(sentence)
                start = m.end()
        self._buffer = self._buffer[start:]
        return sentences

    def flush(self) -> str:
        """The text not returned yet, as one sentence ('' when none): call when no more text will come."""
        rest, self._buffer = _clean(self._buffer), ""
        return rest


def split_sentences(text: str) -> list[str]:
    """A whole text's sentences, cut exactly as ``SentenceStream`` cuts the same text in pieces."""
    stream = SentenceStream()
    sentences = stream.feed(text)
    rest = stream.flush()
    return [*sentences, rest] if rest else sentences


# Clauses: where a sentence may be cut for speech without changing how it sounds (a short pause).
# After clause punctuation followed by whitespace ("12,50" and "14:00" have none), or a spaced hyphen.
_CLAUSE_END = re.compile(r"(?<=[,;:–—])\s+|(?<=\s-)\s+")
# Before a coordinating conjunction: the weaker boundary, used only where no punctuation gives one
# ("Zamówienie numer ... zostało przyjęte | i czeka na płatność.").
_CONJUNCTION = re.compile(r"\s+(?=(?:i|oraz|ale|lecz)\s)")


def split_clauses(sentence: str) -> list[str]:
    """A sentence's clauses, cut after clause punctuation (',', ';', ':', '–', '—', ' - ') and whitespace.

    Why here: the synthesizer cuts long sentences and the first clause of a reply with this one rule,
    next to the sentence rule, so a clause never straddles what ``split_sentences`` calls a sentence.
    """
    return [c for c in _CLAUSE_END.split(_clean(sentence)) if c]


def cut_opening(sentence: str, openings: Iterable[str]) -> tuple[str, str]:
    """``(opening, rest)``: the sentence cut after the longest of ``openings`` it starts with (whole words,
    more words after it); ``("", sentence)`` when none fits.

    Why: a reply built from a template ("Zamówienie numer 48213 zostało wysłane.") starts with fixed words
    whose audio can be ready before the reply exists; they play while the rest is rendered.
    """
    text = _clean(sentence)
    for opening in sorted(openings, key=len, reverse=True):
        if opening and text.startswith(opening) and text[len(opening) : len(opening) + 1].isspace():
            rest = text[len(opening) :].strip()
            if rest:
                return opening, rest
    return "", text


def first_clause(sentence: str, min_chars: int = 12, max_rest_ratio: float = 3.0) -> tuple[str, str]:
    """``(head, rest)``: the sentence cut at its first clause boundary that leaves both parts ``min_chars``
    long and the rest at most ``max_rest_ratio`` times the head; ``rest`` is '' when it stays whole.

    Why: a caller waits for the first audio, and a synthesizer renders a piece whole before any of it
    plays; a first clause renders in a fraction of its sentence's time. Punctuation boundaries come
    first; a sentence without one may be cut before "i", "oraz", "ale", "lecz". A part shorter than
    ``min_chars`` sounds clipped ("Tak," alone), and the rest must be rendered while the head plays:
    at most 3x its length leaves no gap unless synthesis runs slower than a third of real time.
    """
    text = _clean(sentence)
    for rule in (_CLAUSE_END, _CONJUNCTION):
        for m in rule.finditer(text):
            head, rest = text[: m.start()], text[m.end() :]
            if min(len(head), len(rest)) >= min_chars and len(rest) <= max_rest_ratio * len(head):
                return head, rest
    return text, ""
