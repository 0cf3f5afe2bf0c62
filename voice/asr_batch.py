"""Several callers' turns recognised in one Whisper batch when they queue up for the recognizer.

Why: on a CPU the recognizer is the one heavy stage per turn, and when several calls end a turn at about
the same moment they wait for each other. CTranslate2 decodes a batch in one pass over the weights, so three
turns take ~0.75x the time of three in a row on 2 cores (docs/benchmarks.md). A lone turn never waits to
form a batch: batching only happens among requests that are already queued.

The batched pass mirrors what faster-whisper does for one utterance: the same mel frames (its last, padding
frame dropped), the same encoder length (turns are batched only with turns of equal length, see
``decode_batch``), the same prompt with the hotwords, suppressed tokens, beam and silence rule at
temperature 0. An item whose result would make faster-whisper fall back to a higher temperature (low
log-probability or a repetition loop), or that used more than its own token budget, is recognised again
alone by the full path. A batch thus reads each turn as it would be read alone (issue 20; the whole eval
set in docs/benchmarks.md).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from voice.asr_rules import (
    ASR_RATE,
    LOG_PROB_THRESHOLD,
    MAX_FRAMES,
    REPETITION_RATIO,
    encoder_frames,
    is_hallucination,
    max_new_tokens,
    transcript_confidence,
)

Recognised = tuple[str, float, tuple[tuple[float, float, str], ...]]  # text, confidence, segments


def decode_batch(
    model: Any, audios: Sequence[np.ndarray], hotwords: str | None, options: dict[str, Any], min_frames: int
) -> list[Recognised | None]:
    """Blocking: recognise float32 16 kHz ``audios`` in batches; None where the full path must redo it.

    Whisper's encoder has no padding mask, so a turn padded to a longer neighbour's length is heard
    differently (issue 20: "Interesuje mnie historia Polski." became "Interesujemy niej historii Apolski.").
    Items are therefore grouped by the encoder length they would get alone (``encoder_frames``): every
    turn shorter than the window minus the 2 s tail shares one length, so phone turns still batch.
    """
    from faster_whisper.tokenizer import Tokenizer

    tokenizer = Tokenizer(model.hf_tokenizer, model.model.is_multilingual, "transcribe", options["language"])
    previous = tokenizer.encode(" " + options["initial_prompt"].strip()) if options.get("initial_prompt") else []
    prompt = model.get_prompt(tokenizer, previous, without_timestamps=True, hotwords=hotwords)
    # faster-whisper drops the extractor's last frame (the 160 samples of padding it adds) as here
    feats = [model.feature_extractor(a)[:, :-1] for a in audios]
    groups: dict[int, list[int]] = defaultdict(list)
    for i, f in enumerate(feats):
        if f.shape[-1] <= MAX_FRAMES:  # longer than one window: several segments, the full path's job
            groups[encoder_frames(f.shape[-1] - 1, min_frames)].append(i)
    results: list[Recognised | None] = [None] * len(audios)
    for frames, members in groups.items():
        batch = np.stack([np.pad(feats[i], ((0, 0), (0, frames - feats[i].shape[-1]))) for i in members])
        budgets = [max_new_tokens(len(audios[i]) / ASR_RATE) for i in members]
        out = _generate(model, tokenizer, batch.astype(np.float32), prompt, max(budgets), options)
        for i, r, budget in zip(members, out, budgets, strict=True):
            results[i] = _item(r, len(audios[i]) / ASR_RATE, budget, tokenizer, options)
    return results


def _generate(
    model: Any, tokenizer: Any, batch: np.ndarray, prompt: list[int], budget: int, opts: dict[str, Any]
) -> Any:
    """One CTranslate2 pass at temperature 0 with the options faster-whisper's own first pass uses."""
    from faster_whisper.transcribe import get_suppressed_tokens

    return model.model.generate(
        model.encode(batch),
        [list(prompt) for _ in range(len(batch))],
        beam_size=opts["beam_size"],
        patience=opts.get("patience", 1.0),
        max_length=min(model.max_length, len(prompt) + budget),
        return_scores=True,
        return_no_speech_prob=True,
        suppress_blank=True,
        suppress_tokens=get_suppressed_tokens(tokenizer, [-1]),
    )


def _item(result: Any, audio_s: float, budget: int, tokenizer: Any, options: dict[str, Any]) -> Recognised | None:
    """One batch item as the full path would see it (None: the full path must redo it alone)."""
    from faster_whisper.transcribe import get_compression_ratio

    tokens = [t for t in result.sequences_ids[0] if t < tokenizer.eot]
    if len(tokens) >= budget:  # the batch's budget was larger than this turn's: alone it would stop earlier
        return None
    avg_logprob = result.scores[0] * len(tokens) / (len(tokens) + 1)  # as faster-whisper recovers it
    text = tokenizer.decode(tokens).strip()
    ratio = get_compression_ratio(text) if text else 0.0
    silence = result.no_speech_prob > options["no_speech_threshold"] and avg_logprob < LOG_PROB_THRESHOLD
    if silence or not text or is_hallucination(text):
        return ("", 0.0, ())
    if avg_logprob < LOG_PROB_THRESHOLD or ratio > REPETITION_RATIO:
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
