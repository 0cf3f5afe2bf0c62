"""Pure rules of Whisper decoding shared by the one-by-one path (``voice.asr``) and the batched one
(``voice.asr_batch``): decoding budget, encoder input length, confidence, what counts as a hallucination.

Why a module of its own: both paths must apply exactly the same rules, or a turn is read differently
depending on whether another caller happened to speak at the same moment; keeping them here also keeps
the two recognizer modules free of an import cycle.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from voice.asr_score import has_loop, normalize_text, repeated_phrase, repeats_whole

ASR_RATE = 16000  # Whisper's input rate
REPETITION_RATIO = 2.4  # gzip compression ratio above which Whisper itself calls a decoding a loop
LOG_PROB_THRESHOLD = -1.0  # faster-whisper's default: below this (or above the ratio) it re-decodes
MAX_FRAMES = 3000  # Whisper's 30 s window, in mel frames
TAIL_FRAMES = 200  # mel frames (2 s) of padding kept after the last frame with content

# Quieter than this in its loudest 32 ms, an utterance holds no speech: Whisper given digital silence or a
# line's hiss invents words ("Zwroty sześć" for 0.5 s of zeros from a Wyoming client), so it is not decoded.
# Speech measures -24 to -8 dBFS there on the shared eval set (16 kHz and phone copies); a quiet far-field
# microphone perhaps -45: -60 leaves a wide margin.
SILENCE_DBFS = -60.0

# Whisper (trained on subtitles) hallucinates subtitle credits on noise or hold music.
_HALLUCINATION_MARKERS = (
    "amara.org",
    "napisy stworzone",
    "napisy wykonane",
    "napisy by",
    "tłumaczenie i napisy",
)


def segment_confidence(avg_logprob: float, no_speech_prob: float, compression_ratio: float = 1.0) -> float:
    """Confidence of one segment in 0..1: exp(avg_logprob) * (1 - no_speech_prob) * repetition factor.

    exp(avg_logprob) is the geometric mean of the chosen tokens' probabilities (how sure the decoder
    was of the words); (1 - no_speech_prob) discounts segments the model thinks are not speech at all;
    the repetition factor min(1, (2.4 / compression_ratio)^2) sinks decoding loops ("to jest to, że to
    jest to, ..."), which Whisper emits with high token probabilities. 2.4 is Whisper's own threshold.
    """
    repetition = min(1.0, (REPETITION_RATIO / compression_ratio) ** 2) if compression_ratio > 0 else 1.0
    return min(1.0, max(0.0, math.exp(avg_logprob) * (1.0 - no_speech_prob) * repetition))


def transcript_confidence(segments: Sequence[tuple[float, float, float, int]]) -> float:
    """Token-weighted mean of segment confidences.

    Items are (avg_logprob, no_speech_prob, compression_ratio, n_tokens) per segment.
    """
    total = sum(max(n, 1) for *_, n in segments)
    if not segments:
        return 0.0
    return sum(segment_confidence(lp, ns, cr) * max(n, 1) for lp, ns, cr, n in segments) / total


def max_new_tokens(audio_s: float, tokens_per_s: float = 20.0) -> int:
    """Decoding budget for ``audio_s`` of speech: bounds the time a decoding loop can waste.

    Read Polish speech measures at most ~11 Whisper tokens per second (punctuation included); 20/s plus
    16 leaves room for fast talkers. Capped at 200 so that with a full hotwords prompt (at most 223
    tokens) the total stays under Whisper's 448-token limit, which faster-whisper enforces. A decoding
    that uses its whole budget is a loop (``verdict``).
    """
    return min(200, 16 + math.ceil(tokens_per_s * audio_s))


def encoder_frames(last_content_frame: int, min_frames: int) -> int:
    """Mel frames the encoder is given for content ending at ``last_content_frame`` (-1: no content).

    At least ``min_frames`` (the recognizer's window) and ``TAIL_FRAMES`` of silence after the last
    frame with content (cut flush at the last word, Whisper dropped the last sentence of a 10 s turn),
    even (the encoder's convolution halves the length), at most Whisper's 30 s.
    """
    keep = max(min_frames, last_content_frame + 1 + TAIL_FRAMES if last_content_frame >= 0 else 0)
    keep += keep % 2
    return min(keep, MAX_FRAMES)


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


def loudest_dbfs(pcm: npt.NDArray[np.int16], rate: int, window_s: float = 0.032) -> float:
    """The RMS level of the loudest ``window_s`` of an utterance, in dBFS (-inf for digital silence)."""
    if len(pcm) == 0:
        return -math.inf
    size = max(1, round(window_s * rate))
    samples = pcm.astype(np.float32) / 32768.0
    padded = np.pad(samples, (0, (-len(samples)) % size))
    loudest = float(np.sqrt(np.mean(padded.reshape(-1, size) ** 2, axis=1)).max())
    return 20.0 * math.log10(loudest) if loudest > 0.0 else -math.inf


def is_hallucination(text: str) -> bool:
    """True for Whisper's known subtitle-credit hallucinations (never something a caller says)."""
    low = text.lower()
    return any(marker in low for marker in _HALLUCINATION_MARKERS)


def without_echo(text: str) -> str:
    """``text`` with a phrase Whisper wrote twice in a row (``repeated_phrase``) kept once, as it was said;
    compared word by word after the scorer's normalisation, cut in the words as written."""
    words = text.split()
    while (found := repeated_phrase([normalize_text(w) for w in words])) is not None:
        start, n = found
        del words[start + n : start + 2 * n]
    return " ".join(words) if len(words) < len(text.split()) else text


def compression_ratio(text: str) -> float:
    """gzip ratio of the text, as Whisper computes it: above 2.4 the text repeats itself."""
    data = text.encode("utf-8")
    return len(data) / len(zlib.compress(data)) if data else 0.0


def needs_fallback(text: str, avg_logprob: float, n_tokens: int, budget: int) -> bool:
    """Whisper's own re-decoding rule (low log-prob or a repetitive text), plus loops, a text said twice
    whole and a spent budget."""
    return (
        avg_logprob < LOG_PROB_THRESHOLD
        or compression_ratio(text) > REPETITION_RATIO
        or has_loop(text)
        or repeats_whole(text)
        or n_tokens >= budget
    )


def verdict(
    text: str, avg_logprob: float, no_speech_prob: float, n_tokens: int, budget: int, *, no_speech: float, reject: float
) -> str:
    """Why a final decoding must not reach the dialog as what the caller said; "" when it may.

    "silence" and "hallucination" are heard as nothing (no words); "loop", "budget" (a spent token budget:
    a loop cut short) and "low_logprob" (average log-prob under ``reject``: the decoder was guessing) are
    rejections: the caller is asked to repeat, and they are counted and logged apart.
    """
    if not text:
        return "silence"
    if no_speech_prob > no_speech and avg_logprob < LOG_PROB_THRESHOLD:
        return "silence"
    if is_hallucination(text):
        return "hallucination"
    if has_loop(text) or compression_ratio(text) > REPETITION_RATIO:
        return "loop"
    if n_tokens >= budget:
        return "budget"
    if avg_logprob < reject:
        return "low_logprob"
    return ""
