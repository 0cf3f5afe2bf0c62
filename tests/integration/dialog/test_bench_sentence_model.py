"""``infolinia bench dialog`` measures the sentence model the settings name: the domain splits are run with
that model's embedder (the toy ONNX model the tests write here), so an operator who switches
``INFOLINIA_EMBEDDING_MODEL`` measures the new model on the same frozen cases. Says nothing of quality."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import yaml

from dialog.domain_eval import bench_report
from dialog.embedder import Embedder
from dialog.embedder_models import SentenceModel
from tests.support.toy_sentence_model import write_toy_model

DATA = Path(__file__).resolve().parents[2] / "data"


class Counting:
    """The toy embedder, counting the sentences it is asked for."""

    def __init__(self, inner: Embedder) -> None:
        self.inner, self.model_id, self.seen = inner, inner.model_id, 0

    def queries(self, texts: Sequence[str]) -> np.ndarray:
        self.seen += len(texts)
        return self.inner.queries(texts)

    def passages(self, texts: Sequence[str]) -> np.ndarray:
        self.seen += len(texts)
        return self.inner.passages(texts)


async def test_the_dialog_bench_runs_the_domains_with_the_named_sentence_model(tmp_path: Path) -> None:
    domains = tmp_path / "domains.yaml"  # one domain; its tune split stands in for both (quick)
    tune = str(DATA / "domain_urzad_tune.yaml")
    urzad = {"name": "urzad", "kb": str(DATA / "domain_urzad_kb.yaml"), "splits": {"tune": tune, "frozen": tune}}
    domains.write_text(yaml.safe_dump({"domains": [urzad]}), encoding="utf-8")
    sentence = SentenceModel(str(write_toy_model(tmp_path / "toy")), tmp_path / "models")
    toy = Counting(sentence.load())
    report = await bench_report(domains, sentence=sentence, embedder=toy, vectors_dir=tmp_path / "vectors")
    assert report.startswith("urzad/tune:") and "urzad/frozen:" in report
    assert toy.seen > 50  # the KB's questions and every case went through the named model
    assert any((tmp_path / "vectors").iterdir())  # its vectors cached under its own model id
