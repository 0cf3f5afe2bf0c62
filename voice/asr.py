"""Speech recognition with faster-whisper behind ``voice.ports.Recognizer``.

Why it looks like this:

* faster-whisper's ``transcribe`` returns a *lazy* generator: the decoding happens while it is
  iterated. Both the call and the iteration run in a worker thread, or the event loop (and every
  call's audio) would stall for the whole recognition.
* An ``asyncio.Semaphore(concurrency)`` caps recognitions in flight: on a few cores, two at once
  take as long as two in a row but delay both answers. Time spent waiting for a slot is reported as
  ``queued_s``, separately from ``processing_s``, so capacity problems are visible in metrics.
  With ``batch > 1`` a ``BatchingQueue`` (``voice/asr_batch.py``) takes the semaphore's place: turns of
  several callers that queue up meanwhile are recognised in one batch.
* Utterances arrive already cut by our own VAD, so Whisper's VAD is off; each utterance is
  independent, so ``condition_on_previous_text`` is off; the temperature fallback (re-decoding when
  the first pass looks bad) is limited to keep the worst-case latency bounded.
* Domain words (product and place names) go in through faster-whisper's ``hotwords`` prompt.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt

from voice.asr_batch import BatchingQueue, decode_batch
from voice.asr_rules import ASR_RATE, encoder_frames, is_hallucination, max_new_tokens, transcript_confidence
from voice.loops import PerLoop
from voice.ports import PCM, Transcript

T = TypeVar("T")


def pick_device(device: str, compute_type: str, cuda_devices: int) -> tuple[str, str]:
    """Resolve "auto": CUDA when a GPU is visible; int8 on CPU (fast, accurate enough), float16 on CUDA."""
    dev = device if device != "auto" else ("cuda" if cuda_devices > 0 else "cpu")
    if compute_type == "auto":
        compute_type = "float16" if dev == "cuda" else "int8"
    return dev, compute_type


def to_whisper_audio(pcm: PCM, rate: int) -> npt.NDArray[np.float32]:
    """int16 PCM at any rate -> float32 at 16 kHz, the array faster-whisper takes directly."""
    if rate != ASR_RATE:
        from voice.resample import resample

        pcm = resample(pcm, rate, ASR_RATE)
    return np.asarray(pcm, dtype=np.float32) / 32768.0


async def run_in_slot(slot: asyncio.Semaphore, fn: Callable[..., T], *args: Any) -> tuple[T, float]:
    """Run blocking ``fn`` in a worker thread inside ``slot``; return (result, seconds waited for the slot).

    On cancellation the slot is held until the thread really finishes (a thread cannot be interrupted),
    so a hung-up call never lets more model runs overlap than ``concurrency`` allows.
    """
    queued = time.perf_counter()
    async with slot:
        waited = time.perf_counter() - queued
        work = asyncio.ensure_future(asyncio.to_thread(fn, *args))
        try:
            return await asyncio.shield(work), waited
        except asyncio.CancelledError:
            with contextlib.suppress(Exception):
                await work
            raise


def trimmed_encoder(encode: Callable[[Any], Any], min_frames: int) -> Callable[[Any], Any]:
    """Wrap faster-whisper's ``encode`` so the encoder skips most of the zero padding of short turns.

    faster-whisper pads every window's mel features to 30 s (3000 frames) with zeros, so a 2 s caller
    turn costs the encoder as much as 30 s of speech: most of the recognition time on a CPU. CTranslate2's
    encoder accepts shorter inputs, so we cut the trailing all-zero frames, keeping at least
    ``min_frames`` (and every frame with content). Transcripts of caller-length turns stay the same
    (Polish eval set, docs/benchmarks.md: CER 8.9% vs 8.4% at 16 kHz, 18.4% vs 18.3% at 8 kHz); a 2 s turn
    is recognised in 0.41 s instead of 1.32 s on a 2-core CPU.
    """

    def trimmed(features: Any) -> Any:
        frames = features.shape[-1]
        if frames <= min_frames:
            return encode(features)
        content = np.flatnonzero(np.any(features.reshape(-1, frames) != 0.0, axis=0))
        return encode(features[..., : encoder_frames(int(content[-1]) if content.size else -1, min_frames)])

    return trimmed


class WhisperRecognizer:
    """faster-whisper recognizer; ``await load()`` once at start-up, then ``transcribe`` from any task."""

    def __init__(
        self,
        model: str,
        *,
        device: str = "auto",
        compute_type: str = "auto",
        beam_size: int = 1,
        cpu_threads: int = 0,
        concurrency: int = 1,
        language: str = "pl",
        initial_prompt: str | None = None,
        hotwords: Sequence[str] = (),
        temperatures: Sequence[float] = (0.0, 0.6),
        without_timestamps: bool = True,
        no_speech_threshold: float = 0.6,
        window_s: int = 8,
        batch: int = 1,
    ) -> None:
        if not 1 <= window_s <= 30:
            raise ValueError("window_s must be between 1 and 30 seconds")
        self.model_path = model  # a model directory (see voice.models.resolve_whisper)
        self._device, self._compute_type = device, compute_type
        self._cpu_threads, self._concurrency = cpu_threads, max(1, concurrency)
        self._options: dict[str, Any] = {
            "language": language,
            "beam_size": beam_size,
            "best_of": 1,
            "temperature": list(temperatures),
            "condition_on_previous_text": False,
            "vad_filter": False,
            "without_timestamps": without_timestamps,
            "no_speech_threshold": no_speech_threshold,
            "initial_prompt": initial_prompt or None,
        }
        self._window_frames = window_s * 100  # 100 mel frames per second
        self._batch = max(1, batch)  # >1: turns queued at the same time are recognised as one batch
        self._queues = PerLoop(self._new_queue)  # futures and tasks bind to one loop too
        self._hotwords = tuple(hotwords)
        self._model: Any = None
        self._load_lock = threading.Lock()
        self._slots = PerLoop(lambda: asyncio.Semaphore(self._concurrency))  # a Semaphore binds to one loop
        self.queue_observer: Callable[[float], None] | None = None  # gets each wait for a slot (metrics)
        self.load_s = 0.0
        self.device = ""  # resolved by load()
        self.compute_type = ""

    @property
    def language(self) -> str:
        return str(self._options["language"])

    async def load(self) -> None:
        """Load the model in a worker thread (it takes seconds); safe to call more than once."""
        await asyncio.to_thread(self.load_blocking)

    def load_blocking(self) -> None:
        """Synchronous load, for scripts and worker threads."""
        with self._load_lock:
            if self._model is not None:
                return
            import ctranslate2
            from faster_whisper import WhisperModel

            t0 = time.perf_counter()
            dev, ct = pick_device(self._device, self._compute_type, ctranslate2.get_cuda_device_count())
            self._model = WhisperModel(
                self.model_path,
                device=dev,
                compute_type=ct,
                cpu_threads=self._cpu_threads,
                num_workers=self._concurrency,
                local_files_only=True,  # never a surprise download: models come from voice.models
            )
            self._model.encode = trimmed_encoder(self._model.encode, self._window_frames)
            self.device, self.compute_type = dev, ct
            self.load_s = time.perf_counter() - t0

    async def transcribe(self, pcm: PCM, rate: int, hotwords: Sequence[str] = ()) -> Transcript:
        """Recognise one utterance. ``hotwords`` (e.g. product names in this dialog state) bias decoding."""
        audio_s = len(pcm) / float(rate)
        if len(pcm) == 0:
            return Transcript("", 0.0, 0.0, 0.0, language=self.language)
        if self._model is None:
            await self.load()
        # ordered, de-duplicated; spaces, not commas: Whisper copies a prompt's punctuation into its output
        words = " ".join(dict.fromkeys((*self._hotwords, *hotwords)))
        if self._batch > 1:
            (text, confidence, segments), waited, total = await self._queues.get().submit((pcm, rate), words or None)
            total += waited
        else:
            queued = time.perf_counter()
            (text, confidence, segments), waited = await run_in_slot(
                self._slots.get(), self._recognise, pcm, rate, words or None
            )
            total = time.perf_counter() - queued
        if self.queue_observer is not None:
            self.queue_observer(waited)
        return Transcript(
            text=text,
            confidence=confidence,
            audio_s=audio_s,
            processing_s=total - waited,
            queued_s=waited,
            language=self.language,
            segments=segments,
        )

    def _new_queue(self) -> BatchingQueue:
        return BatchingQueue(
            lambda item, hot: self._recognise(item[0], item[1], hot),
            lambda items, hot: decode_batch(
                self._model, [to_whisper_audio(p, r) for p, r in items], hot, self._options, self._window_frames
            ),
            self._batch,
            self._concurrency,
        )

    def _recognise(
        self, pcm: PCM, rate: int, hotwords: str | None
    ) -> tuple[str, float, tuple[tuple[float, float, str], ...]]:
        """Blocking: resample, decode, and drain the lazy segment generator (worker thread only)."""
        audio = to_whisper_audio(pcm, rate)
        budget = max_new_tokens(len(audio) / ASR_RATE)
        generator, _info = self._model.transcribe(audio, hotwords=hotwords, max_new_tokens=budget, **self._options)
        kept = [s for s in generator if s.text.strip() and not is_hallucination(s.text)]
        text = " ".join(s.text.strip() for s in kept)
        confidence = transcript_confidence(
            [(s.avg_logprob, s.no_speech_prob, s.compression_ratio, len(s.tokens)) for s in kept]
        )
        return text, confidence, tuple((float(s.start), float(s.end), s.text.strip()) for s in kept)
