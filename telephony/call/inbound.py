"""Inbound side of a call: caller audio -> VAD -> turn events on media time, and DTMF key handling.

Why media time: Twilio streams caller audio continuously (silence included), so seconds of audio
received is a clock that follows the caller exactly, whatever the network jitter, and lets tests feed
audio faster than real time. The VAD runs in a worker thread: Silero costs ~0.2 ms per 32 ms window,
too much to spend on the event loop across many calls (``vad_ms_per_window`` reports the measured cost).
The end-of-turn model (when configured) also runs in a worker thread, while audio keeps arriving; its
verdict is handed to the detector with the first audio after it is ready, so it applies at the media time
it would on a live line, and a failed model call leaves the silence rule in charge (never a crash).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Coroutine
from typing import Any, Literal

import numpy as np

from voice.ports import PCM, EndOfTurn, SpareCapacity, SpeechProbability, Transcript
from voice.resample import StreamResampler
from voice.turns import EndOfTurnCheck, TurnConfig, TurnDetector, TurnEvent
from voice.vad import FrameBuffer

log = logging.getLogger(__name__)
WIRE_RATE = 8000
KeyAction = tuple[Literal["human", "text"], str]
SilenceAction = Literal["still_there", "goodbye"]
# Keys typed without the closing '#' end this long after the last one, as if '#' had been pressed: no prompt
# asks for '#', so a caller types an order number and waits (IVRs commonly wait 3 to 5 s between digits).
KEYS_END_S = 4.0
# The longest keypad entry kept: an order or a customer number is far shorter. Without a bound 20,000 keys before
# '#' went to the dialog as one turn and into the call record; keys past it are dropped.
MAX_KEYS = 32


class Ears:
    """One call's listener: regroups 20 ms wire frames into VAD frames and feeds the turn detector."""

    def __init__(
        self,
        vad: SpeechProbability,
        config: TurnConfig,
        in_rate: int = WIRE_RATE,
        end_of_turn: EndOfTurn | None = None,
    ) -> None:
        if config.model_check_ms is not None and end_of_turn is None:
            raise ValueError("the turn config asks an end-of-turn model, but none was given")
        self.vad = vad
        self.end_of_turn = end_of_turn
        self._judging: asyncio.Task[tuple[int, float]] | None = None  # the model on the latest pause
        self.rate = vad.rate  # turn audio comes out at this rate (what the recognizer gets)
        self.detector = TurnDetector(vad.rate, config)
        self._frames = FrameBuffer(vad.frame_samples)
        self._upsample = StreamResampler(in_rate, vad.rate) if vad.rate != in_rate else None
        self._samples = 0
        self.vad_s = 0.0
        self.windows = 0

    @property
    def now(self) -> float:
        """Media time: seconds of caller audio analysed so far."""
        return self._samples / self.rate

    @property
    def caller_speaking(self) -> bool:
        return self.detector.state == "speaking"

    @property
    def idle(self) -> bool:
        """No caller speech in progress, not even a candidate."""
        return self.detector.state == "idle"

    @property
    def vad_ms_per_window(self) -> float | None:
        return 1000.0 * self.vad_s / self.windows if self.windows else None

    async def hear(self, pcm: PCM, bot_speaking: bool) -> list[tuple[float, list[TurnEvent]]]:
        """Process one chunk of wire audio; for every VAD frame completed: (media time, turn events)."""
        out = self._verdict()
        audio = self._upsample.process(pcm) if self._upsample is not None else pcm
        frames = self._frames.push(audio)
        if not frames:
            return out
        probs, spent = await asyncio.to_thread(_probabilities, self.vad, frames)
        self.vad_s += spent
        self.windows += len(frames)
        self.detector.bot_speaking = bot_speaking
        for frame, prob in zip(frames, probs, strict=True):
            self._samples += len(frame)
            events = self.detector.push(prob, frame, self.now)
            for event in events:
                if isinstance(event, EndOfTurnCheck):
                    self._judge(event)
            out.append((self.now, events))
        return out

    def _judge(self, check: EndOfTurnCheck) -> None:
        """Run the model on this pause in a worker thread; a newer pause's check replaces an older one."""
        assert self.end_of_turn is not None  # checked in __init__
        self.close()
        self._judging = asyncio.create_task(self._ask(self.end_of_turn, check))

    async def _ask(self, model: EndOfTurn, check: EndOfTurnCheck) -> tuple[int, float]:
        return check.pause, await model(check.audio, self.rate)

    def _verdict(self) -> list[tuple[float, list[TurnEvent]]]:
        """The model's verdict, once ready, applied now. A failed model is the silence rule, not a crash."""
        task = self._judging
        if task is None or not task.done():
            return []
        self._judging = None
        if task.cancelled():
            return []
        if task.exception() is not None:
            log.warning("end-of-turn model failed; this pause ends on silence: %r", task.exception())
            return []
        pause, prob = task.result()
        return [(self.now, self.detector.verdict(pause, prob, self.now))]

    def close(self) -> None:
        """Forget a verdict still being computed (the call ended, or a newer pause is being judged)."""
        if self._judging is not None:
            self._judging.cancel()
            self._judging = None


def _probabilities(vad: SpeechProbability, frames: list[PCM]) -> tuple[list[float], float]:
    start = time.perf_counter()
    probs = [vad(frame) for frame in frames]
    return probs, time.perf_counter() - start


