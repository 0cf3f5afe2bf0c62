"""Whole calls over the real wire: the real Twilio router and call pipeline served by a real uvicorn,
for the simulator, metrics and load-test tests (their caller is ``telephony.devtools.simulator``).

Tone audio carries no words, so ``LengthRecognizer`` tells the caller's turns apart by duration.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import numpy as np
import soundfile as sf
from fastapi import FastAPI

from dialog.ports import Dialog, KeyValueStore
from telephony.call.loop import CallDeps, run_call
from telephony.ports import AudioChannel, CallStarted
from telephony.twilio.deps import TwilioDeps
from telephony.twilio.routes import build_twilio_router
from tests.support.call import FALLBACK, call_deps
from tests.support.servers import serve_in_thread
from voice.ports import PCM, Transcript

TOKEN = "sim-auth-token-0123456789abcdef"
PUBLIC = "https://voice.example.pl"


@asynccontextmanager
async def gateway(deps: CallDeps, store: KeyValueStore, **twilio: Any) -> AsyncIterator[str]:
    """The Twilio router with the real call pipeline, served by uvicorn on a free port (``twilio``: more
    ``TwilioDeps`` fields, e.g. ``send_timeout_s``)."""

    async def pipeline(channel: AudioChannel, started: CallStarted) -> None:
        await run_call(deps, channel, started)

    edge = TwilioDeps(PUBLIC, TOKEN, FALLBACK, store, pipeline, **twilio)
    app = FastAPI()
    app.include_router(build_twilio_router(edge))
    with serve_in_thread(app) as base:
        yield base


class LengthRecognizer:
    """Tells the caller's turns apart by duration (tone audio carries no words)."""

    def __init__(self, short: str, long: str) -> None:
        self.short, self.long = short, long

    async def transcribe(self, pcm: PCM, rate: int, hotwords: Sequence[str] = ()) -> Transcript:
        seconds = len(pcm) / rate
        return Transcript(self.short if seconds < 1.6 else self.long, 1.0, seconds, 0.001)


def tone_wav(path: Path, seconds: float) -> str:
    pcm = (np.sin(2 * np.pi * 440 * np.arange(int(seconds * 16000)) / 16000) * 9000).astype(np.int16)
    sf.write(str(path), np.concatenate([pcm, np.zeros(1600, dtype=np.int16)]), 16000)  # any rate is fine
    return str(path)


def deps_for(dialog: Dialog, store: KeyValueStore, recognizer: Any, synth: Any, vad: Any, **kw: Any) -> CallDeps:
    """``call_deps`` with the pieces a whole-call test chooses (the call control stays a fake)."""
    return call_deps(dialog=dialog, store=store, recognizer=recognizer, synthesizer=synth, vad_factory=vad, **kw)
