"""The call simulator: its Twilio-like far end, and whole calls against a real gateway over HTTP/WebSocket.

The end-to-end calls run a real uvicorn server with the real Twilio router and the real call pipeline,
in real time. With fakes (tone audio, a recognizer that tells turns apart by length) a call takes a
few seconds; the ``models`` test speaks Polish synthesized by Piper to Whisper and the dialog engine.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
import soundfile as sf

from dialog.ports import Outcome
from dialog.store import MemoryStore
from telephony.app.phone import end_of_turn_model, turn_config
from telephony.call.deps import record_key
from telephony.devtools.simulator import SimulationResult
from telephony.devtools.simulator_audio import FarEndPlayer, load_turn, voiced_end_s
from telephony.devtools.simulator_rest import FakeTwilioRest
from telephony.devtools.simulator_run import format_result, run_simulation
from telephony.devtools.simulator_wire import parse_twiml, stream_target
from telephony.settings import Settings
from tests.support.call import FALLBACK, AmplitudeVAD, ScriptedDialog
from tests.support.gateway import PUBLIC, TOKEN, LengthRecognizer, deps_for, gateway, tone_wav
from tests.support.needs import eval_file, missing
from tests.support.paths import EVAL_DIR
from tests.support.speech import ToneSynthesizer
from voice.model_paths import ModelNotAvailable
from voice.ports import SpeechProbability

# The offline fallback voice (English timbre, Polish phonemes) is hard for Whisper base over 8 kHz μ-law:
# most KB questions come out garbled (a scan of 60 KB questions: 4 reached their entry). This one,
# spoken a little slower, is recognised well enough ("... paczkomat, impost"; the KB hotwords help).
# The caller is a real person: a phone-quality recording from the shared Polish eval set, answered from a
# small bank knowledge base written here (any KB in the format works). The offline fallback Piper voice is
# not intelligible enough to Whisper base to play the caller (see docs/benchmarks.md).
CALLER_WAV = EVAL_DIR / "wav8k_ulaw_telephony" / "nemo" / "nemo_KS0_neutral_85.wav"
# "W bankach można założyć konto osobiste, oszczędnościowe lub kredytowe."
BANK_KB = """
entries:
  - id: konta
    questions:
      - Jakie konto można założyć w banku?
      - Jakie rodzaje kont prowadzicie?
    answer: Prowadzimy konta osobiste, oszczędnościowe i kredytowe. Konto można założyć w oddziale.
  - id: godziny
    questions: ["W jakich godzinach jest otwarty oddział?", "Kiedy jesteście otwarci?"]
    answer: Oddziały są otwarte od poniedziałku do piątku od 9:00 do 17:00.
  - id: karta
    questions: ["Jak zastrzec kartę?", "Zgubiłem kartę płatniczą"]
    answer: Kartę zastrzeże Pan lub Pani w aplikacji albo pod numerem 828 828 828.
