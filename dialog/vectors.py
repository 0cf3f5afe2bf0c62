"""Sentence vectors of fixed texts (KB questions and answers, escalation prototypes), cached on disk.

Why: embedding a 25-entry KB costs seconds on two cores, start-up must not. The cache key is a hash of
the model id and of every text with its role, so an edited KB or another model never reuses stale
vectors; files are written atomically, and an unreadable file is simply rebuilt.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from dialog.embedder import Embedder

log = logging.getLogger(__name__)


def cache_key(model_id: str, queries: Sequence[str], passages: Sequence[str]) -> str:
    """Hex digest identifying these texts under this model."""
    h = hashlib.sha256(model_id.encode())
    for role, texts in (("q", queries), ("p", passages)):
        for text in texts:
            h.update(f"\x00{role}\x00{text}".encode())
    return h.hexdigest()[:24]


def embed_cached(
    embedder: Embedder, queries: Sequence[str], passages: Sequence[str], cache_dir: Path | None, name: str
) -> tuple[np.ndarray, np.ndarray]:
    """(query vectors, passage vectors), from ``cache_dir`` when present, else embedded and stored there."""
    path = None
    if cache_dir is not None:
        path = cache_dir / f"{name}-{cache_key(embedder.model_id, queries, passages)}.npz"
        if path.exists():
            try:
                with np.load(path) as data:
                    q, p = data["q"], data["p"]
                if len(q) == len(queries) and len(p) == len(passages):
                    return q, p
            except (OSError, ValueError, KeyError):
                log.warning("vector cache %s unreadable; rebuilding it", path)
    dim = 0
    q = embedder.queries(list(queries)) if queries else np.zeros((0, dim), np.float32)
    p = embedder.passages(list(passages)) if passages else np.zeros((0, q.shape[1] if len(q) else 0), np.float32)
    if path is not None:
        _save(path, q, p)
    return q, p


def _save(path: Path, q: np.ndarray, p: np.ndarray) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        with os.fdopen(fd, "wb") as fh:
            np.savez(fh, q=q, p=p)
        os.replace(tmp, path)
    except OSError as exc:  # a read-only cache is a slower start, not a failure
        log.warning("cannot write vector cache %s: %s", path, exc)