class Keypad:
    """DTMF: ``0`` as the first key asks for a human; digits then ``#`` (or ``KEYS_END_S`` without a key)
    are typed text; ``*`` resets.

    While an order number is expected a leading ``0`` is just a digit (``0#`` still means a human),
    so typing a number can never be mistaken for a transfer request. While the bot offers two topics
    ("czy chodzi o to: A, czy o to: B?"), ``1`` or ``2`` as the first key picks one at once.
    """

    def __init__(self) -> None:
        self.typed = ""
        self._last_at = 0.0  # media time of the last key

    def press(self, digit: str, number_expected: bool, choice: bool = False, now: float = 0.0) -> KeyAction | None:
        self._last_at = now
        if digit == "0" and not self.typed and not number_expected:
            return ("human", "")
        if choice and digit in ("1", "2") and not self.typed:
            return ("text", digit)
        if digit == "#":
            typed, self.typed = self.typed, ""
            if typed == "0":
                return ("human", "")
            return ("text", typed) if typed else None
        if digit == "*":
            self.typed = ""
        elif digit.isdigit() and len(self.typed) < MAX_KEYS:
            self.typed += digit
        return None

    def timed_out(self, now: float) -> KeyAction | None:
        """The typed keys as a turn once ``KEYS_END_S`` passed since the last key (a '#' the caller never
        pressed); None while nothing is typed or the caller may still be typing."""
        if not self.typed or now - self._last_at < KEYS_END_S:
            return None
        return self.press("#", number_expected=True, now=now)

    def drop(self) -> None:
        """The caller spoke a turn instead: keys typed without '#' before it are not a turn of their own."""
        self.typed = ""


class SilenceWatch:
    """Caller silence while the bot is idle: "still there?" after ``limit_s``, goodbye after a second one.

    Pure: the caller passes media time and whether the line is idle (bot quiet, no caller speech)."""

    def __init__(self, limit_s: float) -> None:
        self.limit_s = limit_s
        self.prompts = 0
        self._since: float | None = None

    def caller_active(self) -> None:
        """The caller spoke or pressed a key: start over (the next silence gets "still there?" again)."""
        self.prompts, self._since = 0, None

    def check(self, now: float, idle: bool) -> SilenceAction | None:
        if not idle:
            self._since = None
        elif self._since is None:
            self._since = now
        elif now - self._since >= self.limit_s:
            self._since, self.prompts = None, self.prompts + 1
            return "still_there" if self.prompts == 1 else "goodbye"
        return None


class Speculation:
    """Speculative ASR: recognise the audio of an early end-of-turn candidate while the detector waits.

    ``take`` hands the running recognition over when the final turn audio is the same (no speech in
    between); otherwise it is cancelled and the turn is recognised afresh.

    Only ``worthwhile`` when the recognizer would start it at once: a pause that does not end the turn
    (an order number read digit by digit) makes the recognition useless, and its thread runs to the end
    anyway; while every worker is busy, that is other callers' time. Then the turn is recognised when it
    ends, as without speculation."""

    def __init__(self, recognizer: object = None) -> None:
        self._recognizer = recognizer
        self._audio: PCM | None = None
        self._task: asyncio.Task[Transcript] | None = None

    def worthwhile(self) -> bool:
        """A recognition asked for now would start at once (a recognizer that cannot tell: yes)."""
        return not isinstance(self._recognizer, SpareCapacity) or self._recognizer.has_spare()

    def start(self, audio: PCM, recognition: Coroutine[Any, Any, Transcript]) -> None:
        self.drop()
        self._task = asyncio.create_task(recognition)
        self._task.add_done_callback(lambda t: t.cancelled() or t.exception())  # errors surface via take()
        self._audio = audio

    def take(self, audio: PCM) -> asyncio.Task[Transcript] | None:
        task = self._task if self._audio is not None and np.array_equal(self._audio, audio) else None
        if task is not None:
            self._task, self._audio = None, None
        self.drop()
        return task

    def drop(self) -> None:
        if self._task is not None:
            self._task.cancel()
        self._task, self._audio = None, None


class StreamStalled(RuntimeError):
    """The call's media stream went quiet without ``stop`` (``StreamWatch``)."""


class StreamWatch:
    """Wall-clock watch on the inbound stream: Twilio sends a frame every 20 ms for the whole call, silence
    included, so seconds without any frame (or with only frames too broken to use) are a stalled stream.

    Why wall clock, not media time: every caller timer (silence prompts, turn ends, the keypad) runs on media
    time, which stops with the frames; without this watch a stream that went quiet without ``stop`` held its
    line forever and left a caller who was still there in silence. Pure: the caller passes the clock's time.
    """

    def __init__(self, stall_s: float | None, now: float) -> None:
        self.stall_s = stall_s  # None: never stalls (the in-memory test line pauses on purpose)
        self._waiting_since = now
        self.stalled = False

    def reading(self, now: float) -> None:
        """The call starts waiting for the next inbound event (media, a mark, a key): the stall is counted from
        here, so time the call spent on the previous event (the loop busy, frames queued) is never a stall."""
        self._waiting_since = now

    def wait_s(self, now: float) -> float | None:
        """How long the loop may wait for the next event before the stream counts as stalled (None: forever)."""
        if self.stall_s is None or self.stalled:
            return None
        return max(0.0, self._waiting_since + self.stall_s - now)

    def check(self, now: float) -> bool:
        """True once, when the stream has just become stalled."""
        if self.stall_s is None or self.stalled or now - self._waiting_since < self.stall_s:
            return False
        self.stalled = True
        return True
