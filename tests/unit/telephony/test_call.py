"""The live call pipeline (telephony/call/loop.py) driven through a scripted in-memory phone line.

The line behaves like Twilio's far end: caller audio is delivered 20 ms at a time, and the bot's
audio is "played" in step with it (160 samples per caller frame), so marks come back only after the
audio before them has played and ``clear`` returns outstanding marks at once. Everything runs on
media time: no sleeping, deterministic. Speech is text smuggled in PCM (voice.fakes.text_to_pcm),
"heard" by an amplitude VAD and the EchoRecognizer.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pytest

from dialog.ports import CallerInfo, Outcome, Reason, Transfer
from dialog.store import MemoryStore
from telephony.call.deps import CallContext, CallTexts, record_key
from telephony.call.inbound import Keypad, SilenceWatch, Speculation
from telephony.call.loop import CallDeps, run_call
from telephony.devtools.simulator_audio import FarEndPlayer
from telephony.ports import AudioIn, CallEnded, CallStarted, Dtmf, InboundEvent, MarkPlayed
from voice.fakes import EchoRecognizer, ToneSynthesizer, text_to_pcm
from voice.ports import PCM, Transcript
from voice.turns import TurnConfig

FRAME = 160
SID = "CA" + "1" * 32
FALLBACK = "+48221112233"
GREETING = "Dzień dobry, tu automatyczny asystent. W czym mogę pomóc?"
TEXTS = CallTexts(still_there="Czy nadal mnie słychać?", silence_goodbye="Do widzenia.", apology="Przepraszam. Łączę.")
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

    async def escalate(self, session_id: str, reason: Reason, caller: CallerInfo) -> Outcome:
        self.escalated.append(reason)
        return transfer_outcome("Łączę z konsultantem.")

    async def retract(self, session_id: str) -> None:
        self.retracted.append(self.handled[-1])

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

    async def hang_up(self, call_sid: str) -> None:
        self.actions.append(("hang_up", call_sid))

    async def transfer_to_number(self, call_sid: str, number: str, announcement: str | None = None) -> None:
        if self.fail:
            raise ConnectionError("twilio api down")
        self.actions.append(("transfer", call_sid, number, announcement or ""))


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

    def until(self, predicate: Callable[[], bool]) -> Line:
        """Pause the caller (no frames) until the bot has done something, e.g. started its reply."""
        self.steps.append(predicate)
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
                await wait_for(step)
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
    async with asyncio.timeout(timeout_s):
        while not predicate():
            await asyncio.sleep(0.002)


@dataclass
class Harness:
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
    deps = CallDeps(
        recognizer=recognizer,
        synthesizer=synth,
        dialog=kw.pop("dialog", None) or dialog,
        vad_factory=AmplitudeVAD,
        call_control=control,
        store=store,
        fallback_number=FALLBACK,
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


async def test_greeting_plays_at_once_from_the_prewarmed_cache() -> None:
    h = await harness()
    h.line.replied(1).play_out()
    report = await call(h)
    assert h.line.sent[0][0] == "audio"  # the very first thing the caller gets is audio
    assert h.synth.spoken == []  # no synthesis during the call: it came from the cache
    assert bot_lines(report) == [(GREETING, "heard")]
    assert h.line.marks() == ["t0-1"]
    assert report.ended == "caller_hung_up"


async def test_without_prewarm_the_greeting_is_streamed_sentence_by_sentence() -> None:
    h = await harness(prewarm=False)
    h.line.replied(2).play_out()
    report = await call(h)
    assert h.synth.spoken == ["Dzień dobry, tu automatyczny asystent.", "W czym mogę pomóc?"]
    assert h.line.marks() == ["t0-1", "t0-2"]
    assert [s for _, s in bot_lines(report)] == ["heard", "heard"]


async def test_a_turn_gets_an_answer_with_timings_and_hotwords() -> None:
    h = await harness()
    h.line.replied(1).play_out().say("Gdzie jest moja paczka?").replied(2).play_out()
    report = await call(h)
    assert h.dialog.handled == ["Gdzie jest moja paczka?"]
    assert h.recognizer.calls[-1][1:] == (8000, ("InPost", "Paczkomat"))
    assert bot_lines(report)[-1] == ("Odpowiedź na: Gdzie jest moja paczka?.", "heard")
    (turn,) = report.turns
    assert turn.speculative  # the early end-of-turn recognition was reused
    for stage in ("speech_end", "turn_detected", "transcript_ready", "dialog_decided", "first_audio_sent"):
        assert getattr(turn, stage) is not None, stage
    assert turn.first_mark is not None and turn.first_mark >= turn.first_audio_sent
    assert turn.turn_detected - turn.speech_end == pytest.approx(0.5, abs=0.1)  # end_ms, back-dated
    assert report.vad_ms_per_window is not None
    stored = await h.store.get(record_key(SID))
    assert stored is not None and stored["turns"][0]["text"] == "Gdzie jest moja paczka?"
    assert [e["role"] for e in stored["transcript"]] == ["bot", "caller", "bot"]


async def test_a_reply_whose_first_sentence_is_pre_rendered_starts_from_the_cache() -> None:
    h = await harness()
    reply = "Paczka jest w drodze. Dotrze jutro do paczkomatu."
    h.dialog.replies["Gdzie jest moja paczka?"] = Outcome("s1", "answer", reply)
    assert await h.deps.prompt_cache.prewarm_first_sentences(h.dialog.phrases()) == 1
    h.synth.spoken.clear()
    h.line.replied(1).play_out().say("Gdzie jest moja paczka?").replied(2).play_out()
    report = await call(h)
    assert h.synth.spoken == ["Dotrze jutro do paczkomatu."]  # only the rest is synthesized, while it plays
    assert bot_lines(report)[-2:] == [("Paczka jest w drodze.", "heard"), ("Dotrze jutro do paczkomatu.", "heard")]
    (turn,) = report.turns
    assert turn.first_audio_sent is not None and turn.dialog_decided is not None
    assert turn.first_audio_sent - turn.dialog_decided < 0.05


async def test_barge_in_clears_cancels_synthesis_and_keeps_the_cut_sentence_out() -> None:
    # a new question (not the rest of the last one: that is the continuation test below)
    h = await harness(synth=SlowTones(delay_s=0.3), turn_config=TurnConfig(continuation_ms=0.0))
    long_reply = "Pierwsze zdanie odpowiedzi jest dość długie. Drugie zdanie. Trzecie zdanie. Czwarte zdanie."
    h.dialog.replies["Pytanie"] = Outcome("s1", "answer", long_reply)
    h.line.replied(1).play_out().say("Pytanie").replied(2)  # the first sentence is out, 0.9 s long
    h.line.silence(0.2).say("Inne pytanie", seconds=1.0).until(lambda: len(h.dialog.handled) == 2).play_out()
    report = await call(h)
    assert h.line.clears() >= 1
    assert h.dialog.handled == ["Pytanie", "Inne pytanie"]
    assert h.dialog.retracted == []  # a new question, not the rest of the last one
    assert "Czwarte zdanie." not in h.synth.spoken  # synthesis was cancelled, not just the audio
    reply = [(t, s) for t, s in bot_lines(report) if t in long_reply]
    assert reply[0] == ("Pierwsze zdanie odpowiedzi jest dość długie.", "interrupted")
    assert all(status != "heard" for _, status in reply)
    cut = next(e for e in report.transcript if e.get("text") == reply[0][0])
    assert cut["heard"] != cut["text"] and cut["heard_s"] < cut["duration_s"]


async def test_backchannel_while_the_bot_speaks_does_not_clear() -> None:
    h = await harness()
    reply = "Odpowiedź. Jest na tyle długa, że zmieści się w niej niejedno potakiwanie rozmówcy."
    h.dialog.replies["Pytanie"] = Outcome("s1", "answer", reply)
    h.line.replied(1).play_out().say("Pytanie").replied(3).silence(0.5)  # "mhm" after some of the reply
    h.line.audio(np.full(int(0.25 * 8000), LOUD, dtype=np.int16)).silence(0.4).play_out()
    report = await call(h)
    assert h.line.clears() == 0
    assert h.dialog.handled == ["Pytanie"]
    assert all(status == "heard" for _, status in bot_lines(report))


async def test_dtmf_zero_asks_for_a_human_and_transfers_to_the_fallback() -> None:
    h = await harness()
    h.line.replied(1).silence(0.3).press("0").replied(2).play_out().until(lambda: bool(h.control.actions))
    report = await call(h)
    assert h.dialog.escalated == ["requested_human"]
    assert h.line.clears() == 1  # the greeting was cut for the transfer announcement
    assert h.control.actions == [("transfer", SID, FALLBACK, "")]
    assert ("Łączę z konsultantem.", "heard") in bot_lines(report)
    assert report.ended == "transferred"


async def test_typed_digits_with_hash_are_a_turn_where_a_number_is_expected() -> None:
    h = await harness()
    h.dialog.replies["Zamówienie"] = Outcome("s1", "clarify", "Proszę podać numer.", expects="order_number")
    h.line.replied(1).play_out().say("Zamówienie").replied(2).play_out()
    h.line.press("04821").press("3#").until(lambda: len(h.dialog.handled) == 2).play_out()
    report = await call(h)
    assert h.dialog.handled == ["Zamówienie", "048213"]  # a leading 0 is a digit while a number is expected
    assert h.dialog.escalated == []
    assert report.turns[-1].source == "dtmf"


async def test_silence_twice_asks_then_says_goodbye_and_hangs_up() -> None:
    h = await harness(silence_prompt_s=1.0)
    h.line.replied(1).play_out().silence(1.5).replied(2).play_out().silence(1.5)
    h.line.until(lambda: bool(h.control.actions)).play_out()
    report = await call(h)
    assert [t for t, _ in bot_lines(report)] == [GREETING, TEXTS.still_there, TEXTS.silence_goodbye]
    assert h.control.actions == [("hang_up", SID)]
    assert report.ended == "hung_up"


async def test_end_action_plays_the_goodbye_then_hangs_up() -> None:
    h = await harness()
    h.dialog.replies["Dziękuję, to wszystko"] = Outcome("s1", "end", "Dziękuję za rozmowę. Do widzenia!")
    h.line.replied(1).play_out().say("Dziękuję, to wszystko").replied(3).play_out()
    h.line.until(lambda: bool(h.control.actions))
    report = await call(h)
    assert h.control.actions == [("hang_up", SID)]
    assert bot_lines(report)[-1] == ("Do widzenia!", "heard")  # heard in full before the hang-up
    assert report.ended == "hung_up"


async def test_transfer_action_announces_then_calls_the_pluggable_transfer() -> None:
    seen: list[tuple[CallContext, Outcome]] = []

    async def warm_transfer(ctx: CallContext, outcome: Outcome) -> None:
        seen.append((ctx, outcome))

    h = await harness(transfer=warm_transfer)
    h.dialog.replies["Reklamacja"] = transfer_outcome("Łączę z działem reklamacji.")
    h.line.replied(1).play_out().say("Reklamacja").replied(2).play_out().until(lambda: bool(seen))
    report = await call(h)
    ((ctx, outcome),) = seen
    assert ctx.call_sid == SID and ctx.session_id == "s1" and outcome.transfer is not None
    assert ctx.transcript[-1] == {
        **ctx.transcript[-1],
        "text": "Łączę z działem reklamacji.",
        "status": "heard",
    }
    assert h.control.actions == [] and report.ended == "transferred"


@pytest.mark.parametrize("broken", ["dialog", "recognizer"])
async def test_a_failing_component_ends_in_apology_and_fallback_transfer(broken: str) -> None:
    h = await harness(recognizer=Recognizer(fail=broken == "recognizer"))
    h.dialog.fail = broken == "dialog"
    h.line.replied(1).play_out().say("Gdzie jest paczka?").replied(2).play_out()
    h.line.until(lambda: bool(h.control.actions))
    report = await call(h)
    assert h.control.actions == [("transfer", SID, FALLBACK, "")]  # apology played: no announcement needed
    assert bot_lines(report)[-1] == (TEXTS.apology, "heard")
    assert report.ended == "fallback" and report.errors


async def test_without_working_tts_the_transfer_carries_the_apology_text() -> None:
    h = await harness(synth=SlowTones(fail=True), prewarm=False)
    h.line.until(lambda: bool(h.control.actions))
    report = await call(h)
    assert h.control.actions == [("transfer", SID, FALLBACK, TEXTS.apology)]  # Twilio says it instead
    assert report.ended == "fallback"


async def test_when_the_transfer_fails_too_the_channel_is_closed_for_the_twiml_fallback() -> None:
    h = await harness()
    h.dialog.fail = True
    h.control.fail = True
    h.line.replied(1).play_out().say("Pytanie").replied(2).play_out().until(lambda: h.line.closed)
    report = await call(h)
    assert h.line.closed and report.ended == "fallback_twiml"
    assert len(report.errors) == 2


async def test_a_reply_cut_by_noise_is_said_after_all() -> None:
    h = await harness(synth=SlowTones(delay_s=0.2))
    h.line.replied(1).play_out().say("Pytanie", then_silence=0.55).audio(np.full(2400, LOUD, dtype=np.int16))
    h.line.silence(0.7).replied(2).play_out()
    report = await call(h)
    assert h.dialog.handled == ["Pytanie"]  # the noise turn reached no one
    assert bot_lines(report)[-1] == ("Odpowiedź na: Pytanie.", "heard")


@pytest.fixture(scope="module")
def engine_and_store() -> tuple[Any, MemoryStore]:
    from dialog.factory import build_engine

    store = MemoryStore()
    return build_engine(store=store), store


async def test_real_engine_asks_for_the_order_number_and_takes_it_typed(
    engine_and_store: tuple[Any, MemoryStore],
) -> None:
    engine, store = engine_and_store
    h = await harness(dialog=engine, store=store, prewarm=False)
    asked = lambda: any("numer zamówienia" in t for t in h.synth.spoken)  # noqa: E731
    h.line.replied(1).play_out().say("Gdzie jest moja paczka?").until(asked)
    h.line.play_out().press("48213#").until(lambda: any("48213" in t for t in h.synth.spoken)).play_out()
    report = await call(h, {"session_id": "s-real"})  # no caller id: the engine must ask for the number
    said = " ".join(e["text"] for e in report.transcript if e["role"] == "bot")
    assert "numer zamówienia" in said and "Zamówienie numer 48213 zostało wysłane." in said
    assert [t.source for t in report.turns] == ["speech", "dtmf"]
    assert report.turns[1].action == "answer" and report.ended == "caller_hung_up"


async def test_a_caller_going_on_after_a_pause_is_one_turn() -> None:
    h = await harness(recognizer=Recognizer(delay_s=0.5))
    h.line.replied(1).play_out().say("Chciałbym zapytać", then_silence=0.55).say("o zwrot towaru")
    h.line.until(lambda: bool(h.dialog.handled)).replied(2).play_out()
    report = await call(h)
    assert h.dialog.handled == ["Chciałbym zapytać o zwrot towaru"]  # recognition of the first part was cut
    assert [t.text for t in report.turns if t.text] == ["Chciałbym zapytać o zwrot towaru"]


async def test_a_caller_going_on_after_the_bot_began_replying_is_still_one_turn() -> None:
    """A pause longer than end_ms ends the turn and the reply starts; the caller's next words (shorter than
    a barge-in needs) right after are the rest of the sentence: the reply stops, both parts go together."""
    h = await harness()
    h.dialog.replies["Chciałbym zapytać"] = Outcome("s1", "answer", "O co chodzi? Proszę powiedzieć więcej.")
    h.line.replied(1).play_out().say("Chciałbym zapytać").replied(2)  # the reply has begun
    h.line.say("o zwrot", seconds=0.4).until(lambda: len(h.dialog.handled) == 2).play_out()
    report = await call(h)
    assert h.line.clears() >= 1
    assert h.dialog.handled == ["Chciałbym zapytać", "Chciałbym zapytać o zwrot"]
    assert h.dialog.retracted == ["Chciałbym zapytać"]  # the dialog forgot the half turn before the whole one
    assert report.turns[-1].text == "Chciałbym zapytać o zwrot"


async def test_speech_with_no_words_recognised_gets_an_answer_and_a_cough_does_not() -> None:
    h = await harness()
    h.line.replied(1).play_out().audio(np.full(int(0.3 * 8000), LOUD, dtype=np.int16)).silence(1.0)  # cough
    h.line.audio(np.full(8000, LOUD, dtype=np.int16)).silence(0.7)  # a second of speech, nothing recognised
    h.line.until(lambda: bool(h.dialog.handled)).replied(2).play_out()
    report = await call(h)
    assert h.dialog.handled == [""]  # once: the engine answers "nic nie usłyszałem, proszę powtórzyć"
    assert len([t for t in report.turns if t.first_audio_sent is not None]) == 1


# --- pure pieces ------------------------------------------------------------------------------------
def test_keypad() -> None:
    pad = Keypad()
    assert pad.press("0", number_expected=False) == ("human", "")
    assert [pad.press(k, number_expected=True) for k in "048"] == [None, None, None]
    assert pad.press("#", number_expected=True) == ("text", "048")
    assert [pad.press(k, False) for k in "12*"] == [None, None, None]  # '*' starts over
    assert pad.press("#", False) is None
    assert pad.press("0", True) is None and pad.press("#", True) == ("human", "")  # "0#" still means a human


def test_silence_watch() -> None:
    watch = SilenceWatch(8.0)
    assert watch.check(0.0, idle=True) is None
    assert watch.check(7.9, idle=True) is None
    assert watch.check(8.0, idle=True) == "still_there"
    assert watch.check(9.0, idle=False) is None  # the prompt is playing
    assert watch.check(10.0, idle=True) is None
    assert watch.check(18.0, idle=True) == "goodbye"
    watch.caller_active()
    assert watch.check(20.0, idle=True) is None and watch.check(28.0, idle=True) == "still_there"


async def test_speculation_is_used_only_for_the_same_audio() -> None:
    async def recognise(text: str) -> Transcript:
        await asyncio.sleep(0)
        return Transcript(text, 1.0, 1.0, 0.0)

    spec = Speculation()
    audio = np.arange(100, dtype=np.int16)
    spec.start(audio, recognise("a"))
    task = spec.take(audio.copy())
    assert task is not None and (await task).text == "a"
    spec.start(audio, recognise("b"))
    assert spec.take(audio[:50]) is None  # the caller said more: recognise afresh
    spec.start(audio, recognise("c"))
    spec.drop()
    assert spec.take(audio) is None
