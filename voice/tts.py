"""Text to speech with Piper behind ``voice.ports.Synthesizer``.

Why it looks like this:

* The caller should hear the first sentence while the rest is still being synthesized, so the
  text is normalised (numbers, prices, dates read out in Polish), cut into sentences (long ones at
  commas too) and each piece is rendered in a worker thread and yielded as soon as it is ready.
* Rendering is pulled by the consumer: a piece is synthesized only when the consumer asks for the
  next chunk, so a barge-in that stops iterating stops synthesis (nothing wasted, nothing queued).
* Recent texts are kept per (text, rate) in a small LRU, and so are single pieces: replies that differ in
  one sentence (an order's number and date) render only that sentence. Fixed replies are pre-rendered by the one
  pre-render cache in front of this voice (``voice.tts_cache.PrerenderedSynthesizer``).
* ``asyncio.Semaphore(concurrency)`` caps syntheses in flight, so calls share the CPU predictably.
* Threads follow the load (``threads=0`` with ``concurrency`` > 1): a piece that starts while no other model
  runs in the process (``voice.busy``: recognitions and syntheses) uses one thread per core (a lone caller's
  fresh reply starts ~110 ms sooner: 61 characters in ~180 ms on 2 threads against ~295 ms on 1); a piece
  that starts beside a recognition or another synthesis gets a one-thread session, so jobs do not spread
  more threads than there are cores and slow each other. The second session costs one more copy of the
  voice's weights in memory. A piece the listener is not waiting for yet (the rest of a reply whose start
  is already playing) always gets one thread: it has the playing audio's length to finish, and a
  recognition that a caller is waiting for may need the other core.
* Openings of templated replies ("Zamówienie numer" of an order's status) are rendered ahead
  (``warm_openings``) and kept: a fresh reply that starts with one plays it at once and renders the rest
  while it plays. The cut is made on the normalised sentence, so "numer 48213" is read digit by digit as
  in the whole sentence.
"""

from __future__ import annotations

import asyncio
import copy
import json
import threading
import time
from collections.abc import AsyncGenerator, Callable, Iterable
from typing import Any

import numpy as np

from voice import busy
from voice.asr import run_in_slot
from voice.loops import PerLoop
from voice.lru import Lru
from voice.models import VoiceSpec
from voice.normalize import speech_sentences, warm_up
from voice.ports import PCM
from voice.resample import resample
from voice.sentences import cut_opening, first_clause, split_clauses


def split_long(sentence: str, max_chars: int) -> list[str]:
    """Cut a sentence longer than ``max_chars`` at clause punctuation, packing clauses up to the limit.

    Why: the first audio waits for the whole first piece; a 40-word sentence would delay it by its full
    synthesis time. A clause that is itself too long stays whole (cutting mid-clause sounds wrong).
    """
    if len(sentence) <= max_chars:
        return [sentence]
    pieces: list[str] = []
    for clause in split_clauses(sentence):
        if pieces and len(pieces[-1]) + 1 + len(clause) <= max_chars:
            pieces[-1] = f"{pieces[-1]} {clause}"
        else:
            pieces.append(clause)
    return pieces


