"""Our own Whisper decoding pass over one or several turns, as faster-whisper's first pass does it.

Why our own pass and not ``WhisperModel.transcribe``: it is the same computation (same mel frames with the
extractor's padding frame dropped, the same prompt with the hotwords, suppressed tokens and silence rule),
but it can take several callers' turns at once and return the beam's n-best list, which ``transcribe``
does not expose. One turn alone and the same turn in a batch go through this one function, so they are read
alike by construction (issue 20).

Whisper's encoder has no padding mask, so a turn padded to a longer neighbour's length is heard differently
("Interesuje mnie historia Polski." became "Interesujemy niej historii Apolski."). Turns are therefore
grouped by the encoder length they would get alone (``encoder_frames``); every turn shorter than the window
minus the 2 s tail shares one length, so phone turns still batch.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from voice.asr_rules import ASR_RATE, MAX_FRAMES, encoder_frames, max_new_tokens
from voice.asr_short import ShortAnswers


@dataclass(frozen=True)
class Decoded:
    """One turn's best hypothesis with what the guards judge it by, and the beam's other hypotheses."""

    text: str
    avg_logprob: float
    no_speech_prob: float
    n_tokens: int
    budget: int  # tokens this turn was allowed (``max_new_tokens``)
    alternatives: tuple[tuple[str, float], ...] = ()  # (text, avg log-prob), best first, the best included
    encoded: Any = field(default=None, repr=False, compare=False)  # this turn's encoder output (CPU), for a re-read


def prompt_tokens(model: Any, hotwords: str | None, options: dict[str, Any]) -> tuple[Any, list[int]]:
    """(tokenizer, prompt) exactly as faster-whisper builds them for an utterance without timestamps."""
    from faster_whisper.tokenizer import Tokenizer

    tokenizer = Tokenizer(model.hf_tokenizer, model.model.is_multilingual, "transcribe", options["language"])
    previous = tokenizer.encode(" " + options["initial_prompt"].strip()) if options.get("initial_prompt") else []
    return tokenizer, model.get_prompt(tokenizer, previous, without_timestamps=True, hotwords=hotwords)


def closed_suppression(model: Any, options: dict[str, Any], answers: ShortAnswers) -> list[int]:
    """Token ids to suppress so that a decoding can only spell ``answers``' words (and Whisper's usual set)."""
    tokenizer, _ = prompt_tokens(model, None, options)
    return sorted(set(answers.suppressed(tokenizer.encode, tokenizer.eot)) | set(_usual(tokenizer)))


def decode_batch(
    model: Any,
    audios: Sequence[np.ndarray],
    hotwords: str | None,
    options: dict[str, Any],
    min_frames: int,
    tokens_per_s: float,
    suppress: Sequence[int] | None = None,
) -> list[Decoded | None]:
    """Blocking: decode float32 16 kHz ``audios``; None for a turn longer than one 30 s window.

    ``suppress``: token ids never to emit, instead of Whisper's usual set (a closed vocabulary,
    ``voice.asr_short``).
    """
    tokenizer, prompt = prompt_tokens(model, hotwords, options)
    feats = [model.feature_extractor(a)[:, :-1] for a in audios]  # faster-whisper drops the padding frame
    groups: dict[int, list[int]] = defaultdict(list)
    for i, f in enumerate(feats):
        if f.shape[-1] <= MAX_FRAMES:  # longer: several windows, faster-whisper's own path
            groups[encoder_frames(f.shape[-1] - 1, min_frames)].append(i)
    results: list[Decoded | None] = [None] * len(audios)
    for frames, members in groups.items():
        batch = np.stack([np.pad(feats[i], ((0, 0), (0, frames - feats[i].shape[-1]))) for i in members])
        budgets = [max_new_tokens(len(audios[i]) / ASR_RATE, tokens_per_s) for i in members]
        encoded = _encode(model, batch.astype(np.float32))
        out = _generate(model, encoded, prompt, max(budgets), options, suppress or _usual(tokenizer))
        kept = np.array(encoded) if model.model.device == "cpu" else None  # a CUDA output stays where it is
        for j, (i, r, budget) in enumerate(zip(members, out, budgets, strict=True)):
            results[i] = replace(_decoded(r, budget, tokenizer), encoded=None if kept is None else kept[j : j + 1])
    return results


def _encode(model: Any, batch: np.ndarray) -> Any:
    """The encoder over a batch of equal-length turns. On a CPU one turn at a time: CTranslate2's CPU encoder
    is slower on a batch than on its turns in turn (4 phone turns, one thread: 446 ms batched, 4 x 67 ms
    alone; docs/benchmarks.md), while the decoder gains from the batch; a GPU encodes the batch at once."""
    if model.model.device != "cpu" or len(batch) == 1:
        return model.encode(batch)
    import ctranslate2

    parts = [np.array(model.encode(batch[i : i + 1])) for i in range(len(batch))]
    return ctranslate2.StorageView.from_array(np.ascontiguousarray(np.concatenate(parts)))


def decode_encoded(
    model: Any, d: Decoded, hotwords: str | None, options: dict[str, Any], suppress: Sequence[int] | None = None
) -> Decoded:
    """Blocking: decode a turn again from the encoder output its first pass kept (``d.encoded``): a second
    reading costs only the decoder (the encoder is most of a short turn's time on a CPU). ``suppress`` as
    for ``decode_batch``; the result keeps the encoder output for a further reading."""
    import ctranslate2

    tokenizer, prompt = prompt_tokens(model, hotwords, options)
    encoded = ctranslate2.StorageView.from_array(np.ascontiguousarray(d.encoded))
    (result,) = _generate(model, encoded, prompt, d.budget, options, suppress or _usual(tokenizer))
    return replace(_decoded(result, d.budget, tokenizer), encoded=d.encoded)


def _usual(tokenizer: Any) -> list[int]:
    """Whisper's usual suppressed tokens (non-speech symbols), as faster-whisper sets them."""
    from faster_whisper.transcribe import get_suppressed_tokens

    return list(get_suppressed_tokens(tokenizer, [-1]))


def _generate(
    model: Any, encoded: Any, prompt: list[int], budget: int, opts: dict[str, Any], suppress: Sequence[int]
) -> Any:
    """One CTranslate2 decoder pass over encoder output, with the recognizer's options (beam or sampling)."""
    search: dict[str, Any] = {"beam_size": opts["beam_size"], "patience": opts["patience"]}
    if opts.get("sampling_temperature"):
        search = {"beam_size": 1, "sampling_topk": 0, "sampling_temperature": opts["sampling_temperature"]}
    return model.model.generate(
        encoded,
        [list(prompt) for _ in range(encoded.shape[0])],
        num_hypotheses=min(opts["alternatives"], search["beam_size"]),
        repetition_penalty=opts["repetition_penalty"],
        no_repeat_ngram_size=opts["no_repeat_ngram_size"],
        max_length=min(model.max_length, len(prompt) + budget),
        return_scores=True,
        return_no_speech_prob=True,
        suppress_blank=True,
        suppress_tokens=list(suppress),
        **search,
    )


def _decoded(result: Any, budget: int, tokenizer: Any) -> Decoded:
    """A generation result as faster-whisper reads it: text, average log-prob over tokens + end token."""
    hypotheses = []
    for ids, score in zip(result.sequences_ids, result.scores, strict=True):
        tokens = [t for t in ids if t < tokenizer.eot]
        hypotheses.append((tokenizer.decode(tokens).strip(), score * len(tokens) / (len(tokens) + 1), len(tokens)))
    text, avg_logprob, n_tokens = hypotheses[0]
    return Decoded(
        text=text,
        avg_logprob=avg_logprob,
        no_speech_prob=float(result.no_speech_prob),
        n_tokens=n_tokens,
        budget=budget,
        alternatives=tuple((t, lp) for t, lp, _ in hypotheses),
    )
