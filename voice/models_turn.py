"""Getting the Smart Turn v3.2 end-of-turn model into ``models_dir/turn/`` (``infolinia models prepare``).

Why from the ``pipecat-ai`` wheel: that is where Daily publishes the CPU export (BSD-2-Clause), and PyPI is
the one registry a fresh install can reach. Installing pipecat-ai would pull a whole framework for an 8.7 MB
file, so the wheel is only downloaded (``pip download --no-deps``, pinned) and just the .onnx and its licence
are extracted, checked against a pinned sha256. A pipecat-ai already installed is used without any download.
Start-up never reaches the network: a missing file is a ``ModelNotAvailable`` naming the command.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import tempfile
import zipfile
from importlib import resources
from pathlib import Path

from voice.model_paths import DownloadError, ModelNotAvailable

PIPECAT_VERSION = "1.14.0"
SMART_TURN_FILE = "smart-turn-v3.2-cpu.onnx"
SMART_TURN_SHA256 = "2bb026316b14a660486a75b1733cd3fbab8c2fd0314dc9af7be49f8cca967e4f"
_MEMBER = f"pipecat/audio/turn/smart_turn/data/{SMART_TURN_FILE}"
_LICENCE = f"pipecat_ai-{PIPECAT_VERSION}.dist-info/licenses/LICENSE"
PREPARE_HINT = "infolinia models prepare  (or: make models)"


def smart_turn_path(models_dir: Path) -> Path:
    return Path(models_dir) / "turn" / SMART_TURN_FILE


def resolve_smart_turn(models_dir: Path) -> Path:
    """The prepared model file, or ModelNotAvailable saying how to get it (never downloads)."""
    path = smart_turn_path(models_dir)
    if not path.is_file():
        raise ModelNotAvailable(
            f"The end-of-turn model (Smart Turn v3.2) is not at {path}. Get it with: {PREPARE_HINT}; "
            "or set INFOLINIA_TURN_MODEL=silence to end turns on silence alone."
        )
    return path


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def _installed_copy() -> Path | None:
    try:
        path = Path(str(resources.files("pipecat.audio.turn.smart_turn.data").joinpath(SMART_TURN_FILE)))
    except ModuleNotFoundError:
        return None
    return path if path.is_file() else None


def _installed_licence() -> str | None:
    from importlib import metadata

    dist = metadata.distribution("pipecat-ai")
    return dist.read_text("licenses/LICENSE") or dist.read_text("LICENSE")


def _download_wheel(into: Path, timeout_s: float) -> Path:
    cmd = [sys.executable, "-m", "pip", "download", f"pipecat-ai=={PIPECAT_VERSION}", "--no-deps"]
    cmd += ["--only-binary=:all:", "--quiet", "-d", str(into)]
    try:
        subprocess.run(cmd, check=True, capture_output=True, text=True, timeout=timeout_s)
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
        detail = getattr(exc, "stderr", "") or str(exc)
        raise DownloadError(
            f"Could not download pipecat-ai {PIPECAT_VERSION} from PyPI for its end-of-turn model: "
            f"{detail.strip()[-300:]}. Check the network, or `pip install pipecat-ai=={PIPECAT_VERSION}` and run "
            f"{PREPARE_HINT} again."
        ) from exc
    wheels = sorted(into.glob("pipecat_ai-*.whl"))
    if not wheels:
        raise DownloadError(f"pip download left no pipecat-ai wheel in {into}.")
    return wheels[0]


def prepare_smart_turn(models_dir: Path, timeout_s: float = 300.0) -> Path:
    """Put the verified model (and its licence) at ``smart_turn_path``; idempotent, written atomically."""
    target = smart_turn_path(models_dir)
    if target.is_file() and _sha256(target) == SMART_TURN_SHA256:
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".turn.", dir=target.parent) as tmp_name:
        tmp = Path(tmp_name)
        onnx, licence = tmp / SMART_TURN_FILE, tmp / "LICENSE.pipecat"
        installed = _installed_copy()
        if installed is not None:
            onnx.write_bytes(installed.read_bytes())
            text = _installed_licence()
            if text:
                licence.write_text(text, encoding="utf-8")
        else:
            with zipfile.ZipFile(_download_wheel(tmp, timeout_s)) as wheel:
                onnx.write_bytes(wheel.read(_MEMBER))
                licence.write_bytes(wheel.read(_LICENCE))
        if _sha256(onnx) != SMART_TURN_SHA256:
            raise DownloadError(f"The Smart Turn model from pipecat-ai {PIPECAT_VERSION} has an unexpected checksum.")
        if licence.is_file():
            os.replace(licence, target.parent / licence.name)
        os.replace(onnx, target)
    return target
