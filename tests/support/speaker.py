"""Real components the speaker tests share (Wyoming over TCP, the device voice-turn API): the real
dialog engine, built once, and ``Services`` around any recognizer and synthesizer."""

from __future__ import annotations

import functools
from typing import Any

from dialog.factory import build_engine
from dialog.ports import Dialog, Transfer
from dialog.store import MemoryStore
from telephony.app.services import Services
from telephony.settings import Settings
from telephony.speaker.callback import CallbackState, offer
from tests.support.paths import EVAL_DIR

EVAL_WAV = EVAL_DIR / "wav16k/nemo/nemo_EB0_neutral_14.wav"  # "Ten miesiąc minął bardzo szybko."


@functools.cache
def real_engine() -> Any:
    """The real dialog engine over its own MemoryStore, built once (loading the KB takes seconds)."""
    store = MemoryStore()
    return build_engine(store=store), store


def services_with(dialog: Dialog, store: Any, asr: Any = None, tts: Any = None) -> Services:
    return Services(Settings.model_validate({"whisper_model": "base"}), store, dialog, asr, tts)


def offered_state() -> CallbackState:
    """A speaker's callback offer just made ("Czy mam poprosić konsultanta o telefon?"), for answering it."""
    step = offer(Transfer(queue="default", reason="requested_human", priority=1, summary="s"))
    assert step.state is not None and step.state.stage == "offered"
    return step.state
