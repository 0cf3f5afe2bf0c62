"""A tiny but real ONNX sentence model for tests of ``dialog.embedder_onnx`` (no network, no large file).

Why this shape: a bag of word embeddings (``Gather`` of a small table, output [batch, tokens, dim]) plus a
token-type table whose row 1 is huge, so a test can compute the expected vector by hand (mean of the real
tokens' rows, normalised) and would see at once padding counted in the mean or token types fed as ones.
The tokenizer is a ``tokenizers`` WordLevel one with a handful of Polish words (lowercased, split on
whitespace and punctuation, so "query:" is the tokens "query" and ":").
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper
from tokenizers import Tokenizer, models, normalizers, pre_tokenizers

WORDS = ["[PAD]", "[UNK]", "query", "passage", ":", "ile", "kosztuje", "dostawa", "jak", "długo", "trwa"]
WORDS += ["zwrot", "towaru", "gdzie", "jest", "moja", "paczka", "reklamacja", "chcę", "zwrócić", "buty", "?"]
VOCAB = {w: i for i, w in enumerate(WORDS)}
DIM = 8


def table(seed: int) -> np.ndarray:
    """The word embedding table the model of this seed holds ([PAD] too: padding must not count)."""
    return np.random.default_rng(seed).normal(size=(len(WORDS), DIM)).astype(np.float32)


def expected(tokens: list[str], seed: int = 0) -> np.ndarray:
    """What a correct adapter returns for these tokens: their rows' mean, L2-normalised."""
    mean = table(seed)[[VOCAB[t] for t in tokens]].mean(axis=0)
    return (mean / np.linalg.norm(mean)).astype(np.float32)


def write_toy_model(
    folder: Path, seed: int = 0, nested: bool = False, sentence_output: bool = False, extra_input: str = ""
) -> Path:
    """Write ``model.onnx`` (or ``onnx/model.onnx``) and ``tokenizer.json`` into ``folder``; returns it.
    ``sentence_output``: a second output ``sentence_embedding`` (the tokens' *max*, so a test sees which
    output was read); ``extra_input``: one more graph input, of a kind the adapter cannot feed."""
    graph_path = folder / "onnx" / "model.onnx" if nested else folder / "model.onnx"
    graph_path.parent.mkdir(parents=True, exist_ok=True)
    model = helper.make_model(_graph(seed, sentence_output, extra_input), opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 9  # what every onnxruntime since 1.15 reads
    onnx.checker.check_model(model)
    onnx.save(model, str(graph_path))
    tokenizer = Tokenizer(models.WordLevel(VOCAB, unk_token="[UNK]"))
    tokenizer.normalizer = normalizers.Lowercase()
    tokenizer.pre_tokenizer = pre_tokenizers.Whitespace()
    tokenizer.save(str(folder / "tokenizer.json"))
    return folder


def _graph(seed: int, sentence_output: bool, extra_input: str) -> onnx.GraphProto:
    types = np.zeros((2, DIM), np.float32)
    types[1] = 100.0  # token type 1 would swamp every vector
    dims = ["batch", "tokens"]
    nodes = [
        helper.make_node("Gather", ["words", "input_ids"], ["w"]),
        helper.make_node("Gather", ["types", "token_type_ids"], ["t"]),
        helper.make_node("Add", ["w", "t"], ["last_hidden_state"]),
    ]
    outputs = [helper.make_tensor_value_info("last_hidden_state", TensorProto.FLOAT, [*dims, DIM])]
    if sentence_output:
        nodes.append(helper.make_node("ReduceMax", ["last_hidden_state"], ["sentence_embedding"], axes=[1], keepdims=0))
        outputs.append(helper.make_tensor_value_info("sentence_embedding", TensorProto.FLOAT, ["batch", DIM]))
    names = ["input_ids", "token_type_ids", "attention_mask", *([extra_input] if extra_input else [])]
    return helper.make_graph(
        nodes,
        "toy",
        [helper.make_tensor_value_info(n, TensorProto.INT64, dims) for n in names],
        outputs,
        [numpy_helper.from_array(table(seed), "words"), numpy_helper.from_array(types, "types")],
    )
