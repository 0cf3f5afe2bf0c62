"""The one call harness, part 2: an in-memory phone line that behaves like Twilio's far end.

Caller audio is delivered 20 ms at a time, and the bot's audio is "played" in step with it (160
samples per caller frame), so marks come back only after the audio before them has played and
``clear`` returns outstanding marks at once. Everything runs on media time: no sleeping.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from dialog.store import MemoryStore
from telephony.call.loop import CallDeps, run_call
from telephony.devtools.simulator_audio import FarEndPlayer
from telephony.ports import AudioIn, CallEnded, CallStarted, Dtmf, InboundEvent, MarkPlayed
from tests.support.call import (
    FRAME,
    GREETING,
    SID,
    TEXTS,
    FakeCallControl,
    Recognizer,
    ScriptedDialog,
    SlowTones,
    call_deps,
    speech,
)
from voice.ports import PCM
from voice.turns import TurnConfig


@dataclass
class _Wait:
    predicate: Callable[[], bool]
    timeout_s: float

    def __call__(self) -> bool:
        return self.predicate()


class Line:
    """The far end of the call: a script of caller actions, plus Twilio-like playback of the bot."""

    def __init__(self) -> None:
        self.steps: list[Any] = []
        self.player = FarEndPlayer()
        self.events: list[InboundEvent] = []  # due marks, delivered before the next frame
        self.sent: list[tuple[str, Any]] = []  # ("audio", samples) | ("mark", name) | ("clear", None)
        self.closed = False

    # script building
    def say(self, text: str, seconds: float = 0.6, then_silence: float = 0.7) -> Line:
        return self.audio(speech(text, seconds)).silence(then_silence)

    def audio(self, pcm: PCM) -> Line:
        self.steps += [pcm[i : i + FRAME] for i in range(0, len(pcm), FRAME)]
        return self

    def silence(self, seconds: float) -> Line:
        return self.audio(np.zeros(int(seconds * 8000), dtype=np.int16))

    def until(self, predicate: Callable[[], bool], timeout_s: float = 5.0) -> Line:
        """Pause the caller (no frames) until the bot has done something, e.g. started its reply; the
        timeout only bounds a hang (longer where the bot waits on something real, e.g. a Redis failover)."""
        self.steps.append(_Wait(predicate, timeout_s))
        return self

    def press(self, keys: str) -> Line:
        self.steps += [Dtmf(k) for k in keys]
        return self

    def replied(self, marks: int) -> Line:
        """Pause the caller until the bot has sent ``marks`` segments in all (greeting = 1)."""
        return self.until(lambda: len(self.marks()) >= marks)

    def play_out(self) -> Line:
        """Silence until the bot has nothing left to play."""
        self.steps.append("play_out")
        return self

    # what the bot did
    def bot_audio_s(self) -> float:
        return sum(n for kind, n in self.sent if kind == "audio") / 8000

    def marks(self) -> list[str]:
        return [n for kind, n in self.sent if kind == "mark"]

    def clears(self) -> int:
        return sum(1 for kind, _ in self.sent if kind == "clear")

    # AudioChannel
    async def receive(self) -> InboundEvent:
        while not self.events:
            if not self.steps:
                return CallEnded("stop")
            step = self.steps[0]
            if callable(step):
                await wait_for(step, getattr(step, "timeout_s", 5.0))
                self.steps.pop(0)
            elif isinstance(step, str):  # play_out
                await asyncio.sleep(0)
                if self.player.idle:
                    self.steps.pop(0)
                else:
                    self._frame(np.zeros(FRAME, dtype=np.int16))
            elif isinstance(step, Dtmf):
                self.events.append(self.steps.pop(0))
            else:
                self._frame(self.steps.pop(0))
        return self.events.pop(0)

    def _frame(self, pcm: PCM) -> None:
        self.events.append(AudioIn(pcm))
        _, due = self.player.tick(0.0)
        self.events += [MarkPlayed(name) for name in due]

    async def send_audio(self, pcm8k: PCM) -> None:
        self.player.add_audio(pcm8k)
        self.sent.append(("audio", len(pcm8k)))

    async def send_mark(self, name: str) -> None:
        self.player.add_mark(name)
        self.sent.append(("mark", name))

    async def clear(self) -> None:
        self.sent.append(("clear", None))
        self.events += [MarkPlayed(name) for name in self.player.clear(0.0)]

    async def close(self) -> None:
        self.closed = True


async def wait_for(predicate: Callable[[], bool], timeout_s: float = 5.0) -> None:
    """Yield to the call's tasks until ``predicate`` holds (the timeout only bounds a hang)."""
    async with asyncio.timeout(timeout_s):
        while not predicate():
            await asyncio.sleep(0.002)


@dataclass
class Harness:
    """A call ready to run: the line to script, the fakes to inspect, the deps ``call`` runs with."""

    line: Line
    dialog: ScriptedDialog
    control: FakeCallControl
    synth: SlowTones
    recognizer: Recognizer
    deps: CallDeps
    store: MemoryStore


async def harness(
    *, synth: SlowTones | None = None, recognizer: Recognizer | None = None, prewarm: bool = True, **kw: Any
) -> Harness:
    dialog, control, store = ScriptedDialog(), FakeCallControl(), kw.pop("store", None) or MemoryStore()
    synth, recognizer = synth or SlowTones(), recognizer or Recognizer()
    deps = call_deps(
        recognizer=recognizer,
        synthesizer=synth,
        dialog=kw.pop("dialog", None) or dialog,
        call_control=control,
        store=store,
        turn_config=kw.pop("turn_config", None) or TurnConfig(),
        texts=TEXTS,
        playout_lead_s=600.0,  # the line plays on media time: send everything at once
        mark_timeout_s=5.0,
        **kw,
    )
    if prewarm:
        await deps.prewarm([GREETING])
    synth.spoken.clear()
    return Harness(Line(), dialog, control, synth, recognizer, deps, store)


async def call(h: Harness, params: dict[str, str] | None = None) -> Any:
    params = {"session_id": "s1", "from": "+48600100200"} if params is None else params
    started = CallStarted(SID, "MZ" + "2" * 32, params)
    return await asyncio.wait_for(run_call(h.deps, h.line, started), 20.0)


def bot_lines(report: Any) -> list[tuple[str, str]]:
    return [(e["text"], e["status"]) for e in report.transcript if e["role"] == "bot"]