"""
EXPECTED = "konta osobiste, oszczędnościowe i kredytowe"


def caller_runs(result: SimulationResult) -> list[tuple[int, int]]:
    """The caller's turns as they went down the line: (first, after-last) tick of each run of audio frames
    (between turns the simulator sends exact zeros)."""
    sent = [bool(np.any(frame)) for frame in result.caller_audio]
    starts = [i for i, on in enumerate(sent) if on and (i == 0 or not sent[i - 1])]
    return [(a, next((j for j in range(a, len(sent)) if not sent[j]), len(sent))) for a in starts]


def bot_audible(result: SimulationResult, start: int, end: int) -> bool:
    """The far end played bot audio (not silence) to the caller between these ticks."""
    return any(int(np.abs(frame.astype(np.int32)).max()) > 1000 for frame in result.bot_audio[start:end])


def assert_replies_heard(result: SimulationResult) -> None:
    """Every turn the simulator reports as answered was answered after the caller finished (never at the
    very moment: the gateway needs trailing silence first), and the caller's phone really played bot audio
    between the end of that turn and the next one; what the simulator reports is checked against what
    its far end played, not taken on trust."""
    runs = caller_runs(result)
    assert len(runs) == len(result.turns), runs
    for i, turn in enumerate(result.turns):
        assert turn.latency_s is not None and turn.latency_s > 0, (turn.label, turn.latency_s)
        until = runs[i + 1][0] if i + 1 < len(runs) else len(result.bot_audio)
        assert bot_audible(result, runs[i][1], until), f"no bot audio after {turn.label}"


# --- the far end ------------------------------------------------------------------------------------
def test_far_end_returns_a_mark_only_after_the_audio_before_it_played() -> None:
    player = FarEndPlayer()
    player.add_audio(np.ones(400, dtype=np.int16))
    player.add_mark("a")
    player.add_audio(np.full(100, 2, dtype=np.int16))
    player.add_mark("b")
    played, due = player.tick(0.02)
    assert due == [] and played.tolist() == [1] * 160
    played, due = player.tick(0.04)
    assert due == [] and played.tolist() == [1] * 160
    played, due = player.tick(0.06)  # 80 samples of "a", its mark, 80 of "b"
    assert due == ["a"] and played.tolist() == [1] * 80 + [2] * 80
    played, due = player.tick(0.08)
    assert due == ["b"] and played.tolist() == [2] * 20 + [0] * 140 and player.idle
    assert [(s.mark, s.duration_s, s.interrupted) for s in player.segments] == [
        ("a", 0.05, False),
        ("b", 0.0125, False),
    ]


def test_far_end_counts_silence_inside_a_sentence_not_between_sentences() -> None:
    """A sentence whose rest arrives after its start has played is heard with a gap; the pause after a
    sentence's mark (the next one not there yet) and the end of a reply are not gaps."""
    player = FarEndPlayer()
    player.add_audio(np.ones(240, dtype=np.int16))  # the first clause: 30 ms, then nothing for a while
    player.tick(0.02)
    assert player.starved_s == 0.0
    player.tick(0.04)  # 80 samples left: half a frame of silence inside the sentence
    player.tick(0.06)  # a whole frame of silence
    assert player.starved_s == pytest.approx(0.03)
    player.add_audio(np.ones(160, dtype=np.int16))  # the rest of the sentence, then its mark
    player.add_mark("a")
    player.tick(0.08)
    player.tick(0.10)  # the mark came back: silence now is between sentences
    player.tick(0.12)
    assert player.starved_s == pytest.approx(0.03) and player.idle


def test_far_end_clear_drops_audio_and_returns_every_outstanding_mark_at_once() -> None:
    player = FarEndPlayer()
    for name in ("a", "b"):
        player.add_audio(np.ones(800, dtype=np.int16))
        player.add_mark(name)
    player.tick(0.02)
    assert player.clear(0.03) == ["a", "b"] and player.idle
    assert [(s.mark, s.played_s, s.interrupted) for s in player.segments] == [
        ("a", 0.02, True),
        ("b", 0.0, True),
    ]
    assert player.tick(0.04)[0].tolist() == [0] * 160


def test_voiced_end_ignores_trailing_silence(tmp_path: Path) -> None:
    tone = (np.sin(np.arange(8000) / 3) * 8000).astype(np.int16)
    pcm = np.concatenate([np.zeros(800, dtype=np.int16), tone, np.zeros(4000, dtype=np.int16)])
    assert voiced_end_s(pcm) == pytest.approx(1.1, abs=0.02)
    path = tmp_path / "caller.wav"
    sf.write(str(path), pcm, 8000)
    turn = load_turn(str(path))
    assert turn.label == "caller.wav" and turn.voiced_end_s == pytest.approx(1.1, abs=0.02)
    assert load_turn("dtmf:48213#").digits == "48213#"


def test_stream_url_and_twiml() -> None:
    assert stream_target("wss://voice.example.pl/twilio/stream/tok", "http://127.0.0.1:8080") == (
        "ws://127.0.0.1:8080/twilio/stream/tok"
    )
    xml = (
        '<?xml version="1.0" encoding="UTF-8"?><Response><Connect><Stream url="wss://h/twilio/stream/t">'
        '<Parameter name="session_id" value="s1" /></Stream></Connect><Say>x</Say></Response>'
    )
    assert parse_twiml(xml) == ("wss://h/twilio/stream/t", {"session_id": "s1"})
    with pytest.raises(ValueError, match="no <Connect><Stream"):
        parse_twiml("<Response><Say>x</Say></Response>")


