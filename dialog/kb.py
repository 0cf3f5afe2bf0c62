"""The knowledge base: a YAML list of question/answer entries, validated at load, searched per caller turn.

Retrieval is tuned for Polish as speech recognition writes it: inflected ("zamówieniu"), without Polish
letters ("zamowienie"), misheard ("chasło", "paczkomad"), split ("pacz komat") or with words missing. Each
query word becomes a diacritics-free lemma; a word the KB lacks is mapped to the KB word that sounds the
same or, failing that, the closest one (rapidfuzz). Entries are ranked by a blend of three signals, all
computed from the KB itself (nothing about its content is hard-coded):

* coverage: the IDF-weighted share of the query's words the entry contains. Words the KB has never seen
  count fully against it: this is what separates "jaka jutro będzie pogoda" from real questions;
* fuzzy: rapidfuzz partial_ratio of the normalised query to the entry's closest question;
* bm25 (bm25s over the lemmas of every question and, at half weight, the answer), relative to the best
  entry: it orders entries that cover the query equally.

``confidence`` = P(the query is answerable at all), a logistic on the entry's blend, times P(this entry
rather than another), a softmax over all entries' blends. The second factor is what keeps one-word or
ambiguous queries ("dostawa") below the answer threshold. Constants were fitted on
tests/data/dialog_eval_kb.yaml; every feature is a share in 0..1, so they carry over to other KBs.

The file format and its validation (``KBEntry``, ``KBError``, ``load_entries``) are in ``dialog/kb_entries.py``
and re-exported here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable

import bm25s
import numpy as np
from rapidfuzz import fuzz, process

from dialog import textnorm
from dialog.kb_entries import KBEntry, KBError, load_entries

__all__ = [
    "ANSWER_THRESHOLD",
    "CLARIFY_THRESHOLD",
    "KBEntry",
    "KBError",
    "KBMatch",
    "KnowledgeBase",
    "KnowledgeBaseSearch",
    "load_entries",
    "load_kb",
]

# At or above: answer directly. Between CLARIFY and ANSWER: ask the caller to rephrase or confirm the topic.
# Below CLARIFY: not understood. Measured on tests/data/dialog_eval_kb.yaml (see tests/test_kb.py).
ANSWER_THRESHOLD = 0.65
CLARIFY_THRESHOLD = 0.25

_ANSWER_DOC_WEIGHT = 0.5  # answers describe the topic less directly than the questions callers ask
_FUZZY_TOKEN_CUTOFF = 82.0  # rapidfuzz ratio for mapping an unknown query word to a KB word
_FUZZY_MIN_LEN = 4  # shorter words are too easily confused ("rata" / "data")
_FUZZY_FLOOR = 0.5  # partial_ratio of unrelated sentences
_W_COVERAGE, _W_FUZZY, _W_BM25 = 0.5, 0.35, 0.15
# Calibration (see _confidence), fitted by log-loss on the eval set with the midpoint held at >= 0.3 so a
# small KB, where few entries compete, still rejects barely covered queries.
_CONF_SLOPE, _CONF_MIDPOINT, _CONF_TEMPERATURE = 12.5, 0.3, 0.05


@dataclass(frozen=True)
class KBMatch:
    """One candidate answer; ``confidence`` is comparable with the module's thresholds, ``score`` is raw."""

    entry_id: str
    answer: str
    score: float
    confidence: float


@runtime_checkable
class KnowledgeBaseSearch(Protocol):
    """What the dialog engine needs from a knowledge base."""

    def search(self, text: str, k: int = 3) -> list[KBMatch]: ...

    def vocabulary(self) -> list[str]: ...


@dataclass(frozen=True)
class _Token:
    lemma: str
    weight: float  # 1 for a known word; for a fuzzy-mapped one its similarity squared (a guess counts less)


