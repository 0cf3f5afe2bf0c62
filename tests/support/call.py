"""The one call harness, part 1: fakes for every seam of ``CallDeps`` and the one builder of call deps.

Speech is text smuggled in PCM (``text_to_pcm``), "heard" by an amplitude VAD and the echo recognizer;
replies are canned by caller text. ``call_deps`` fills every seam with these fakes; a test replaces
the pieces it is about by keyword (a real recognizer, a Piper synthesizer, the dialog engine...).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from dialog.ports import CallerInfo, Dialog, Handover, Hypothesis, KeyValueStore, Outcome, Reason, Transfer
from dialog.store import MemoryStore
from telephony.call.deps import CallTexts
from telephony.call.loop import CallDeps
from tests.support.speech import EchoRecognizer, ToneSynthesizer, text_to_pcm
from voice.ports import PCM, Transcript

FRAME = 160
SID = "CA" + "1" * 32
FALLBACK = "+48221112233"
GREETING = "Dzień dobry, tu automatyczny asystent. W czym mogę pomóc?"
TEXTS = CallTexts(
    still_there="Czy nadal mnie słychać?",
    silence_goodbye="Do widzenia.",
    apology="Przepraszam. Łączę.",
    unavailable="Przepraszam. Proszę zadzwonić później.",
)
LOUD = 0x2020  # the int16 of two spaces: loud for the VAD, invisible to the recognizer


def speech(text: str, seconds: float = 0.6) -> PCM:
    """Caller speech: the text (for EchoRecognizer) padded with loud 'spaces' to ``seconds``."""
    pcm = text_to_pcm(text)
    pad = np.full(max(0, int(seconds * 8000) - len(pcm)), LOUD, dtype=np.int16)
    return np.concatenate([pcm, pad])


class AmplitudeVAD:
    """Speech probability 1.0 for loud frames: a deterministic stand-in for Silero at 8 kHz."""

    frame_samples, rate = 256, 8000

    def __call__(self, frame: PCM) -> float:
        return 1.0 if float(np.abs(frame.astype(np.int32)).mean()) > 3000 else 0.0

    def reset(self) -> None:
        pass


class Recognizer(EchoRecognizer):
    """EchoRecognizer that ignores the silence (NUL bytes) around the words of a turn."""

    def __init__(self, fail: bool = False, delay_s: float = 0.0) -> None:
        super().__init__(processing_s=0.01)
        self.fail, self.delay_s = fail, delay_s

    async def transcribe(self, pcm: PCM, rate: int, hotwords: Sequence[str] = ()) -> Transcript:
        if self.fail:
            raise RuntimeError("whisper exploded")
        await asyncio.sleep(self.delay_s)
        t = await super().transcribe(pcm, rate, hotwords)
        text = " ".join(t.text.replace("\x00", " ").split())
        return Transcript(text, t.confidence if text else 0.0, t.audio_s, t.processing_s)


class SlowTones(ToneSynthesizer):
    """ToneSynthesizer that takes ``delay_s`` per sentence (so cancellation is observable); can fail."""

    def __init__(self, delay_s: float = 0.0, fail: bool = False) -> None:
        super().__init__(ms_per_char=20.0)
        self.delay_s, self.fail = delay_s, fail

    async def stream(self, text: str, rate: int) -> AsyncIterator[PCM]:
        if self.fail:
            raise RuntimeError("piper exploded")
        async for chunk in super().stream(text, rate):
            if self.delay_s:
                await asyncio.sleep(self.delay_s)
            yield chunk


@dataclass
class ScriptedDialog:
    """Dialog with canned replies by caller text; records every call; may raise."""

    replies: dict[str, Outcome] = field(default_factory=dict)
    fail: bool = False
    handled: list[str] = field(default_factory=list)
    escalated: list[Reason] = field(default_factory=list)
    retracted: list[str] = field(default_factory=list)

    async def greet(self, session_id: str | None, caller: CallerInfo) -> Outcome:
        return Outcome(session_id or "s1", "answer", GREETING)

    async def handle(self, session_id: str | None, text: str, caller: CallerInfo) -> Outcome:
        self.handled.append(text)
        if self.fail:
            raise ConnectionError("redis is down")
        return self.replies.get(text, Outcome(session_id or "s1", "answer", f"Odpowiedź na: {text}."))

    async def handle_nbest(
        self, session_id: str | None, hypotheses: Sequence[Hypothesis], caller: CallerInfo
    ) -> Outcome:
        """The scripted replies go by the first wording (the engine's choice is tested on its own)."""
        return await self.handle(session_id, hypotheses[0].text if hypotheses else "", caller)

    async def escalate(self, session_id: str, reason: Reason, caller: CallerInfo) -> Outcome:
        self.escalated.append(reason)
        return transfer_outcome("Łączę z konsultantem.")

    async def retract(self, session_id: str) -> None:
        self.retracted.append(self.handled[-1])

    async def handover_refused(self, session_id: str, reply: str, caller: CallerInfo) -> None:
        return None

    async def record(
        self, session_id: str, said: str | None, reply: str, caller: CallerInfo, handover: Handover | None = None
    ) -> None:
        return None

    def vocabulary(self) -> list[str]:
        return ["InPost", "Paczkomat"]

    def phrases(self) -> list[str]:
        return [o.reply for o in self.replies.values()]


def transfer_outcome(reply: str) -> Outcome:
    return Outcome("s1", "transfer", reply, transfer=Transfer("support", "requested_human", 1, "Klient prosi."))


@dataclass
class FakeCallControl:
    fail: bool = False
    actions: list[tuple[str, ...]] = field(default_factory=list)

    async def hang_up(self, call_sid: str, goodbye: str | None = None) -> None:
        self.actions.append(("hang_up", call_sid) if goodbye is None else ("hang_up", call_sid, goodbye))

    async def transfer_to_number(self, call_sid: str, number: str, announcement: str | None = None) -> None:
        if self.fail:
            raise ConnectionError("twilio api down")
        self.actions.append(("transfer", call_sid, number, announcement or ""))


def call_deps(
    *,
    recognizer: Any = None,
    synthesizer: Any = None,
    dialog: Dialog | None = None,
    vad_factory: Any = AmplitudeVAD,
    call_control: Any = None,
    store: KeyValueStore | None = None,
    **kw: Any,
) -> CallDeps:
    """``CallDeps`` of fakes (echo recognizer, tones, scripted dialog, amplitude VAD, in-memory store,
    recording call control), any of them replaced by keyword; other keywords go to ``CallDeps``."""
    kw.setdefault("fallback_number", FALLBACK)
    return CallDeps(
        recognizer=Recognizer() if recognizer is None else recognizer,
        synthesizer=SlowTones() if synthesizer is None else synthesizer,
        dialog=ScriptedDialog() if dialog is None else dialog,
        vad_factory=vad_factory,
        call_control=FakeCallControl() if call_control is None else call_control,
        store=MemoryStore() if store is None else store,
        **kw,
    )