# --- whole calls against a real server ----------------------------------------------------------------
async def test_simulated_call_with_barge_in_over_the_real_wire(tmp_path: Path) -> None:
    dialog, store = ScriptedDialog(), MemoryStore()
    long_reply = "To jest długa odpowiedź. Ma kilka zdań. Każde zdanie trwa chwilę. Rozmówca jej nie dosłucha."
    dialog.replies["krótkie pytanie"] = Outcome("s1", "answer", long_reply)
    deps = deps_for(
        dialog,
        store,
        LengthRecognizer("krótkie pytanie", "długie pytanie"),
        ToneSynthesizer(15.0),
        AmplitudeVAD,
    )
    turns = [tone_wav(tmp_path / "short.wav", 0.8), tone_wav(tmp_path / "long.wav", 1.4)]
    async with gateway(deps, store) as base:
        result = await run_simulation(
            turns, base, public_url=PUBLIC, auth_token=TOKEN, barge_in=True, out=tmp_path / "call.wav", store=store
        )
    printed = format_result(result)
    print(printed)
    assert dialog.handled == ["krótkie pytanie", "długie pytanie"]
    # What was said, besides the timings: the recognizer's text, and the bot as the caller heard it.
    dialogue = [line.strip() for line in printed.splitlines() if line.strip().startswith(("KLIENT:", "BOT:"))]
    assert dialogue[1] == "KLIENT: krótkie pytanie" and dialogue[3] == "KLIENT: długie pytanie"
    assert dialogue[2].startswith("BOT: To jest długa odpowiedź.") and dialogue[2].endswith("[przerwane przez klienta]")
    assert "Rozmówca jej nie dosłucha" not in dialogue[2]  # never heard
    assert dialogue[0].startswith("BOT: ") and len(dialogue) == 5
    assert result.ended_by == "caller" and [t.label for t in result.turns] == ["short.wav", "long.wav"]
    assert_replies_heard(result)  # how fast is a figure for `infolinia bench calls`, not a test
    marks = {s.mark: s for s in result.segments}
    assert not marks["t0-1"].interrupted  # the greeting was heard out
    cut = [s for s in result.segments if s.interrupted]
    assert cut and cut[0].mark.startswith("t1-") and cut[0].played_s < cut[0].duration_s
    assert not result.segments[-1].interrupted  # the answer to the interruption was heard in full
    record = await store.get(record_key(result.call_sid))
    assert record is not None and record["ended"] == "caller_hung_up"
    statuses = [e["status"] for e in record["transcript"] if e["role"] == "bot" and e["turn"] == 1]
    assert statuses[0] == "heard" and "interrupted" in statuses and statuses[-1] in ("interrupted", "unsent")
    assert statuses.count("interrupted") == 1  # marks echoed by the clear did not count as heard
    stereo, rate = sf.read(str(tmp_path / "call.wav"), dtype="int16")
    assert rate == 8000 and stereo.shape == (round(result.duration_s * 8000), 2)
    assert np.abs(stereo[:, 0]).max() > 5000 and np.abs(stereo[:, 1]).max() > 5000  # both sides audible


async def test_dtmf_zero_transfers_through_the_twilio_rest_api_and_ends_the_stream(tmp_path: Path) -> None:
    from telephony.twilio.rest import TwilioRestClient

    rest = FakeTwilioRest("AC" + "0" * 32, TOKEN)
    await rest.start()
    dialog, store = ScriptedDialog(), MemoryStore()
    deps = deps_for(dialog, store, LengthRecognizer("a", "b"), ToneSynthesizer(15.0), AmplitudeVAD)
    deps.call_control = TwilioRestClient("AC" + "0" * 32, TOKEN, api_base=rest.url)
    try:
        async with gateway(deps, store) as base:
            result = await run_simulation(["dtmf:0"], base, public_url=PUBLIC, auth_token=TOKEN, rest=rest)
    finally:
        await rest.stop()
    print(format_result(result))
    assert dialog.escalated == ["requested_human"]
    latency = result.turns[0].latency_s
    assert latency is not None and latency > 0  # the announcement came after the key press
    assert result.ended_by == "transferred" and result.action is not None
    assert (result.action.kind, result.action.number) == ("transfer", FALLBACK)
    assert [s.mark for s in result.segments if not s.interrupted] == ["t0-1", "t0-2", "t1-3"]  # announced
    record = await store.get(record_key(result.call_sid))
    assert record is not None and record["ended"] == "transferred"


async def test_a_wrong_auth_token_is_refused_by_the_gateway(tmp_path: Path) -> None:
    store = MemoryStore()
    deps = deps_for(ScriptedDialog(), store, LengthRecognizer("a", "b"), ToneSynthesizer(), AmplitudeVAD)
    async with gateway(deps, store) as base:
        with pytest.raises(httpx.HTTPStatusError, match="403"):
            await run_simulation([tone_wav(tmp_path / "a.wav", 0.5)], base, public_url=PUBLIC, auth_token="wrong")


