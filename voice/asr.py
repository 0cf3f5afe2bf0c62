"""Speech recognition with faster-whisper behind ``voice.ports.Recognizer``.

Why it looks like this:

* faster-whisper's ``transcribe`` returns a *lazy* generator: the decoding happens while it is
  iterated. Both the call and the iteration run in a worker thread, or the event loop (and every
  call's audio) would stall for the whole recognition.
* An ``asyncio.Semaphore(concurrency)`` caps recognitions in flight: with one CTranslate2 thread each (its
  decoder is faster on one), the gateway runs one per core; more than the cores take as long as in a row but
  delay every answer. Time spent waiting for a slot is reported as
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
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any, TypeVar, Unpack

from voice.asr_batch import BatchingQueue
from voice.asr_engine import Engine, Heard, always
from voice.asr_front import to_whisper_audio
from voice.asr_lexicon import known_share, polish_lexicon
from voice.asr_options import WhisperOptions, WhisperSettings
from voice.asr_rules import SILENCE_DBFS, loudest_dbfs, trimmed_encoder
from voice.asr_short import ShortAnswers
from voice.busy import counted
from voice.loops import PerLoop
from voice.ports import PCM, Transcript

T = TypeVar("T")
# What callers answer in isolation on a phone line: yes, no and digits (order numbers are read digit by digit).
SHORT_ANSWERS = ("tak", "nie", "zero", "jeden", "dwa", "trzy", "cztery", "pięć", "sześć", "siedem", "osiem", "dziewięć")


def pick_device(device: str, compute_type: str, cuda_devices: int) -> tuple[str, str]:
    """Resolve "auto": CUDA when a GPU is visible; int8 on CPU (fast, accurate enough), float16 on CUDA."""
    dev = device if device != "auto" else ("cuda" if cuda_devices > 0 else "cpu")
    if compute_type == "auto":
        compute_type = "float16" if dev == "cuda" else "int8"
    return dev, compute_type


async def run_in_slot(
    slot: asyncio.Semaphore, fn: Callable[..., T], *args: Any, on_abandoned: Callable[[float], None] | None = None
) -> tuple[T, float]:
    """Run blocking ``fn`` in a worker thread inside ``slot``; return (result, seconds waited for the slot).

    On cancellation the slot is held until the thread really finishes (a thread cannot be interrupted),
    so a hung-up call never lets more model runs overlap than ``concurrency`` allows; ``on_abandoned``
    then gets the seconds the thread ran.
    """
    queued = time.perf_counter()
    async with slot:
        started = time.perf_counter()
        waited = started - queued
        work = asyncio.ensure_future(asyncio.to_thread(counted(fn), *args))  # voice.busy: seen by TTS
        try:
            return await asyncio.shield(work), waited
        except asyncio.CancelledError:
            with contextlib.suppress(Exception):
                await work
            if on_abandoned is not None:
                on_abandoned(time.perf_counter() - started)
            raise


class WhisperRecognizer:
    """faster-whisper recognizer; ``await load()`` once at start-up, then ``transcribe`` from any task."""

    def __init__(self, model: str, options: WhisperOptions | None = None, **settings: Unpack[WhisperSettings]) -> None:
        """``options`` (``voice.asr_options``; the defaults when None) with any of its fields given as keywords
        on top: ``WhisperRecognizer(path, beam_size=1)`` is ``WhisperRecognizer(path, WhisperOptions(beam_size=1))``."""
        o = self.options = replace(options or WhisperOptions(), **settings)  # checked when built
        self.model_path = model  # a model directory (see voice.models.resolve_whisper)
        self._device, self._compute_type = o.device, o.compute_type
        self._cpu_threads, self._concurrency = o.cpu_threads, max(1, o.concurrency)
        self._options: dict[str, Any] = {
            "language": o.language,
            "beam_size": o.beam_size,
            "patience": o.patience,
            "alternatives": max(1, o.alternatives),
            "repetition_penalty": o.repetition_penalty,
            "no_repeat_ngram_size": o.no_repeat_ngram_size,
            "no_speech_threshold": o.no_speech_threshold,
            "initial_prompt": o.initial_prompt or None,
        }
        self._tokens_per_s, self._fallback, self._reject = o.tokens_per_s, o.fallback, o.reject_logprob
        self._guards = o.guards
        self._temperatures = tuple(o.temperatures)
        self._front = o.front_end
        self._window_frames = o.window_s * 100  # 100 mel frames per second
        self._batch = max(1, o.batch)  # >1: turns queued at the same time are recognised as one batch
        self._queues = PerLoop(self._new_queue)  # futures and tasks bind to one loop too
        self._hotwords = tuple(o.hotwords)
        self._short_words, self._short_s = tuple(o.short_words), o.short_s  # isolated answers: "tak", digits
        self._short_reread = o.short_reread  # doubtful short turns read again against the closed vocabulary
        self._lexicon = o.lexicon and o.language == "pl"  # n-best rescored by known Polish words
        self._init_runtime()

    def _init_runtime(self) -> None:
        """What ``load()`` fills in and the metrics hook into: nothing is loaded or observed yet."""
        self._model: Any = None
        self._engine: Engine | None = None
        self._load_lock = threading.Lock()
        self._slots = PerLoop(lambda: asyncio.Semaphore(self._concurrency))  # a Semaphore binds to one loop
        self.queue_observer: Callable[[float], None] | None = None  # gets each wait for a slot (metrics)
        self.rejection_observer: Callable[[str], None] | None = None  # gets each rejection's reason (metrics)
        # gets the model seconds of each recognition that ran on after its caller stopped waiting (metrics)
        self.abandoned_observer: Callable[[float], None] | None = None
        self.load_s = 0.0
        self.device = ""  # resolved by load()
        self.compute_type = ""

    @property
    def language(self) -> str:
        return str(self._options["language"])

    @property
    def rejections(self) -> Counter[str]:
        """Transcripts rejected so far, by reason ("loop", "budget", "low_logprob")."""
        return self._engine.rejections if self._engine is not None else Counter()

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
            model = WhisperModel(
                self.model_path,
                device=dev,
                compute_type=ct,
                cpu_threads=self._cpu_threads,
                num_workers=self._concurrency,
                local_files_only=True,  # never a surprise download: models come from voice.models
            )
            model.encode = trimmed_encoder(model.encode, self._window_frames)
            self._model = model
            short = ShortAnswers(max_s=self._short_s) if self._short_words and self._short_reread else None
            lexicon = polish_lexicon() if self._lexicon else None
            if lexicon is not None:
                known_share("słucham", lexicon)  # loads the dictionary now, not in a caller's first turn
            self._engine = Engine(model, self._options, self._window_frames, self._tokens_per_s,
                                  self._fallback, self._temperatures, self._reject, self._guards, short,
                                  lexicon)  # fmt: skip
            self.device, self.compute_type = dev, ct
            self.load_s = time.perf_counter() - t0

    async def transcribe(self, pcm: PCM, rate: int, hotwords: Sequence[str] = ()) -> Transcript:
        """Recognise one utterance. ``hotwords`` (e.g. product names in this dialog state) bias decoding.

        A rejected transcript (a loop, a guess) comes back with empty ``text`` like an unheard turn, so the
        call asks the caller to repeat; ``rejected`` says why. An utterance with no sound in it (a device's
        empty recording) is not decoded at all, Whisper would make words of it: like a turn Whisper itself
        finds silent, it comes back empty and is no rejection.
        """
        audio_s = len(pcm) / float(rate)
        if len(pcm) == 0:
            return Transcript("", 0.0, 0.0, 0.0, language=self.language)
        if loudest_dbfs(pcm, rate) < SILENCE_DBFS:
            return Transcript("", 0.0, audio_s, 0.0, language=self.language)
        if self._engine is None:
            await self.load()
        # ordered, de-duplicated; spaces, not commas: Whisper copies a prompt's punctuation into its output
        short = self._short_words if audio_s < self._short_s else ()
        words = " ".join(dict.fromkeys((*short, *self._hotwords, *hotwords))) or None
        heard, waited, total = await self._queued(pcm, rate, words)
        if self.queue_observer is not None:
            self.queue_observer(waited)
        if heard.rejected and self.rejection_observer is not None:
            self.rejection_observer(heard.rejected)
        return Transcript(
            text=heard.text,
            confidence=heard.confidence,
            audio_s=audio_s,
            processing_s=total - waited,
            queued_s=waited,
            language=self.language,
            segments=heard.segments,
            rejected=heard.rejected,
            alternatives=heard.alternatives,
        )

    async def _queued(self, pcm: PCM, rate: int, words: str | None) -> tuple[Heard, float, float]:
        """One recognition through the batching queue or a slot: what was heard, the seconds it waited for
        the model, and the seconds in all (the metrics keep queueing and processing apart)."""
        if self._batch > 1:
            heard, waited, total = await self._queues.get().submit((pcm, rate), words)
            return heard, waited, total + waited
        queued = time.perf_counter()
        heard, waited = await run_in_slot(
            self._slots.get(), self._recognise_one, (pcm, rate), words, on_abandoned=self._abandoned
        )
        return heard, waited, time.perf_counter() - queued

    def _new_queue(self) -> BatchingQueue[Heard]:
        return BatchingQueue(
            self._recognise_one,
            self._recognise_many,
            self._batch,
            self._concurrency,
            on_abandoned=self._abandoned,
        )

    def has_spare(self) -> bool:
        """A recognition asked for now would start at once (``voice.ports.SpareCapacity``)."""
        if self._batch > 1:
            return self._queues.get().has_spare()
        return not self._slots.get().locked()

    def _abandoned(self, seconds: float) -> None:
        if self.abandoned_observer is not None:
            self.abandoned_observer(seconds)

    def _recognise_one(self, item: tuple[PCM, int], hotwords: str | None, wanted: Callable[[], bool] = always) -> Heard:
        return self._recognise(item, hotwords=hotwords, wanted=wanted)[0]

    def _recognise_many(
        self, items: list[tuple[PCM, int]], hotwords: str | None, wanted: Callable[[], bool] = always
    ) -> list[Heard | None]:
        return list(self._recognise(*items, hotwords=hotwords, wanted=wanted))

    def _recognise(
        self, *items: tuple[PCM, int], hotwords: str | None, wanted: Callable[[], bool] = always
    ) -> list[Heard]:
        """Blocking (worker thread only): the front end, then the engine, one pass for all ``items``;
        ``wanted`` False: no pass after the first (nobody waits for the result any more)."""
        audios = [to_whisper_audio(pcm, rate, self._front) for pcm, rate in items]
        assert self._engine is not None, "load() first"
        return self._engine.recognise(audios, hotwords, wanted)
