"""Real speech models shared by the tests marked ``models``: built once per test session.

``tests/e2e/conftest.py`` hands them to the end-to-end tests.
The models directory is ``INFOLINIA_MODELS_DIR`` when set, else the gateway's default cache, where
``make models`` has already assembled Whisper base, so the suite does not build it a second time.
Without the offline models (or the eval set) the tests that need them are skipped with the command that
fetches them, or fail when ``CI`` is set (``tests/support/needs.py``).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.needs import EVAL_HINT, missing
from tests.support.paths import EVAL_DIR
from voice.asr import WhisperRecognizer
from voice.models import ModelNotAvailable, VoiceSpec, resolve_voice, resolve_whisper
from voice.tts import PiperSynthesizer

__all__ = ["eval_dir", "models_dir", "recognizer", "synthesizer", "voice_spec", "whisper_base"]


@pytest.fixture(scope="session")
def models_dir() -> Path:
    env = os.environ.get("INFOLINIA_MODELS_DIR")
    return Path(env) if env else Path.home() / ".cache" / "infolinia" / "models"


@pytest.fixture(scope="session")
def whisper_base(models_dir: Path) -> str:
    try:
        return resolve_whisper("base", models_dir)
    except ModelNotAvailable as exc:
        missing(str(exc))


@pytest.fixture(scope="session")
def recognizer(whisper_base: str) -> WhisperRecognizer:
    """Whisper base, greedy (beam 1: the deployed beam 5 costs these tests time, not coverage), guards and
    the deterministic fallback as deployed; temperature 0 only, so results are repeatable."""
    rec = WhisperRecognizer(whisper_base, device="auto", beam_size=1, temperatures=(0.0,))
    rec.load_blocking()
    return rec


@pytest.fixture(scope="session")
def voice_spec(models_dir: Path) -> VoiceSpec:
    try:
        return resolve_voice(None, models_dir)
    except ModelNotAvailable as exc:
        missing(str(exc))


@pytest.fixture(scope="session")
def synthesizer(voice_spec: VoiceSpec) -> PiperSynthesizer:
    """The configured voice (the offline fallback unless a Polish voice is downloaded), deterministic."""
    synth = PiperSynthesizer(voice_spec, noise_scale=0.0, noise_w_scale=0.0)
    synth.load_blocking()
    return synth


@pytest.fixture
def eval_dir() -> Iterator[Path]:
    if not (EVAL_DIR / "manifest.tsv").is_file():
        missing(EVAL_HINT)
    yield EVAL_DIR