class PiperSynthesizer:
    """Piper voice; ``await load()`` once at start-up, then ``stream``/``synthesize`` from any task."""

    def __init__(
        self,
        voice: VoiceSpec,
        *,
        concurrency: int = 1,
        cache_size: int = 64,
        cache_max_chars: int = 400,
        piece_cache_size: int = 256,
        max_piece_chars: int = 160,
        sentence_pause_s: float = 0.15,
        length_scale: float | None = None,
        noise_scale: float | None = None,
        noise_w_scale: float | None = None,
        volume: float = 0.9,
        use_cuda: bool = False,
        threads: int = 0,
        first_clause_chars: int = 0,
        clause_pause_s: float = 0.08,
        openings: Iterable[str] = (),
    ) -> None:
        self.spec = voice
        with open(voice.config, encoding="utf-8") as f:  # native rate is known before the model loads
            self._native_rate = int(json.load(f)["audio"]["sample_rate"])
        self._concurrency = max(1, concurrency)
        self._cache: Lru[tuple[str, int], tuple[PCM, ...]] = Lru(cache_size)  # whole replies
        # Single pieces (sentences, first clauses) with the pause after them: replies that differ in one
        # sentence ("Zamówienie numer 52107 zostało wysłane.") share the others ("Przesyłkę dostarcza InPost.").
        self._pieces: Lru[tuple[str, int, float], PCM] = Lru(piece_cache_size)
        self._cache_max_chars = cache_max_chars
        self._max_piece_chars, self._pause_s = max_piece_chars, sentence_pause_s
        # > 0: each text's first sentence is rendered in two pieces, its first clause (at least this many
        # characters) then the rest, with ``clause_pause_s`` between them (voice.sentences.first_clause).
        self.first_clause_chars, self._clause_pause_s = first_clause_chars, clause_pause_s
        self._init_openings(openings)
        self._scales = (length_scale, noise_scale, noise_w_scale)
        self._volume, self._use_cuda, self._threads = volume, use_cuda, threads
        self._init_runtime()

    def _init_openings(self, openings: Iterable[str]) -> None:
        """Openings as written (catalogue templates; a benchmark may swap them), their normalised form once
        asked, and their audio: kept apart from the piece LRU so an hour of order numbers cannot push it out."""
        self.openings = tuple(openings)
        self._spoken: tuple[tuple[str, ...], tuple[str, ...]] = ((), ())
        self._ready: dict[tuple[str, int, float], PCM] = {}

    def _init_runtime(self) -> None:
        """What ``load()`` fills in and the metrics hook into: nothing is loaded or observed yet."""
        self._voice: Any = None
        self._narrow: Any = None  # the voice on a one-thread session, for renders beside other model runs
        self._syn_config: Any = None
        self._load_lock = threading.Lock()
        self._slots = PerLoop(lambda: asyncio.Semaphore(self._concurrency))  # a Semaphore binds to one loop
        self.queue_observer: Callable[[float], None] | None = None  # gets each wait for a slot (metrics)
        self.load_s = 0.0  # the voice model
        self.normalizer_load_s = 0.0  # the text normaliser's dictionary

    @property
    def native_rate(self) -> int:
        return self._native_rate

    @property
    def follows_load(self) -> bool:
        """Every core for a piece that starts alone, one thread beside other model runs (see the module)."""
        return self._threads == 0 and self._concurrency > 1 and not self._use_cuda

    async def load(self) -> None:
        """Load the ONNX voice in a worker thread; safe to call more than once."""
        await asyncio.to_thread(self.load_blocking)

    def load_blocking(self) -> None:
        with self._load_lock:
            if self._voice is not None:
                return
            from piper import PiperVoice, SynthesisConfig

            t0 = time.perf_counter()
            warm_up()  # the normaliser's dictionary (seconds) now, not on the first reply with a number
            t1 = time.perf_counter()
            voice = PiperVoice.load(self.spec.onnx, config_path=self.spec.config, use_cuda=self._use_cuda)
            if self._threads > 0:
                voice.session = _session(self.spec.onnx, self._threads, voice.session.get_providers())
            elif self.follows_load:
                self._narrow = copy.copy(voice)  # same config, its own one-thread session
                self._narrow.session = _session(self.spec.onnx, 1, voice.session.get_providers())
            if self.spec.espeak_voice:
                voice.config.espeak_voice = self.spec.espeak_voice  # e.g. the fallback voice speaking Polish
            # volume < 1 leaves headroom: Piper peak-normalises each sentence and resampling overshoots.
            # None scales keep the voice's own settings; noise scales 0 make synthesis deterministic.
            length, noise, noise_w = self._scales
            self._syn_config = SynthesisConfig(
                length_scale=length, noise_scale=noise, noise_w_scale=noise_w, volume=self._volume
            )
            self._voice = voice
            self.normalizer_load_s, self.load_s = t1 - t0, time.perf_counter() - t1

    def pieces(self, text: str) -> list[str]:
        """What is synthesized one at a time: sentences (split, then normalised), long ones cut at commas."""
        return [piece for piece, _ in self.plan(text)]

    def plan(self, text: str, first_clause_chars: int | None = None) -> list[tuple[str, float]]:
        """Pieces with the silence after each: the sentence pause, a clause pause, none after the last.

        Why the first clause: what reaches this voice was not pre-rendered (order statuses, dates,
        amounts), and the caller hears nothing until the first piece is rendered; with
        ``first_clause_chars`` the first sentence starts playing after its first clause is rendered.
        ``first_clause_chars`` given overrides the voice's (0: whole sentences).
        """
        clause_chars = self.first_clause_chars if first_clause_chars is None else first_clause_chars
        plan: list[tuple[str, float]] = []
        for i, sentence in enumerate(speech_sentences(text)):
            cut = [p for p in split_long(sentence.strip(), self._max_piece_chars) if p]
            if i == 0 and clause_chars > 0 and cut:
                cut = [*self._first_pieces(cut[0], clause_chars), *cut[1:]]
            # inside a sentence a clause pause, after it the sentence pause, nothing after the last piece
            plan += [(p, self._clause_pause_s) for p in cut[:-1]] + [(p, self._pause_s) for p in cut[-1:]]
        if plan:
            plan[-1] = (plan[-1][0], 0.0)
        return plan

    def _first_pieces(self, piece: str, clause_chars: int) -> list[str]:
        """A fresh reply's first piece, cut after a known opening (ready audio) and after its first clause."""
        opening, rest = cut_opening(piece, self.spoken_openings())
        head, tail = first_clause(rest, clause_chars)
        return [p for p in (opening, head, tail) if p]

    def spoken_openings(self) -> tuple[str, ...]:
        """The openings as the normaliser writes them (blocking: the normaliser may load its dictionary)."""
        source, spoken = self._spoken
        if source != self.openings:
            said = (" ".join(speech_sentences(o)).strip() for o in self.openings)
            source, spoken = self.openings, tuple(dict.fromkeys(o for o in said if o))
            self._spoken = (source, spoken)
        return spoken

    async def warm_openings(self, rate: int) -> int:
        """Render every opening at ``rate`` once and keep it (start-up job); returns how many were rendered."""
        if not self.openings or self.first_clause_chars <= 0:  # without cuts no opening is ever played apart
            return 0
        if self._voice is None:
            await self.load()
        made = 0
        for opening in await asyncio.to_thread(self.spoken_openings):
            if (opening, rate, self._clause_pause_s) not in self._ready:
                await self._render_piece(opening, rate, self._clause_pause_s, waited_for=False)
                made += 1
        return made

    def _render(self, piece: str, rate: int, pause_s: float, waited_for: bool = True) -> PCM:
        """Blocking: one piece -> int16 PCM at ``rate`` followed by ``pause_s`` of silence."""
        # waited for and alone (the only model run in the process): every core; else one thread
        wide = self._narrow is None or (waited_for and busy.running() <= 1)
        voice = self._voice if wide else self._narrow
        chunks = [c.audio_int16_array for c in voice.synthesize(piece, self._syn_config)]
        pcm = np.concatenate(chunks).astype(np.int16) if chunks else np.zeros(0, dtype=np.int16)
        pcm = resample(pcm, self._native_rate, rate)
        return np.concatenate([pcm, np.zeros(round(pause_s * rate), dtype=np.int16)])

    def stream(self, text: str, rate: int) -> AsyncGenerator[PCM, None]:
        """Yield one PCM chunk per piece at ``rate``; the next piece is rendered only when asked for."""
        return self._stream(text, rate, None, every_piece_waited=False)

    async def _stream(
        self, text: str, rate: int, clause_chars: int | None, every_piece_waited: bool
    ) -> AsyncGenerator[PCM, None]:
        """``every_piece_waited``: nothing plays before the end (a whole rendering); else only the pieces
        before the first yielded one keep the listener waiting."""
        cached = self._cache.get((text, rate))
        if cached is not None:
            for chunk in cached:
                yield chunk
            return
        if self._voice is None:
            await self.load()
        plan = await asyncio.to_thread(self.plan, text, clause_chars)  # normalising may look words up: off the loop
        rendered: list[PCM] = []
        for piece, pause in plan:
            pcm = self._ready.get((piece, rate, pause))
            pcm = self._pieces.get((piece, rate, pause)) if pcm is None else pcm
            if pcm is None:
                pcm = await self._render_piece(piece, rate, pause, every_piece_waited or not rendered)
            rendered.append(pcm)
            yield pcm
        if len(text) <= self._cache_max_chars:
            self._cache.put((text, rate), tuple(rendered))

    async def _render_piece(self, piece: str, rate: int, pause: float, waited_for: bool) -> PCM:
        """One piece rendered in a worker slot, then kept in the piece cache (read-only: calls share it)."""
        pcm, waited = await run_in_slot(self._slots.get(), self._render, piece, rate, pause, waited_for)
        if self.queue_observer is not None:
            self.queue_observer(waited)
        pcm.setflags(write=False)
        self._pieces.put((piece, rate, pause), pcm)
        if piece in self._spoken[1]:
            self._ready[(piece, rate, pause)] = pcm
        return pcm

    async def synthesize(self, text: str, rate: int) -> PCM:
        """The whole utterance at ``rate``, sentences rendered whole: nobody hears it before it is all
        rendered (a pre-render, a file), so cutting the first clause would gain nothing."""
        chunks = [c async for c in self._stream(text, rate, 0, every_piece_waited=True)]
        return np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.int16)

    async def warm(self, texts: Iterable[str], rates: Iterable[int]) -> None:
        """Pre-render frequent prompts at every rate they are played at (start-up, before calls)."""
        rate_list = list(rates)
        for text in texts:
            for rate in rate_list:
                await self.synthesize(text, rate)

    def is_cached(self, text: str, rate: int) -> bool:
        return (text, rate) in self._cache

    def clear_cache(self) -> None:
        self._cache.clear()
        self._pieces.clear()


def _session(onnx: Any, threads: int, providers: list[str]) -> Any:
    """The voice's ONNX session with ``threads`` intra-op threads (Piper's own uses every core).

    Why: on a small machine Whisper and Piper run at the same time for different callers; a synthesis
    spreading over all cores slows the recognition the next caller is waiting for (docs/benchmarks.md).
    """
    import onnxruntime

    opts = onnxruntime.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    return onnxruntime.InferenceSession(str(onnx), sess_options=opts, providers=providers)
