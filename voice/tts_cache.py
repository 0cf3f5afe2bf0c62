"""Synthesized audio kept on disk, so fixed replies cost no synthesis after the first start on a machine.

Why: a phone caller waits for the bot's first sound, and most of what the bot says is fixed text (the
knowledge base's answers, the catalogue's sentences). Rendering those once at start-up removes the
synthesis from the caller's wait; keeping the audio on disk means a restart, a second worker process or
a new pod sharing the volume does not spend the CPU again (about 30 s on 2 cores for the demo KB).

The key covers everything that changes the audio: the voice (its ONNX file's name, size and mtime, the
espeak language), the sample rate and the exact text. Writes go through a temporary file and a rename,
so concurrent workers never read half a file. A damaged or unreadable file is a miss, never an error.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from pathlib import Path

import numpy as np

from voice.ports import PCM

log = logging.getLogger(__name__)


def voice_key(onnx: Path, espeak_voice: str | None = None) -> str:
    """A short id that changes whenever the voice file (or its phonemizer language) changes."""
    try:
        st = onnx.stat()
        stamp = f"{st.st_size}:{int(st.st_mtime)}"
    except OSError:
        stamp = "missing"
    digest = hashlib.sha1(f"{onnx.name}|{stamp}|{espeak_voice or ''}".encode()).hexdigest()[:12]
    return f"{onnx.stem}-{digest}"


class DiskAudioCache:
    """``get``/``put`` int16 audio by (text, rate) under ``root/<voice key>/``; one ``.npy`` file each."""

    def __init__(self, root: Path, voice: str) -> None:
        self.dir = root / voice

    def _path(self, text: str, rate: int) -> Path:
        return self.dir / f"{hashlib.sha1(f'{rate}|{text}'.encode()).hexdigest()}.npy"

    def get(self, text: str, rate: int) -> PCM | None:
        """Blocking (file I/O): call from a worker thread."""
        path = self._path(text, rate)
        try:
            audio = np.load(path, allow_pickle=False)
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as exc:
            log.warning("TTS cache: unreadable %s (%r), synthesizing again", path.name, exc)
            return None
        if audio.dtype != np.int16 or audio.ndim != 1:
            return None
        audio.setflags(write=False)
        return audio

    def put(self, text: str, rate: int, pcm: PCM) -> None:
        """Blocking (file I/O). Best effort: a read-only or full disk only costs synthesis next time."""
        try:
            self.dir.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.dir, suffix=".tmp")
            with os.fdopen(fd, "wb") as f:
                np.save(f, np.asarray(pcm, dtype=np.int16), allow_pickle=False)
            os.replace(tmp, self._path(text, rate))
        except OSError as exc:
            log.warning("TTS cache: could not write to %s: %r", self.dir, exc)
