"""THE pre-render cache: audio of fixed texts ready before it is asked for, behind the ``Synthesizer`` seam.

Why: a phone caller waits for the bot's first sound, and most of what the bot says is fixed text (the
knowledge base's answers, the catalogue's sentences). Rendering those once at start-up removes the
synthesis from the caller's wait; keeping the audio on disk means a restart, a second worker process or
a new pod sharing the volume does not spend the CPU again (about 30 s on 2 cores for the demo KB).

The key covers everything that changes the audio: the voice (its ONNX file's name, size and mtime, the
espeak language), the sample rate and the exact text. Writes go through a temporary file and a rename,
so concurrent workers never read half a file. A damaged or unreadable file is a miss, never an error.

``PrerenderedSynthesizer`` is the cache as callers see it: a ``Synthesizer`` that plays ready audio for
a whole text or for its first sentence and asks the real voice for the rest, so the phone call (8 kHz)
and the Wyoming speaker (the voice's own rate) use one cache without knowing about it. Keys are (voice,
rate, sentence as ``voice.sentences`` cuts it, whitespace collapsed), one ``.npy`` each under
``<root>/<voice key>/``. Files the phone side wrote before are found again; the speaker side keyed its
files by the normalised text before, so those are rendered once more and the old files are unused.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import tempfile
from collections.abc import AsyncIterator, Iterable
from pathlib import Path

import numpy as np

from voice.ports import PCM, Synthesizer, WarmsOpenings
from voice.sentences import split_sentences

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


def _key(text: str) -> str:
    return " ".join(text.split())


class PrerenderedSynthesizer:
    """A ``Synthesizer`` over ``inner`` with audio rendered ahead: whole prompts and first sentences.

    ``rate`` is the rate ``get``/``put``/``prewarm`` use when none is given (the rate its user plays at);
    ``pause_s`` is the silence after a ready first sentence when more follows (Piper's sentence pause).
    ``inner`` may be None for a cache that only reads what is ready (a worker without a voice).
    """

    def __init__(
        self, inner: Synthesizer | None, rate: int, disk: DiskAudioCache | None = None, pause_s: float = 0.15
    ) -> None:
        self.inner, self.rate, self.disk, self.pause_s = inner, rate, disk, pause_s
        self._audio: dict[tuple[int, str], PCM] = {}

    @property
    def native_rate(self) -> int:
        return self.inner.native_rate if self.inner is not None else self.rate

    def get(self, text: str, rate: int | None = None) -> PCM | None:
        """Ready audio for exactly ``text`` (a whole prompt or one sentence), else None."""
        return self._audio.get((rate or self.rate, _key(text)))

    def put(self, text: str, pcm: PCM, rate: int | None = None) -> None:
        pcm.setflags(write=False)  # shared by every call that says it
        self._audio[(rate or self.rate, _key(text))] = pcm

    def __len__(self) -> int:
        return len(self._audio)

    async def prewarm(self, texts: Iterable[str], rate: int | None = None) -> int:
        """Make every text ready (from disk, else synthesized); returns how many were synthesized."""
        synthesized = 0
        for text in texts:
            if text.strip() and self.get(text, rate) is None:
                synthesized += await self._render(text, rate or self.rate)
        return synthesized

    async def prewarm_first_sentences(self, texts: Iterable[str], rate: int | None = None) -> int:
        """Make the first sentence of each text ready (what a listener waits for); returns how many were
        synthesized (the rest were ready or on disk)."""
        firsts = [split_sentences(t)[0] for t in texts if t.strip()]
        return await self.prewarm(list(dict.fromkeys(firsts)), rate)

    async def prewarm_openings(self, rate: int | None = None) -> int:
        """The openings of templated replies ready in the voice behind this cache, for replies that cannot be
        rendered ahead ("Zamówienie numer ..."); returns how many were rendered (0: a voice without them)."""
        if not isinstance(self.inner, WarmsOpenings):
            return 0
        return await self.inner.warm_openings(rate or self.rate)

    async def _render(self, text: str, rate: int) -> bool:
        if self.disk is not None:
            hit = await asyncio.to_thread(self.disk.get, _key(text), rate)
            if hit is not None:
                self.put(text, hit, rate)
                return False
        if self.inner is None:
            return False
        pcm = await self.inner.synthesize(text, rate)
        self.put(text, pcm, rate)
        if self.disk is not None:
            await asyncio.to_thread(self.disk.put, _key(text), rate, pcm)
        return True

    def stream(self, text: str, rate: int) -> AsyncIterator[PCM]:
        """Ready audio first: the whole text, or its first sentence and then the voice for the rest."""
        return self._chunks(text, rate, streamed=True)

    async def _chunks(self, text: str, rate: int, streamed: bool) -> AsyncIterator[PCM]:
        whole = self.get(text, rate)
        if whole is not None:
            yield whole
            return
        sentences = split_sentences(text)
        first = self.get(sentences[0], rate) if sentences else None
        if first is not None:
            rest = " ".join(sentences[1:])
            yield np.concatenate([first, np.zeros(round(self.pause_s * rate) if rest else 0, dtype=np.int16)])
            text = rest
        if text.strip():
            if self.inner is None:
                raise RuntimeError(f"no voice to synthesize {text[:40]!r}: only pre-rendered audio is available")
            if not streamed:  # the voice's whole-utterance rendering (no first clause cut: nobody is waiting)
                yield await self.inner.synthesize(text, rate)
                return
            async for chunk in self.inner.stream(text, rate):
                yield chunk

    async def synthesize(self, text: str, rate: int) -> PCM:
        chunks = [c async for c in self._chunks(text, rate, streamed=False)]
        return np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.int16)
