"""The live call pipeline (telephony/call/loop.py) driven through a scripted in-memory phone line.

The line behaves like Twilio's far end: caller audio is delivered 20 ms at a time, and the bot's
audio is "played" in step with it (160 samples per caller frame), so marks come back only after the
audio before them has played and ``clear`` returns outstanding marks at once. Everything runs on
media time: no sleeping, deterministic. Speech is text smuggled in PCM (tests.support.speech.text_to_pcm),
"heard" by an amplitude VAD and the EchoRecognizer.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pytest

from dialog import catalogue
from dialog.ports import CallerInfo, Hypothesis, Outcome
from dialog.store import MemoryStore
from telephony.call.deps import CallContext, CallTexts, record_key
from telephony.call.inbound import Keypad, SilenceWatch, Speculation
from tests.support.call import (
    FALLBACK,
    GREETING,
    LOUD,
    SID,
    TEXTS,
    Recognizer,
    ScriptedDialog,
    SlowTones,
    speech,
    transfer_outcome,
)
from tests.support.line import bot_lines, call, harness
from voice.ports import Transcript
from voice.turns import TurnConfig


async def test_greeting_plays_at_once_from_the_prewarmed_cache() -> None:
    h = await harness()
    h.line.replied(1).play_out()
    report = await call(h)
    assert h.line.sent[0][0] == "audio"  # the very first thing the caller gets is audio
    assert h.synth.spoken == []  # no synthesis during the call: it came from the cache
    assert bot_lines(report) == [(GREETING, "heard")]
    assert h.line.marks() == ["t0-1"]
    assert report.ended == "caller_hung_up"


async def test_the_dialog_gets_the_nbest_and_the_transcript_keeps_the_wording_it_went_with() -> None:
    """The recognizer's beam reaches the dialog (``handle_nbest``), each wording with its probability; the
    call's transcript and the turn's timing hold the wording the dialog chose (``Outcome.heard``)."""

    class Beam(Recognizer):
        async def transcribe(self, pcm: Any, rate: int, hotwords: Sequence[str] = ()) -> Transcript:
            t = await super().transcribe(pcm, rate, hotwords)
            return replace(t, alternatives=((t.text, -0.3), ("Gdzie jest moja paczka?", -0.5))) if t.text else t

    @dataclass
    class Choosing(ScriptedDialog):
        got: list[Hypothesis] = field(default_factory=list)

        async def handle_nbest(
            self, session_id: str | None, hypotheses: Sequence[Hypothesis], caller: CallerInfo
        ) -> Outcome:
            self.got = list(hypotheses)
            return replace(await self.handle(session_id, hypotheses[-1].text, caller), heard=hypotheses[-1].text)

    dialog = Choosing()
    h = await harness(recognizer=Beam(), dialog=dialog)
    h.line.replied(1).play_out().say("Gdzie jest moja pacz ka").replied(2).play_out()
    report = await call(h)
    assert [(x.text, round(x.confidence, 3)) for x in dialog.got] == [
        ("Gdzie jest moja pacz ka", round(math.exp(-0.3), 3)),
        ("Gdzie jest moja paczka?", round(math.exp(-0.5), 3)),
    ]
    callers = [(e["text"], e["confidence"]) for e in report.transcript if e["role"] == "caller"]
    assert callers == [("Gdzie jest moja paczka?", round(math.exp(-0.5), 3))]
    assert report.turns[0].text == "Gdzie jest moja paczka?"
    assert bot_lines(report)[-1] == ("Odpowiedź na: Gdzie jest moja paczka?.", "heard")


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
    # no wall-clock bound (machine speed): that nothing was synthesized before it is what proves the cache
    assert turn.first_audio_sent >= turn.dialog_decided


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


async def test_one_key_picks_one_of_two_topics_offered() -> None:
    h = await harness()
    h.dialog.replies["Dostawa"] = Outcome("s1", "clarify", "Czy chodzi o to: A, czy o to: B?", expects="choice")
    h.line.replied(1).play_out().say("Dostawa").replied(2).play_out()
    h.line.press("2").until(lambda: len(h.dialog.handled) == 2).play_out()
    report = await call(h)
    assert h.dialog.handled == ["Dostawa", "2"]  # no '#' needed: "2" is the second topic
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


async def test_without_a_fallback_number_the_apology_asks_to_call_again_and_the_call_ends() -> None:
    # Before: the pipeline said "connecting you", then dialling an empty number raised, the stream closed and
    # Twilio's TwiML apologised a second time with the opposite message.
    h = await harness(fallback_number="")
    h.dialog.fail = True
    h.line.replied(1).play_out().say("Gdzie jest paczka?").replied(2).play_out()
    h.line.until(lambda: bool(h.control.actions))
    report = await call(h)
    assert h.control.actions == [("hang_up", SID)]
    assert bot_lines(report)[-1] == (TEXTS.unavailable, "heard")
    assert report.ended == "fallback" and len(report.errors) == 1  # the dialog's failure only


async def test_without_a_fallback_number_or_a_voice_twilio_says_the_apology() -> None:
    h = await harness(synth=SlowTones(fail=True), prewarm=False, fallback_number="")
    h.line.until(lambda: h.line.closed)
    report = await call(h)
    assert h.line.closed and h.control.actions == []  # the TwiML after </Connect> apologises and hangs up
    assert report.ended == "fallback_twiml"


def test_call_texts_follow_the_operators_prompts_file() -> None:
    catalogue.configure({"STILL_THERE": "Halo, jest Pan jeszcze?", "ERROR_TRANSFER": "Awaria. Łączę."})
    try:
        texts = CallTexts()  # made after the composition root applied the prompts file, as in the gateway
        assert (texts.still_there, texts.apology) == ("Halo, jest Pan jeszcze?", "Awaria. Łączę.")
        assert texts.unavailable == catalogue.UNAVAILABLE_APOLOGY
    finally:
        catalogue.configure({})
    assert CallTexts().still_there == catalogue.STILL_THERE != "Halo, jest Pan jeszcze?"


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
    assert pad.press("2", number_expected=False, choice=True) == ("text", "2")  # one of two topics offered
    assert pad.press("2", number_expected=False) is None  # otherwise the start of a typed number
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


async def test_no_speculation_while_the_recognizer_has_no_spare_worker() -> None:
    """A busy recognizer: the pause is not recognised speculatively (it would queue behind other callers
    and run to its end even if the caller goes on); the turn is recognised when it ends, and answered."""

    class Busy(Recognizer):
        def __init__(self, spare: bool) -> None:
            super().__init__()
            self.spare = spare

        def has_spare(self) -> bool:
            return self.spare

    for spare in (False, True):
        h = await harness(recognizer=Busy(spare))
        h.line.replied(1).play_out().say("Gdzie jest moja paczka?").replied(2).play_out()
        report = await call(h)
        (turn,) = report.turns
        assert turn.speculative is spare and h.dialog.handled == ["Gdzie jest moja paczka?"]
        assert len(h.recognizer.calls) == 1  # one recognition of the turn either way


async def test_a_caller_going_on_while_the_dialog_decides_is_one_turn_and_the_half_answer_is_unsaid() -> None:
    """The turn ended at a comma; the caller was talking again by the time the dialog had answered the
    first half: that answer is retracted, never said, and the whole sentence is answered (as CI saw with
    the Smart Turn model: "W bankach można założyć konto osobiste" + "oszczędnościowe lub kredytowe")."""
    gate, asked = asyncio.Event(), []

    class Deliberate(ScriptedDialog):
        async def handle(self, session_id: str | None, text: str, caller: CallerInfo) -> Outcome:
            asked.append(text)
            if len(asked) == 1:
                await gate.wait()  # the first half: decided only once the caller speaks again
            return await super().handle(session_id, text, caller)

    dialog = Deliberate()
    h = await harness(dialog=dialog)
    h.line.replied(1).play_out().say("Chciałbym zapytać", then_silence=0.55).until(lambda: bool(asked))
    h.line.audio(speech("o zwrot towaru")).until(lambda: gate.set() or True)
    h.line.until(lambda: dialog.handled == ["Chciałbym zapytać"]).silence(0.7)
    h.line.until(lambda: len(dialog.handled) == 2).replied(2).play_out()
    report = await call(h)
    assert dialog.handled == ["Chciałbym zapytać", "Chciałbym zapytać o zwrot towaru"]
    assert dialog.retracted == ["Chciałbym zapytać"]
    said = [text for text, _ in bot_lines(report)]
    assert "Odpowiedź na: Chciałbym zapytać." not in said
    assert said[-1] == "Odpowiedź na: Chciałbym zapytać o zwrot towaru."


async def test_records_saved_during_the_call_say_in_progress_and_the_last_how_it_ended(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A record read mid-call (the simulator, an operator) must not claim the caller hung up, nor miss the
    sentences whose marks are still coming back: only the last record says how the call ended."""
    h = await harness()
    saved: list[str] = []
    store_set = h.store.set

    async def spy(key: str, value: Any, ttl_s: int | None = None) -> None:
        if key == record_key(SID):
            saved.append(value["ended"])
        await store_set(key, value, ttl_s)

    monkeypatch.setattr(h.store, "set", spy)
    h.line.replied(1).play_out().say("Gdzie jest moja paczka?").replied(2).play_out()
    await call(h)
    assert len(saved) >= 2 and set(saved[:-1]) == {"in_progress"} and saved[-1] == "caller_hung_up"