class KnowledgeBase:
    """Entries plus the indexes built once at load; ``search`` is pure CPU work, a few milliseconds."""

    answer_threshold = ANSWER_THRESHOLD  # the bands this ranker's confidence was calibrated for
    confirm_threshold = CLARIFY_THRESHOLD

    def __init__(self, entries: list[KBEntry]) -> None:
        if not entries:
            raise KBError("a knowledge base needs at least one entry")
        self.entries: dict[str, KBEntry] = {e.id: e for e in entries}
        self._order = list(self.entries)
        self._surface: dict[str, str] = {}  # diacritics-free word form -> lemma, from the KB's own text
        q_lemmas = [[self._analyse(q) for q in e.questions] for e in entries]
        a_lemmas = [self._analyse(e.answer) for e in entries]
        self._q_sets = [{t for q in qs for t in q} for qs in q_lemmas]
        self._a_sets = [set(a) for a in a_lemmas]
        self._q_norm = [textnorm.normalize(q) for e in entries for q in e.questions]
        self._q_owner = np.asarray([i for i, e in enumerate(entries) for _ in e.questions])
        self._idf = self._entry_idf()
        self._credit = self._credit_vectors()
        self._unknown_idf = math.log(1.0 + (len(entries) + 0.5) / 0.5)
        # Spelling-blind forms ("chaslo" = "haslo") -> lemma, and grouped by first letter for fuzzy lookup:
        # recognizers rarely mishear a word's onset, and the grouping keeps the lookup fast.
        self._sound: dict[str, str] = {}
        for word, lemma in sorted({**{w: w for w in self._idf}, **self._surface}.items()):
            self._sound.setdefault(textnorm.sound(word), lemma)
        self._lookup: dict[str, list[str]] = {}
        for key in sorted(self._sound):
            self._lookup.setdefault(key[0], []).append(key)
        self._doc_entry, self._doc_weight, self._bm25 = self._bm25_index(q_lemmas, a_lemmas)
        self._hotwords = textnorm.hotwords([". ".join([*e.questions, e.answer]) for e in entries])

    # ------------------------------------------------------------------ public
    def search(self, text: str, k: int = 3) -> list[KBMatch]:
        """Best entries for a caller's utterance, best first; empty when nothing in it is known."""
        blend = self._blend(text)
        if blend is None or k <= 0:
            return []
        order = np.argsort(-blend, kind="stable")[:k]
        confidence = _confidence(blend)
        return [
            KBMatch(e.id, e.answer, round(float(blend[i]), 4), round(float(confidence[i]), 4))
            for i in order
            for e in [self.entries[self._order[i]]]
        ]

    def _blend(self, text: str) -> np.ndarray | None:
        """Per-entry score in 0..1: coverage, fuzzy similarity and relative BM25; None for no content."""
        tokens = self._query_tokens(text)
        if not tokens:
            return None
        bm25 = self._bm25_scores([t.lemma for t in tokens])
        top = float(bm25.max())
        bm25_rel = bm25 / top if top > 0 else bm25
        fuzzy = self._fuzzy(textnorm.normalize(text))
        return _W_COVERAGE * self._coverage(tokens) + _W_FUZZY * fuzzy + _W_BM25 * bm25_rel

    def lexical_scores(self, text: str) -> np.ndarray:
        """Per-entry lexical score in 0..1 (file order), zeros when nothing in ``text`` is known."""
        blend = self._blend(text)
        return np.zeros(len(self._order)) if blend is None else blend

    def vocabulary(self) -> list[str]:
        """Domain words for the recognizer's hotwords: names and rare KB words, most distinctive first."""
        return list(self._hotwords)

    # ------------------------------------------------------------------ indexing
    def _analyse(self, text: str) -> list[str]:
        """Content lemmas of KB text; remembers each word form so diacritics-free queries find the lemma."""
        out = []
        for word in textnorm.words(text):
            lemma = textnorm.lemma(word)
            if textnorm.is_stopword(word) or lemma in textnorm.STOPWORDS:
                continue
            self._surface.setdefault(textnorm.strip_diacritics(word), lemma)
            out.append(lemma)
        return out

    def _entry_idf(self) -> dict[str, float]:
        """IDF over entries (not questions), so a word repeated in one entry's questions stays distinctive."""
        n = len(self._order)
        df: dict[str, int] = {}
        for qs, a in zip(self._q_sets, self._a_sets, strict=True):
            for t in qs | a:
                df[t] = df.get(t, 0) + 1
        return {t: math.log(1.0 + (n - c + 0.5) / (c + 0.5)) for t, c in df.items()}

    def _credit_vectors(self) -> dict[str, np.ndarray]:
        """Per lemma: 1 for entries whose questions use it, 0.5 where only the answer does, else 0."""
        credit: dict[str, np.ndarray] = {}
        for i, (qs, a) in enumerate(zip(self._q_sets, self._a_sets, strict=True)):
            for t in qs | a:
                vec = credit.setdefault(t, np.zeros(len(self._order)))
                vec[i] = 1.0 if t in qs else _ANSWER_DOC_WEIGHT
        return credit

    @staticmethod
    def _bm25_index(
        q_lemmas: list[list[list[str]]], a_lemmas: list[list[str]]
    ) -> tuple[np.ndarray, np.ndarray, bm25s.BM25]:
        """One BM25 document per question and per answer; arrays map documents back to entries."""
        docs: list[list[str]] = []
        owner: list[int] = []
        weight: list[float] = []
        for i, (qs, a) in enumerate(zip(q_lemmas, a_lemmas, strict=True)):
            for q in [*qs, a]:
                docs.append(q or ["_"])
                owner.append(i)
                weight.append(1.0)
            weight[-1] = _ANSWER_DOC_WEIGHT
        index = bm25s.BM25()
        index.index(docs, show_progress=False)
        return np.asarray(owner), np.asarray(weight, dtype=np.float32), index

    # ------------------------------------------------------------------ query side
    def _query_tokens(self, text: str) -> list[_Token]:
        """Query words -> KB lemmas: re-join split words, lemmatise, repair lost diacritics, fuzzy-map."""
        raw = textnorm.words(text)
        tokens: list[_Token] = []
        i = 0
        while i < len(raw):
            if i + 1 < len(raw) and self._known(raw[i] + raw[i + 1]):  # ASR split "pacz komat", "pay po"
                word, i = raw[i] + raw[i + 1], i + 2
            else:
                word, i = raw[i], i + 1
            if textnorm.is_stopword(word):
                continue
            token = self._resolve(word) or _Token(textnorm.lemma(word), 1.0)
            if token.lemma not in textnorm.STOPWORDS:
                tokens.append(token)
        return tokens

    def _known(self, word: str) -> bool:
        """The KB has this very word (any inflection, with or without Polish letters)."""
        return textnorm.lemma(word) in self._idf or textnorm.strip_diacritics(word) in self._surface

    def _resolve(self, word: str) -> _Token | None:
        """The KB lemma a query word stands for, or None when the KB has no such word."""
        lemma = textnorm.lemma(word)
        if lemma in self._idf:
            return _Token(lemma, 1.0)
        plain = textnorm.strip_diacritics(word)
        if plain in self._surface:
            return _Token(self._surface[plain], 1.0)
        sound = textnorm.sound(word)
        if sound in self._sound:
            return _Token(self._sound[sound], 1.0)
        if len(sound) < _FUZZY_MIN_LEN:
            return None
        candidates = self._lookup.get(sound[0], [])
        best = process.extractOne(sound, candidates, scorer=fuzz.ratio, score_cutoff=_FUZZY_TOKEN_CUTOFF)
        if best is None:
            return None
        return _Token(self._sound[best[0]], (best[1] / 100.0) ** 2)

    # ------------------------------------------------------------------ scoring
    def _coverage(self, tokens: list[_Token]) -> np.ndarray:
        """IDF-weighted share of the query each entry explains (answer-only words count half)."""
        out = np.zeros(len(self._order))
        total = 0.0
        for t in tokens:
            idf = self._idf.get(t.lemma, self._unknown_idf)
            total += idf
            credit = self._credit.get(t.lemma)
            if credit is not None:
                out += (idf * t.weight) * credit
        return out / total

    def _fuzzy(self, query: str) -> np.ndarray:
        """Best partial_ratio of the normalised query to each entry's questions, rescaled to 0..1.

        Character-level similarity survives what the token path cannot (a word split or glued oddly,
        a heavily misheard word). Unrelated Polish sentences already score about 50, hence the rescale.
        """
        sims = process.cdist([query], self._q_norm, scorer=fuzz.partial_ratio, dtype=np.float32)[0]
        out = np.zeros(len(self._order))
        np.maximum.at(out, self._q_owner, sims)
        return np.clip((out / 100.0 - _FUZZY_FLOOR) / (1.0 - _FUZZY_FLOOR), 0.0, 1.0)

    def _bm25_scores(self, lemmas: list[str]) -> np.ndarray:
        """Per entry: max BM25 over its questions and (down-weighted) answer."""
        doc_scores = self._bm25.get_scores(lemmas) * self._doc_weight
        out = np.zeros(len(self._order))
        np.maximum.at(out, self._doc_entry, doc_scores)
        return out


def _confidence(blend: np.ndarray) -> np.ndarray:
    """P(entry is the right answer) = P(the query is answerable | score) x P(this entry | answerable).

    The first factor is a logistic on the entry's own score: it rejects queries the KB barely covers,
    whatever the KB's size. The second is a softmax over all entries' scores: when two entries fit
    equally well ("gwarancji"), each gets at most half, so the engine asks instead of guessing.
    """
    answerable = 1.0 / (1.0 + np.exp(-_CONF_SLOPE * (blend - _CONF_MIDPOINT)))
    share = np.exp((blend - blend.max()) / _CONF_TEMPERATURE)
    return answerable * share / share.sum()


def load_kb(path: str | Path) -> KnowledgeBase:
    """Read, validate and index a KB file; raises KBError naming the file and the faulty entry."""
    return KnowledgeBase(load_entries(Path(path)))
