"""Retrieval by words *and* by meaning, with one calibrated confidence (the engine's KB port).

Why both: the lexical ranker (``dialog.kb``: lemmas, BM25, fuzzy) is precise on the KB's own vocabulary
and robust to ASR misspellings of it; the sentence embedding (``dialog.embedder``) connects paraphrases
with no word in common ("net muli" ~ "internet działa wolno"). Per entry:

* ``lex`` — the lexical blend, 0..1;
* ``sem`` — the mean of three cosines: to the closest example question and to all of them on average
  (query-query: both are things callers say) and to the answer (query-passage). Measured on the tune data
  this beat the closest question alone (top-1 201 against 193 of 219), since an entry that several
  questions support is a safer bet than one lucky near-duplicate.

Entries are ranked by ``lex + sem_weight * sem``. The confidence of the best entry is a logistic function
of features that do not depend on the KB's size or domain (its ``sem`` and ``lex``, and how far each is
ahead of the runner-up), fitted on labelled data by ``dialog.calibrate`` and stored in
``dialog/data/retrieval_calibration.json`` with the answer/confirm thresholds chosen on that data. Out-of-
domain questions get a low confidence because nothing is *both* close in meaning and ahead of the rest.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from importlib import resources
from pathlib import Path

import numpy as np

from dialog.embedder import Embedder
from dialog.kb import KBMatch, KnowledgeBase
from dialog.vectors import embed_cached

FEATURES = ("sem", "sem_gap", "sem_rel", "lex", "lex_gap")


@dataclass(frozen=True)
class Calibration:
    """Fitted ranking weight, logistic coefficients (over ``FEATURES``) and decision thresholds."""

    sem_weight: float
    coef: tuple[float, ...]
    bias: float
    answer: float  # confidence at or above: answer
    confirm: float  # between confirm and answer: "czy chodzi o ...?"
    # between suggest and confirm: after a miss, the two best entries are offered ("czy chodzi o A, czy o B?");
    # a calibration file without it (older, or an operator's own) offers nothing: suggest = confirm
    suggest: float | None = None

    @property
    def suggest_floor(self) -> float:
        return self.confirm if self.suggest is None else min(self.suggest, self.confirm)

    def confidence(self, features: np.ndarray) -> float:
        z = float(np.dot(np.asarray(self.coef), features) + self.bias)
        return 1.0 / (1.0 + np.exp(-z))

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(asdict(self), indent=2) + "\n", encoding="utf-8")


def load_calibration(path: Path | None = None) -> Calibration:
    """The calibration shipped with the package (or one written by ``python -m dialog.calibrate``)."""
    source = path or Path(str(resources.files("dialog") / "data" / "retrieval_calibration.json"))
    raw = json.loads(source.read_text(encoding="utf-8"))
    return Calibration(
        raw["sem_weight"], tuple(raw["coef"]), raw["bias"], raw["answer"], raw["confirm"], raw.get("suggest")
    )


@dataclass(frozen=True)
class Scored:
    """Everything the decision looks at for one utterance (exposed for calibration and tests)."""

    lex: np.ndarray
    sem: np.ndarray
    order: np.ndarray  # entry indexes, best first

    def with_order(self, sem_weight: float) -> Scored:
        """The same scores ranked with another weight of meaning (calibration tries several)."""
        return Scored(self.lex, self.sem, np.argsort(-(self.lex + sem_weight * self.sem), kind="stable"))

    def features(self, sem_weight: float, rank: int = 0) -> np.ndarray:
        """``FEATURES`` of the entry at ``rank``, against the best of the others."""
        i = int(self.order[rank])
        others = np.delete(np.arange(len(self.lex)), i)
        if len(others) == 0:
            return np.array([self.sem[i], 0.1, 0.1, self.lex[i], self.lex[i]])
        sem_others = self.sem[others]
        return np.array(
            [
                self.sem[i],
                self.sem[i] - sem_others.max(),
                self.sem[i] - sem_others.mean(),  # short queries are close to everything: relative closeness
                self.lex[i],
                self.lex[i] - self.lex[others].max(),
            ]
        )


class HybridKB:
    """Implements ``KnowledgeBaseSearch`` over a lexical ``KnowledgeBase`` plus sentence vectors."""

    def __init__(
        self, lexical: KnowledgeBase, embedder: Embedder, calibration: Calibration, cache_dir: Path | None = None
    ) -> None:
        self.lexical = lexical
        self.embedder = embedder
        self.calibration = calibration
        self.entries = lexical.entries
        ids = list(self.entries)
        questions = [q for e in self.entries.values() for q in e.questions]
        self._owner = np.asarray([i for i, e in enumerate(self.entries.values()) for _ in e.questions])
        answers = [e.answer for e in self.entries.values()]
        self._q_vecs, self._a_vecs = embed_cached(embedder, questions, answers, cache_dir, "kb")
        self._ids = ids
        self._per_entry = np.bincount(self._owner, minlength=len(ids)).astype(float)
        self._last: tuple[str, Scored] | None = None

    @property
    def answer_threshold(self) -> float:
        return self.calibration.answer

    @property
    def confirm_threshold(self) -> float:
        return self.calibration.confirm

    @property
    def suggest_threshold(self) -> float:
        return self.calibration.suggest_floor

    def vocabulary(self) -> list[str]:
        return self.lexical.vocabulary()

    def embed(self, text: str) -> np.ndarray:
        """The caller's words as a query vector (cached by the embedder: escalation reuses it)."""
        return self.embedder.queries([text])[0]

    def score(self, text: str) -> Scored:
        """Lexical and semantic scores of every entry, and the combined ranking. The last result is kept:
        one turn asks for the same text up to three times (escalation guard, KB step, n-best)."""
        last = self._last
        if last is not None and last[0] == text:
            return last[1]
        scored = self._score(text)
        self._last = (text, scored)
        return scored

    def _score(self, text: str) -> Scored:
        lex = self.lexical.lexical_scores(text)
        vec = self.embed(text)
        sims = self._q_vecs @ vec
        best = np.full(len(self._ids), -1.0)
        np.maximum.at(best, self._owner, sims)
        mean = np.bincount(self._owner, weights=sims, minlength=len(self._ids)) / self._per_entry
        sem = (best + mean + self._a_vecs @ vec) / 3.0
        order = np.argsort(-(lex + self.calibration.sem_weight * sem), kind="stable")
        return Scored(lex, sem, order)

    def forget(self) -> None:
        """Drop cached query vectors and the last scores (benchmarks: each case pays its own embedding)."""
        self._last = None
        clear = getattr(self.embedder, "clear_cache", None)
        if callable(clear):
            clear()

    def search(self, text: str, k: int = 3) -> list[KBMatch]:
        """Best entries first; ``confidence`` is P(right entry) as calibrated."""
        if not text.strip() or k <= 0:
            return []
        return self._matches(self.score(text), k)

    def search_in_context(self, text: str, context: str, k: int = 3) -> list[KBMatch]:
        """A follow-up ("a ile to kosztuje?") scored half on its own words, half together with the previous
        topic: the topic says *what* it is about, the follow-up which *aspect* is asked for."""
        alone, together = self.score(text), self.score(f"{context} {text}")
        lex, sem = (alone.lex + together.lex) / 2, (alone.sem + together.sem) / 2
        order = np.argsort(-(lex + self.calibration.sem_weight * sem), kind="stable")
        return self._matches(Scored(lex, sem, order), k)

    def _matches(self, scored: Scored, k: int) -> list[KBMatch]:
        out: list[KBMatch] = []
        for rank, i in enumerate(scored.order[:k]):
            entry_id = self._ids[int(i)]
            conf = self.calibration.confidence(scored.features(self.calibration.sem_weight, rank))
            raw = float(scored.lex[i] + self.calibration.sem_weight * scored.sem[i])
            out.append(KBMatch(entry_id, self.entries[entry_id].answer, round(raw, 4), round(conf, 4)))
        return out

    def best_similarity(self, text: str) -> float:
        """How close the caller's words are to *any* KB question (escalation compares against it)."""
        return float((self._q_vecs @ self.embed(text)).max())
