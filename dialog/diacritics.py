"""Polish letters put back into a message typed without them ("czy moge zaplacic przy odbiorze").

Why: many people write Polish chat messages with no diacritics at all. The lexical ranker and the word
cues fold diacritics already, but the sentence-embedding model reads "zaplacic" as other, rarer pieces
than "zapłacić", so such a message lands far from the KB's own questions and sometimes nearer to an
escalation prototype ("mam karte podarunkowa jak ja wykorzystac" was sent to the urgent queue; with the
letters back it is the gift-card question). The embedder therefore sees the restored text
(``RestoringEmbedder``); what the caller wrote is logged and shown as written.

Only a text without a single Polish letter is touched: whoever uses diacritics wrote what they meant.
Each word becomes, in order of trust: the KB's own spelling of it; the spelling from a short table of
frequent words whose plain form is another, rarer word ("sie", "juz"); the word as typed when the Polish
dictionary (simplemma's, loaded anyway for lemmas) knows it; else the known spelling with the fewest
letters changed; else the word as typed. Cost: under a millisecond for a typical message, about 6 ms at
most (only the words the embedding model reads are restored; dictionary lookups are cached).
"""

from __future__ import annotations

import functools
import itertools
import math
import re
from collections.abc import Iterable, Sequence

import numpy as np
import simplemma

from dialog.embedder import MAX_WORDS, Embedder
from dialog.kb import KnowledgeBase
from dialog.textnorm import strip_diacritics

_WORD = re.compile(r"[a-zA-Z]+")
_OPTIONS = {"a": "aą", "c": "cć", "e": "eę", "l": "lł", "n": "nń", "o": "oó", "s": "sś", "z": "zźż"}
VERSION = "pl-diacritics-1"  # part of the vector cache key: a changed table re-embeds the KB
_MAX_VARIANTS = 1024  # a longer word with many candidate letters is left as typed
# Plain spellings that are words of their own, but rare ones next to the word with diacritics.
_FREQUENT = {"sie": "się", "juz": "już", "dostane": "dostanę", "zona": "żona", "wplata": "wpłata",
             "oplata": "opłata", "prosze": "proszę", "moze": "może"}  # fmt: skip


@functools.lru_cache(maxsize=65536)
def _known(word: str) -> bool:
    return bool(simplemma.is_known(word, lang="pl"))  # ~2 ms for some unknown forms: cached


class Restorer:
    """Puts diacritics back into words typed without them, preferring the spellings of ``texts`` (the KB)."""

    def __init__(self, texts: Iterable[str] = ()) -> None:
        self._own: dict[str, str] = {}
        for text in texts:
            for word in re.findall(r"[^\W\d_]+", text.lower()):
                plain = strip_diacritics(word)
                if plain != word:
                    self._own.setdefault(plain, word)

    def restore(self, text: str) -> str:
        """``text`` with its words' diacritics restored; unchanged when it has any Polish letter. Only the
        first ``MAX_WORDS`` words (``dialog.embedder``: the embedding model reads no more of a message)."""
        if not text.isascii():  # a Polish letter (or any other accented one): written as meant
            return text
        cut = next((m.start() for i, m in enumerate(re.finditer(r"\S+", text)) if i == MAX_WORDS), len(text))
        return _WORD.sub(lambda m: self._word(m.group()), text[:cut]) + text[cut:]

    def _word(self, word: str) -> str:
        plain = word.lower()
        found = self._own.get(plain) or _FREQUENT.get(plain) or (None if _known(plain) else _spelled(plain))
        if found is None:
            return word
        return found[0].upper() + found[1:] if word[0].isupper() else found


@functools.lru_cache(maxsize=8192)
def _spelled(plain: str) -> str | None:
    """The dictionary's spelling of ``plain`` with the fewest letters given diacritics, if there is one."""
    pools = [_OPTIONS.get(ch, ch) for ch in plain]
    if math.prod(len(p) for p in pools) > _MAX_VARIANTS:  # Python ints: numpy's int64 product wraps to 0
        return None
    candidates = ("".join(letters) for letters in itertools.product(*pools))
    known = [c for c in candidates if c != plain and _known(c)]
    return min(known, key=lambda c: sum(a != b for a, b in zip(c, plain, strict=True))) if known else None


_PLAIN = Restorer()


def restoring(embedder: Embedder, kb: KnowledgeBase) -> RestoringEmbedder:
    """``embedder`` restoring callers' diacritics with ``kb``'s own spellings first."""
    return RestoringEmbedder(embedder, Restorer(t for e in kb.entries.values() for t in (*e.questions, e.answer)))


def _words(text: str) -> list[str]:
    return re.findall(r"[^\W\d_]{2,}", _PLAIN.restore(text).lower())


def new_known_words(text: str, reference: str, extra: frozenset[str] = frozenset()) -> set[str]:
    """Words of ``text`` that ``reference`` lacks and that are Polish words or in ``extra`` (the KB's names).
    Whisper's lower wordings often differ from the first only in another non-word ("snom" / "snam"): such a
    wording carries no meaning the first lacks, and scoring it would cost an embedding for nothing."""
    seen = set(_words(reference))
    return {w for w in _words(text) if w not in seen and (w in extra or _known(w))}


def known_share(text: str, extra: frozenset[str] = frozenset()) -> float:
    """Share of ``text``'s words (two letters or more) that are Polish words or in ``extra`` (the KB's names),
    diacritics restored first; 1.0 for a text without words. Garbled recognition ("w podach baseniej
    zapadzu") scores low: its meaning is noise, and ``dialog.engine_understand`` does not escalate on it."""
    words = _words(text)
    if not words:
        return 1.0
    return sum(1 for w in words if w in extra or _known(w)) / len(words)


class RestoringEmbedder:
    """An ``Embedder`` that restores diacritics in queries (callers' words) before the model reads them;
    passages (KB answers) and the vector cache's key are the wrapped model's."""

    def __init__(self, inner: Embedder, restorer: Restorer) -> None:
        self.inner = inner
        self.restorer = restorer
        self.model_id = f"{inner.model_id}+{VERSION}"  # cached vectors of restored texts are this version's

    def queries(self, texts: Sequence[str]) -> np.ndarray:
        return self.inner.queries([self.restorer.restore(t) for t in texts])

    def passages(self, texts: Sequence[str]) -> np.ndarray:
        return self.inner.passages(texts)

    def clear_cache(self) -> None:
        clear = getattr(self.inner, "clear_cache", None)
        if callable(clear):
            clear()
