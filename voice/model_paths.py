"""What both ``voice.models`` (what is on disk, which to use) and ``voice.models_download`` (the network)
need: the errors an operator sees and where a Whisper model lives in the cache. Kept apart so the
two modules depend on this one, not on each other."""

from __future__ import annotations

from pathlib import Path


class ModelNotAvailable(Exception):
    """A model is missing or unusable; the message says which command fixes it (shown without traceback)."""


class DownloadError(ModelNotAvailable):
    """A download failed (no network, unknown model, interrupted transfer)."""


def whisper_dir(name: str, models_dir: Path) -> Path:
    """Where model ``name`` (a size like "small" or a Hub id like "org/repo") lives in the cache."""
    return Path(models_dir) / "whisper" / name.replace("/", "--")
