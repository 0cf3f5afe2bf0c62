"""The blocking half of the recognizer: decode turns, re-decode doubtful ones, judge what may be passed on.

Why separate from ``voice.asr``: that module is about the event loop (slots, batching queue, cancellation);
this one is what runs in the worker thread. Every turn, alone or batched, takes the same steps:

1. ``decode_batch``: the first pass at temperature 0 (greedy or beam, with the n-best list).
2. A short turn whose reading is doubtful (``voice.asr_short``): read again with only the tokens of the
   closed vocabulary ("tak", "nie", number words); a sure reading that snaps to it is the answer.
3. Otherwise, if Whisper's own rule would re-decode it (low log-prob, repetitive text) or it loops or spends its token
   budget: the fallback policy. "sample" is Whisper's temperature fallback, with a fixed seed so that a run
   can be repeated; "penalty" re-decodes once with a repetition penalty and no repeated 3-grams (no
   sampling at all); "none" keeps the first pass.
4. ``verdict`` on the best reading (a reading that passes may then give way to another of the beam's
   hypotheses with more real Polish words, ``voice.asr_lexicon``): silence and subtitle credits become no
   words; loops, spent budgets and guesses under the log-prob floor are *rejected*: the caller hears
   "proszę powtórzyć" as for an empty transcript, and the rejection is counted and logged so garbage never
   reaches the dialog as if the caller said it.

Turns longer than one 30 s window go through faster-whisper's ``transcribe`` (several windows).

``wanted`` is asked before each pass after the first: a turn nobody waits for any more (a speculative
recognition the caller talked over) stops there, since a thread cannot be interrupted mid-pass.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from voice.asr_decode import Decoded, closed_suppression, decode_batch, decode_encoded
from voice.asr_lexicon import LEXICON_WEIGHT, Lexicon, best_hypothesis
from voice.asr_rules import (
    ASR_RATE,
    REPETITION_RATIO,
    compression_ratio,
    is_hallucination,
    max_new_tokens,
    needs_fallback,
    transcript_confidence,
    verdict,
    without_echo,
)
from voice.asr_score import has_loop, normalize_text, repeats_whole
from voice.asr_short import ShortAnswers, pick_answer, should_reread

log = logging.getLogger(__name__)
FALLBACK_SEED = 1234  # sampling fallback: the same turn gets the same transcript on every run


def always() -> bool:
    """``wanted`` of a recognition that is always waited for."""
    return True


@dataclass(frozen=True)
class Heard:
    """One turn's outcome: what the dialog gets (``text``, empty when rejected) and why."""

    text: str
    confidence: float
    segments: tuple[tuple[float, float, str], ...] = ()
    rejected: str = ""  # "", or "loop" | "budget" | "low_logprob": the caller is asked to repeat
    rejected_text: str = ""  # what Whisper produced, for the log only
    alternatives: tuple[tuple[str, float], ...] = ()


