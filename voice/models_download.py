"""Downloading speech models: Whisper from the Hugging Face Hub, Piper voices from rhasspy/piper-voices.

Kept apart from ``voice.models`` (what is on disk and which to use) because only the ``infolinia models
download`` command ever reaches the network: start-up never does. Every transfer is atomic (a partial
file or directory, renamed into place), so an interrupted download never looks like a usable model.
"""

from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path

from voice.model_paths import DownloadError, whisper_dir

_LOG = logging.getLogger(__name__)

_VOICES_URL = "https://huggingface.co/rhasspy/piper-voices"


def download(name: str, models_dir: Path, *, timeout_s: float = 30.0, piper_url_format: str | None = None) -> Path:
    """Download a Whisper model (size like "small", or a Hub id) or a Piper voice ("pl_PL-darkman-medium").

    ``piper_url_format`` overrides piper's Hugging Face URL template (a mirror, or a test server).
    Raises DownloadError with a readable reason; a model already present is not fetched again.
    """
    from piper.download_voices import VOICE_PATTERN

    if "/" not in name and VOICE_PATTERN.match(name):
        return _download_piper(name, Path(models_dir), timeout_s, piper_url_format)
    return _download_whisper(name, Path(models_dir))


def _download_whisper(name: str, models_dir: Path) -> Path:
    import warnings

    from faster_whisper.utils import available_models, download_model

    if "/" not in name and name not in available_models():
        raise DownloadError(
            f"Unknown model '{name}'. Whisper models: {', '.join(available_models())} "
            "(or a Hugging Face id like Systran/faster-whisper-small); Piper voices look like "
            f"pl_PL-darkman-medium (list: {_VOICES_URL})."
        )
    target = whisper_dir(name, models_dir)
    if (target / "model.bin").is_file():
        return target
    partial = target.with_name(target.name + ".partial")  # kept on failure: huggingface_hub resumes it
    _LOG.info("Downloading Whisper '%s' into %s (large models are several GB)", name, target)
    try:
        with warnings.catch_warnings():  # faster-whisper passes an argument huggingface_hub deprecated
            warnings.simplefilter("ignore", UserWarning)
            download_model(name, output_dir=str(partial))
    except Exception as exc:  # huggingface_hub raises many types: offline, HTTP, disk
        raise DownloadError(
            f"Could not download Whisper model '{name}' from Hugging Face ({type(exc).__name__}: {exc}). "
            "Check the network connection, or copy a faster-whisper model directory here and point "
            "INFOLINIA_WHISPER_MODEL at it."
        ) from exc
    shutil.rmtree(partial / ".cache", ignore_errors=True)  # huggingface_hub bookkeeping
    os.replace(partial, target)
    return target


def _download_piper(name: str, models_dir: Path, timeout_s: float, url_format: str | None) -> Path:
    """Piper's own voice naming and URL scheme, with an atomic, timed-out transfer.

    Why not ``piper.download_voices.download_voice`` itself: it has no timeout (hangs on a dead
    network) and writes straight to the final file, which a broken transfer leaves looking valid.
    """
    from piper.download_voices import URL_FORMAT, VOICE_PATTERN

    match = VOICE_PATTERN.match(name)
    assert match is not None  # checked by download()
    fields = {
        "lang_family": match["lang_family"],
        "lang_code": f"{match['lang_family']}_{match['lang_region']}",
        "voice_name": match["voice_name"],
        "voice_quality": match["voice_quality"],
    }
    piper_dir = models_dir / "piper"
    piper_dir.mkdir(parents=True, exist_ok=True)
    for ext in (".onnx.json", ".onnx"):  # config first: an .onnx present means the voice is complete
        dest = piper_dir / f"{name}{ext}"
        if not (dest.is_file() and dest.stat().st_size > 0):
            _fetch((url_format or URL_FORMAT).format(extension=ext, **fields), dest, name, timeout_s)
    return piper_dir / f"{name}.onnx"


def _fetch(url: str, dest: Path, name: str, timeout_s: float) -> None:
    import httpx
    from tqdm import tqdm

    part = dest.with_name(dest.name + ".part")
    try:
        with httpx.stream("GET", url, follow_redirects=True, timeout=timeout_s) as resp:
            if resp.status_code == 404:
                raise DownloadError(f"Piper voice '{name}' does not exist (HTTP 404). Voices: {_VOICES_URL}")
            resp.raise_for_status()
            total = int(resp.headers.get("content-length", 0)) or None
            with (
                open(part, "wb") as out,
                tqdm(total=total, unit="B", unit_scale=True, desc=dest.name, disable=None) as bar,
            ):
                for block in resp.iter_bytes(1 << 20):
                    out.write(block)
                    bar.update(len(block))
        os.replace(part, dest)
    except httpx.HTTPError as exc:
        raise DownloadError(
            f"Could not download Piper voice '{name}' ({type(exc).__name__}: {exc}). Check the network connection."
        ) from exc
    finally:
        part.unlink(missing_ok=True)
