"""The recognizer's settings as one frozen value (``WhisperOptions``), and the same fields as keywords
(``WhisperSettings``) for ``WhisperRecognizer(model, beam_size=1, ...)``.

Why a value: the recognizer has two dozen settings (placement, decoding, the guards that judge a reading,
the short-answer path, the lexicon); as one frozen value they are checked when built (an impossible window
or an unknown fall-back fails at start-up, not in a caller's turn), and can be built once and passed on.
Why keywords too: the gateway, the benchmarks and the tests build recognizers with a few keywords each, so
``WhisperRecognizer`` takes any field as a keyword on top of the options; ``WhisperSettings`` types those
keywords and must list exactly the fields of ``WhisperOptions`` (``tests/unit/voice/test_asr_options.py``).

The decoding defaults are the ones ``infolinia bench asr`` kept (docs/benchmarks.md, issue 17).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypedDict

from voice.asr_front import FrontEnd

DEFAULT_FRONT_END = FrontEnd()


def check_decoding(window_s: int, fallback: str) -> None:
    """A recognizer with an impossible window or an unknown fall-back fails when built, not in a caller's turn."""
    if not 1 <= window_s <= 30:
        raise ValueError("window_s must be between 1 and 30 seconds")
    if fallback not in ("sample", "penalty", "none"):
        raise ValueError("fallback must be 'sample', 'penalty' or 'none'")


@dataclass(frozen=True)
class WhisperOptions:
    """Every setting of a ``WhisperRecognizer`` but the model directory."""

    device: str = "auto"
    compute_type: str = "auto"
    beam_size: int = 5
    patience: float = 1.0
    alternatives: int = 3
    cpu_threads: int = 1
    concurrency: int = 1
    language: str = "pl"
    initial_prompt: str | None = None
    hotwords: Sequence[str] = ()
    temperatures: Sequence[float] = (0.0, 0.6)
    fallback: str = "penalty"
    repetition_penalty: float = 1.0
    no_repeat_ngram_size: int = 0
    tokens_per_s: float = 20.0
    reject_logprob: float = -1.4
    guards: bool = True
    short_words: Sequence[str] = ()
    short_s: float = 1.5
    short_reread: bool = True
    lexicon: bool = True
    no_speech_threshold: float = 0.6
    front_end: FrontEnd = DEFAULT_FRONT_END
    window_s: int = 8
    batch: int = 1

    def __post_init__(self) -> None:
        check_decoding(self.window_s, self.fallback)


class WhisperSettings(TypedDict, total=False):
    """The fields of ``WhisperOptions`` as keywords of ``WhisperRecognizer`` (the same names and types)."""

    device: str
    compute_type: str
    beam_size: int
    patience: float
    alternatives: int
    cpu_threads: int
    concurrency: int
    language: str
    initial_prompt: str | None
    hotwords: Sequence[str]
    temperatures: Sequence[float]
    fallback: str
    repetition_penalty: float
    no_repeat_ngram_size: int
    tokens_per_s: float
    reject_logprob: float
    guards: bool
    short_words: Sequence[str]
    short_s: float
    short_reread: bool
    lexicon: bool
    no_speech_threshold: float
    front_end: FrontEnd
    window_s: int
    batch: int