@dataclass
class Engine:
    """Decoding settings plus the loaded faster-whisper model; ``recognise`` is blocking."""

    model: Any
    options: dict[str, Any]  # language, beam_size, patience, alternatives, penalties, prompt, thresholds
    min_frames: int
    tokens_per_s: float = 20.0
    fallback: str = "sample"  # "sample" | "penalty" | "none"
    temperatures: Sequence[float] = (0.0, 0.6)
    reject_logprob: float = float("-inf")
    guards: bool = True  # False: loops and guesses pass as heard (the behaviour before issue 17, for the bench)
    short: ShortAnswers | None = None  # doubtful short turns re-read against a closed vocabulary ("tak", numbers)
    lexicon: Lexicon | None = None  # the n-best hypothesis with more real words may win (``voice.asr_lexicon``)
    lexicon_weight: float = LEXICON_WEIGHT
    rejections: Counter[str] = field(default_factory=Counter)
    reread: Counter[str] = field(default_factory=Counter)  # short turns re-read: "kept" free reading or "answer"
    _suppress: list[int] | None = None

    def recognise(
        self, audios: Sequence[np.ndarray], hotwords: str | None, wanted: Callable[[], bool] = always
    ) -> list[Heard]:
        """Blocking: float32 16 kHz turns -> what was heard, batched where their lengths allow."""
        first = decode_batch(self.model, audios, hotwords, self.options, self.min_frames, self.tokens_per_s)
        return [
            self._long(audio, hotwords) if d is None else self._one(audio, d, hotwords, wanted)
            for audio, d in zip(audios, first, strict=True)
        ]

    def _one(self, audio: np.ndarray, d: Decoded, hotwords: str | None, wanted: Callable[[], bool]) -> Heard:
        """Steps 2-4 for one turn decoded within a window (none of them for a turn nobody waits for)."""
        if not wanted():
            return Heard("", 0.0)  # nobody reads it
        answer = self._short_answer(audio, d, hotwords)
        if answer is not None:
            return self._judge(answer, audio)  # a closed-vocabulary answer is not rescored by the lexicon
        domain = frozenset(normalize_text(hotwords or "").split())  # the KB's words count as words too
        return self._judge(self._settle(audio, d, hotwords, wanted), audio, rescore=domain)

    def _settle(self, audio: np.ndarray, d: Decoded, hotwords: str | None, wanted: Callable[[], bool]) -> Decoded:
        """The fallback policy for a doubtful first pass; the first candidate that passes wins."""
        if self.fallback == "none" or not needs_fallback(d.text, d.avg_logprob, d.n_tokens, d.budget):
            return d
        candidates = [d]
        for opts in self._fallback_options():
            if not wanted():
                break
            if opts.get("sampling_temperature"):
                import ctranslate2

                ctranslate2.set_random_seed(FALLBACK_SEED)
            again = self._again(audio, d, hotwords, opts)
            candidates.append(again)
            if not needs_fallback(again.text, again.avg_logprob, again.n_tokens, again.budget):
                return again
        # as faster-whisper (the compression ratio), and never a text said twice whole when another reading is not
        clean = [c for c in candidates if compression_ratio(c.text) <= 2.4 and not repeats_whole(c.text)] or candidates
        return max(clean, key=lambda c: c.avg_logprob)

    def _again(self, audio: np.ndarray, d: Decoded, hotwords: str | None, opts: dict[str, Any]) -> Decoded:
        """A re-decoding of ``d``'s turn with other options: from the encoder output its first pass kept (on
        a CPU; bit for bit what encoding again gives, at the cost of the decoder alone), else from the audio."""
        if d.encoded is not None:
            return decode_encoded(self.model, d, hotwords, opts)
        (again,) = decode_batch(self.model, [audio], hotwords, opts, self.min_frames, self.tokens_per_s)
        assert again is not None  # the first pass decoded this turn, so it fits one window
        return again

    def _short_answer(self, audio: np.ndarray, d: Decoded, hotwords: str | None) -> Decoded | None:
        """A doubtful short turn read again with only the closed vocabulary's tokens (``voice.asr_short``);
        None when that gives no answer (the fallback policy then settles the free reading as for any turn).
        Tried before the fallback: a turn that is an answer needs no re-decoding of its free reading."""
        if self.short is None or not should_reread(self.short, len(audio) / ASR_RATE, d.text, d.avg_logprob):
            return None
        if self._suppress is None:
            self._suppress = closed_suppression(self.model, self.options, self.short)
        opts = {**self.options, "alternatives": 1}
        if d.encoded is not None:
            closed: Decoded | None = decode_encoded(self.model, d, hotwords, opts, self._suppress)
        else:
            (closed,) = decode_batch(
                self.model, [audio], hotwords, opts, self.min_frames, self.tokens_per_s, suppress=self._suppress
            )
        answer = None if closed is None else pick_answer(self.short, [closed.text, d.text], closed.avg_logprob)
        self.reread["answer" if answer else "kept"] += 1
        if closed is None or answer is None:
            return None
        log.info("short turn read as %r (free reading %r, avg log-prob %.2f)", answer, d.text, d.avg_logprob)
        return replace(closed, text=answer, alternatives=((answer, closed.avg_logprob), *d.alternatives))

    def _fallback_options(self) -> list[dict[str, Any]]:
        if self.fallback == "penalty":
            beam = max(5, self.options["beam_size"])
            return [{**self.options, "beam_size": beam, "repetition_penalty": 1.3, "no_repeat_ngram_size": 3}]
        return [{**self.options, "sampling_temperature": t, "alternatives": 1} for t in self.temperatures if t > 0]

    def _rescored(self, d: Decoded, domain: frozenset[str]) -> Decoded:
        """The n-best hypothesis with the best log-prob + lexicon score, first among the alternatives;
        ``domain`` words (the hotwords: product and place names) are known words too."""
        lexicon = self.lexicon
        if lexicon is None or len(d.alternatives) < 2:
            return d
        text, logprob = best_hypothesis(d.alternatives, lambda w: w in domain or lexicon(w), self.lexicon_weight)
        if text == d.text or has_loop(text) or compression_ratio(text) > REPETITION_RATIO:
            return d
        others = tuple(a for a in d.alternatives if a != (text, logprob))
        return replace(d, text=text, avg_logprob=logprob, alternatives=((text, logprob), *others))

    def _judge(self, d: Decoded, audio: np.ndarray, rescore: frozenset[str] | None = None) -> Heard:
        d = replace(d, text=without_echo(d.text), alternatives=tuple((without_echo(t), p) for t, p in d.alternatives))
        why = verdict(d.text, d.avg_logprob, d.no_speech_prob, d.n_tokens, d.budget,
                      no_speech=self.options["no_speech_threshold"], reject=self.reject_logprob)  # fmt: skip
        if why in ("silence", "hallucination"):
            return Heard("", 0.0)
        if why and self.guards:
            self.rejections[why] += 1
            log.info("transcript rejected (%s, avg log-prob %.2f): %r", why, d.avg_logprob, d.text)
            return Heard("", 0.0, rejected=why, rejected_text=d.text, alternatives=d.alternatives)
        d = self._rescored(d, rescore) if rescore is not None else d
        ratio = compression_ratio(d.text)
        confidence = transcript_confidence([(d.avg_logprob, d.no_speech_prob, ratio, d.n_tokens)])
        return Heard(d.text, confidence, ((0.0, len(audio) / ASR_RATE, d.text),), alternatives=d.alternatives)

    def _long(self, audio: np.ndarray, hotwords: str | None) -> Heard:
        """A turn over 30 s: faster-whisper's windowed ``transcribe`` with Whisper's own fallback."""
        fw_options = {k: v for k, v in self.options.items() if k not in ("alternatives", "sampling_temperature")}
        budget = max_new_tokens(len(audio) / ASR_RATE, self.tokens_per_s)
        generator, _info = self.model.transcribe(
            audio, hotwords=hotwords, max_new_tokens=budget, temperature=list(self.temperatures),
            condition_on_previous_text=False, vad_filter=False, without_timestamps=True, **fw_options,
        )  # fmt: skip
        kept = [s for s in generator if s.text.strip() and not is_hallucination(s.text)]
        confidence = transcript_confidence(
            [(s.avg_logprob, s.no_speech_prob, s.compression_ratio, len(s.tokens)) for s in kept]
        )
        segments = tuple((float(s.start), float(s.end), s.text.strip()) for s in kept)
        text = without_echo(" ".join(s.text.strip() for s in kept))  # a segment written twice, once
        return replace(Heard(text, confidence), segments=segments)
