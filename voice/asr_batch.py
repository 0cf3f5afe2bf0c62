"""Several callers' turns recognised in one Whisper batch when they queue up for the recognizer.

Why: on a CPU the recognizer is the one heavy stage per turn, and when several calls end a turn at about
the same moment they wait for each other. CTranslate2 decodes a batch in one pass over the weights, so three
turns take ~0.75x the time of three in a row on 2 cores (docs/benchmarks.md). A lone turn never waits to
form a batch: batching only happens among requests that are already queued.

The batched pass mirrors what faster-whisper does for one utterance (same prompt with the hotwords, same
suppressed tokens, greedy at temperature 0, the same silence rule); an item whose result would make
faster-whisper fall back to a higher temperature (low log-probability or a repetition loop) is recognised
again alone by the full path, so quality is the same as unbatched.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

Recognised = tuple[str, float, tuple[tuple[float, float, str], ...]]  # text, confidence, segments
LOG_PROB_THRESHOLD = -1.0  # faster-whisper's defaults: below this (or above the ratio) it re-decodes
COMPRESSION_THRESHOLD = 2.4


def decode_batch(
    model: Any, audios: Sequence[np.ndarray], hotwords: str | None, options: dict[str, Any], min_frames: int
) -> list[Recognised | None]:
    """Blocking: recognise float32 16 kHz ``audios`` in one pass; None where the full path must redo it."""
    from faster_whisper.tokenizer import Tokenizer
    from faster_whisper.transcribe import get_suppressed_tokens

    from voice.asr import ASR_RATE, TAIL_FRAMES, max_new_tokens

    tokenizer = Tokenizer(model.hf_tokenizer, model.model.is_multilingual, "transcribe", options["language"])
    previous = tokenizer.encode(" " + options["initial_prompt"].strip()) if options.get("initial_prompt") else []
    prompt = model.get_prompt(tokenizer, previous, without_timestamps=True, hotwords=hotwords)
    feats = [model.feature_extractor(a) for a in audios]
    frames = min(3000, max(max(min_frames, f.shape[-1] + TAIL_FRAMES) for f in feats))
    frames += frames % 2  # the encoder's convolution halves the length
    batch = np.stack([np.pad(f[:, :frames], ((0, 0), (0, frames - min(frames, f.shape[-1])))) for f in feats])
    budget = max(max_new_tokens(len(a) / ASR_RATE) for a in audios)
    results = model.model.generate(
        model.encode(batch.astype(np.float32)),
        [list(prompt) for _ in audios],
        beam_size=1,
        max_length=min(model.max_length, len(prompt) + budget),
        return_scores=True,
        return_no_speech_prob=True,
        suppress_blank=True,
        suppress_tokens=get_suppressed_tokens(tokenizer, [-1]),
    )
    return [_item(r, len(a) / ASR_RATE, tokenizer, options) for a, r in zip(audios, results, strict=True)]


def _item(result: Any, audio_s: float, tokenizer: Any, options: dict[str, Any]) -> Recognised | None:
    """One batch item as the full path would see it (None: it would fall back to a higher temperature)."""
    from faster_whisper.transcribe import get_compression_ratio

    from voice.asr import is_hallucination, transcript_confidence

    tokens = [t for t in result.sequences_ids[0] if t < tokenizer.eot]
    avg_logprob = result.scores[0] * len(tokens) / (len(tokens) + 1)  # as faster-whisper recovers it
    text = tokenizer.decode(tokens).strip()
    ratio = get_compression_ratio(text) if text else 0.0
    silence = result.no_speech_prob > options["no_speech_threshold"] and avg_logprob < LOG_PROB_THRESHOLD
    if silence or not text or is_hallucination(text):
        return ("", 0.0, ())
    if avg_logprob < LOG_PROB_THRESHOLD or ratio > COMPRESSION_THRESHOLD:
        return None
    conf = transcript_confidence([(avg_logprob, result.no_speech_prob, ratio, len(tokens))])
    return (text, conf, ((0.0, audio_s, text),))


@dataclass
class _Request:
    key: str | None  # the hotwords prompt: only requests with the same prompt share a batch
    audio: Any  # whatever the model calls take (the recognizer passes (pcm, rate))
    future: asyncio.Future[tuple[Recognised, float, float]]  # (result, queued s, processing s)
    queued: float = field(default_factory=time.perf_counter)


class BatchingQueue:
    """Runs recognitions ``workers`` at a time; whatever queued meanwhile goes in the next batch.

    ``single(audio, key)`` and ``batch(audios, key)`` are the blocking model calls (run in threads).
    """

    def __init__(
        self,
        single: Callable[[Any, str | None], Recognised],
        batch: Callable[[list[Any], str | None], list[Recognised | None]],
        max_batch: int,
        workers: int = 1,
    ) -> None:
        self._single, self._batch, self._max, self._workers = single, batch, max(1, max_batch), max(1, workers)
        self._pending: list[_Request] = []
        self._running = 0
        self._tasks: set[asyncio.Task[None]] = set()
        self.batch_sizes: Counter[int] = Counter()  # model calls made, by batch size (observability, tests)

    async def submit(self, audio: Any, key: str | None) -> tuple[Recognised, float, float]:
        """Recognise ``audio``; returns (result, seconds queued, seconds of model work)."""
        request = _Request(key, audio, asyncio.get_running_loop().create_future())
        self._pending.append(request)
        if self._running < self._workers:
            self._running += 1
            task = asyncio.get_running_loop().create_task(self._work())
            self._tasks.add(task)  # the loop keeps only weak references to tasks
            task.add_done_callback(self._tasks.discard)
        try:
            return await asyncio.shield(request.future)
        except asyncio.CancelledError:
            with contextlib.suppress(ValueError):
                self._pending.remove(request)  # not started yet: costs nothing
            raise

    async def _work(self) -> None:
        try:
            while self._pending:
                group = self._take()
                started = time.perf_counter()
                try:
                    results = await asyncio.to_thread(self._run, [r.audio for r in group], group[0].key)
                except Exception as exc:
                    for r in group:
                        if not r.future.done():
                            r.future.set_exception(exc)
                    continue
                spent = time.perf_counter() - started
                for r, result in zip(group, results, strict=True):
                    if not r.future.done():
                        r.future.set_result((result, started - r.queued, spent))
        finally:
            self._running -= 1

    def _take(self) -> list[_Request]:
        key = self._pending[0].key
        group = [r for r in self._pending if r.key == key][: self._max]
        for r in group:
            self._pending.remove(r)
        return group

    def _run(self, audios: list[Any], key: str | None) -> list[Recognised]:
        """Blocking: one audio through the full path; several as a batch, redoing the doubtful ones alone."""
        self.batch_sizes[len(audios)] += 1
        if len(audios) == 1:
            return [self._single(audios[0], key)]
        batched = self._batch(audios, key)
        return [r if r is not None else self._single(a, key) for a, r in zip(audios, batched, strict=True)]