# --- real models --------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def speech() -> Iterator[tuple[Any, Any, Any, Any]]:
    from voice.asr import WhisperRecognizer
    from voice.models import ModelNotAvailable, resolve_voice, resolve_whisper
    from voice.tts import PiperSynthesizer
    from voice.vad import SileroModel

    models_dir = Path(os.environ.get("INFOLINIA_MODELS_DIR") or Path.home() / ".cache/infolinia/models")
    try:
        recognizer = WhisperRecognizer(resolve_whisper("base", models_dir), device="cpu", compute_type="int8")
        synthesizer = PiperSynthesizer(resolve_voice(None, models_dir))
        caller_voice = PiperSynthesizer(resolve_voice(None, models_dir), length_scale=1.2)
    except ModelNotAvailable as exc:
        missing(f"speech models not available: {exc}")
    for model in (recognizer, synthesizer, caller_voice):
        model.load_blocking()
    yield recognizer, synthesizer, SileroModel(), caller_voice


class ShortGreeting:
    """The real dialog engine, greeting with one sentence (the full RODO greeting is 19 s of audio)."""

    def __init__(self, engine: Any) -> None:
        self.engine = engine

    async def greet(self, session_id: str | None, caller: Any) -> Outcome:
        full = await self.engine.greet(session_id, caller)
        return Outcome(full.session_id, "answer", "Dzień dobry, w czym mogę pomóc?")

    def __getattr__(self, name: str) -> Any:  # handle, escalate, vocabulary: the engine's own
        return getattr(self.engine, name)


@pytest.mark.models
@pytest.mark.parametrize("turn_model", ["silence", "smart-turn"])
async def test_a_polish_kb_question_is_answered_over_a_simulated_phone_call(
    speech: tuple[Any, Any, Any, Any], tmp_path: Path, models_dir: Path, turn_model: str
) -> None:
    """Either end-of-turn rule (the default silence, or the Smart Turn model, real ONNX): answered."""
    from dialog.factory import build_engine

    eval_file(CALLER_WAV)
    recognizer, synthesizer, silero, _ = speech
    store = MemoryStore()
    kb = tmp_path / "bank.yaml"
    kb.write_text(BANK_KB, encoding="utf-8")
    dialog = ShortGreeting(build_engine(kb_path=kb, store=store))
    question = CALLER_WAV

    def vad() -> SpeechProbability:
        return silero.detector(8000)

    # the production turn-taking thresholds (telephony.app.phone.turn_config from the settings)
    settings = Settings(turn_model=turn_model, models_dir=models_dir)
    try:
        end_of_turn = end_of_turn_model(settings)
    except ModelNotAvailable as exc:
        missing(str(exc))
    deps = deps_for(
        dialog, store, recognizer, synthesizer, vad, turn_config=turn_config(settings), end_of_turn=end_of_turn
    )
    await deps.prewarm(["Dzień dobry, w czym mogę pomóc?"])
    async with gateway(deps, store) as base:
        result = await run_simulation(
            [str(question)], base, public_url=PUBLIC, auth_token=TOKEN, out=tmp_path / "c.wav"
        )
    print(format_result(result))
    record = await store.get(record_key(result.call_sid))
    assert record is not None
    turns = record["turns"]
    # The speaker pauses at the commas; on a phone line the VAD sometimes ends the turn there, so the
    # sentence may arrive as one turn or two. Either way the caller must get the KB answer.
    for turn in turns:
        print(f"heard {turn['text']!r}; stages after speech end (ms): {turn['breakdown_ms']}")
    assert 1 <= len(turns) <= 2 and any(t["action"] == "answer" for t in turns)
    if len(turns) == 1:  # one turn: recognised while the end of turn was still being confirmed
        assert turns[0]["speculative"]
    else:  # cut at a comma: the caller went on, so the halves are recognised again as one turn
        assert "oszczędnościowe" in turns[-1]["text"] and "konto" in turns[-1]["text"]
    answer = " ".join(e["text"] for e in record["transcript"] if e["role"] == "bot" and e["turn"] >= 1)
    assert EXPECTED in answer
    # every bot sentence was heard, except, when the sentence came as two turns, the reply to its first half
    # (the caller's continuation stops it at once: that is the continuation rule, not a fault)
    bot = [e for e in record["transcript"] if e["role"] == "bot"]
    assert all(e["status"] == "heard" for e in bot if e["turn"] in (0, turns[-1]["turn"])), bot
    # The caller heard the answer after they stopped speaking. How fast is a figure for the benchmark
    # (`infolinia bench calls`, docs/benchmarks.md), not a wall-clock threshold in a test.
    assert_replies_heard(result)
