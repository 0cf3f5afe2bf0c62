"""The Wyoming server, driven over real TCP by the ``wyoming`` package's own client (as Home Assistant is).

Protocol and bad-input tests use the deterministic fake models (fast, exact); the conversation tests
use the real dialog engine; ``@pytest.mark.models`` tests use real Whisper and Piper, loaded once.
"""

from __future__ import annotations

import asyncio
import json
import re
import signal
import sys
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

import numpy as np
import pytest
from wyoming.asr import Transcribe, Transcript
from wyoming.audio import AudioChunk, AudioStart, AudioStop
from wyoming.client import AsyncTcpClient
from wyoming.event import Event
from wyoming.info import Describe, Info
from wyoming.ping import Ping
from wyoming.tts import Synthesize, SynthesizeChunk, SynthesizeStart, SynthesizeStop

from dialog import catalogue
from dialog.engine_text import fold
from dialog.ports import Transfer
from telephony.app.services import Services
from telephony.settings import Settings
from telephony.speaker import callback as cb
from telephony.speaker.frames import FrameError, WyomingLimits, read_event
from telephony.speaker.server import start_wyoming
from telephony.speaker.speech import AudioRejected, UtteranceBuffer
from tests.support.needs import eval_file
from tests.support.paths import REPO_ROOT
from tests.support.servers import free_port
from tests.support.speaker import EVAL_WAV, real_engine, services_with
from tests.support.speech import EchoRecognizer, ToneSynthesizer, text_to_pcm
from voice.ports import PCM
from voice.sentences import SentenceStream


@asynccontextmanager
async def serving(services: Services, limits: WyomingLimits | None = None) -> AsyncIterator[int]:
    port = free_port()
    server = await start_wyoming(f"tcp://127.0.0.1:{port}", services, limits)
    try:
        yield port
    finally:
        await server.stop()


async def exchange(port: int, events: Sequence[Event], until: Sequence[str] = (), timeout: float = 60.0) -> list[Event]:
    """Send ``events`` on a new connection; collect replies until a type in ``until`` or the server closes."""
    async with AsyncTcpClient("127.0.0.1", port) as client:
        for event in events:
            await client.write_event(event)
        got: list[Event] = []
        while True:
            event = await asyncio.wait_for(client.read_event(), timeout)
            if event is None:
                return got
            got.append(event)
            if event.type in until:
                return got


async def ask(port: int, text: str, conversation_id: str) -> Event:
    got = await exchange(
        port,
        [Transcript(text, context={"conversation_id": conversation_id}).event()],
        ["handled", "not-handled"],
    )
    return got[-1]


def fake_services() -> Services:
    return services_with(real_engine()[0], real_engine()[1], EchoRecognizer(), ToneSynthesizer())


def audio_events(pcm: PCM, rate: int, channels: int = 1, chunk: int = 1024) -> list[Event]:
    data = np.asarray(pcm, dtype="<i2").tobytes()
    step = chunk * 2 * channels
    chunks = [AudioChunk(rate, 2, channels, data[i : i + step]).event() for i in range(0, len(data), step)]
    return [AudioStart(rate, 2, channels).event(), *chunks, AudioStop().event()]


# --- the callback offer (pure) -------------------------------------------------------------------------

TRANSFER = Transfer("obsluga", "requested_human", 3, "Klient prosi o konsultanta.")


def test_callback_offer_asks_for_number_confirms_and_books() -> None:
    step = cb.offer(TRANSFER)
    assert step.reply == catalogue.SPEAKER_CALLBACK_OFFER and step.state is not None
    step = cb.answer(step.state, "tak, poproszę")
    assert step.reply == catalogue.CALLBACK_ASK_PHONE and step.state is not None
    step = cb.answer(step.state, "sześćset sto dwieście")
    assert step.state is not None and step.state.phone == "+48600100200"
    assert step.reply == "Czy oddzwonić pod numer 600 100 200?"
    step = cb.answer(step.state, "tak")
    assert step.book_phone == "+48600100200" and step.state is None
    assert "600 100 200" in step.reply


def test_callback_known_phone_correction_decline_and_other_questions() -> None:
    offered = cb.offer(TRANSFER).state
    assert offered is not None
    confirm = cb.answer(offered, "tak", known_phone="+48 601 222 333")
    assert confirm.state is not None and confirm.state.phone == "+48601222333"
    corrected = cb.answer(confirm.state, "nie, 605 666 777")
    assert corrected.state is not None and corrected.state.phone == "+48605666777" and corrected.book_phone is None
    assert cb.answer(offered, "nie, dziękuję") == cb.Step(catalogue.DECLINED, None)
    moved_on = cb.answer(offered, "a ile kosztuje dostawa?")
    assert moved_on.pass_through and moved_on.state is None


def test_callback_gives_up_after_unclear_numbers() -> None:
    state = cb.answer(cb.offer(TRANSFER).state, "tak").state  # type: ignore[arg-type]
    for _ in range(cb.MAX_RETRIES):
        assert state is not None
        step = cb.answer(state, "yyy nie pamiętam dokładnie")
        assert step.reply == catalogue.CALLBACK_PHONE_NOT_UNDERSTOOD
        state = step.state
    assert state is not None
    assert cb.answer(state, "hmm, nie wiem") == cb.Step(catalogue.CALLBACK_GIVE_UP, None)
    assert cb.CallbackState.from_dict(state.to_dict()) == state
    assert cb.CallbackState.from_dict({"stage": "bogus"}) is None


@pytest.mark.parametrize(
    ("said", "phone"),
    [
        ("+48 600 100 200", "+48600100200"),
        ("mój numer to 600-100-200", "+48600100200"),
        ("sześć zero jeden dwa dwa dwa trzy trzy trzy", "+48601222333"),
        (
            "czterdzieści osiem pięćset jeden dwieście trzydzieści cztery pięćset sześćdziesiąt siedem",
            "+48501234567",
        ),
        ("123 45", None),
        ("nie wiem", None),
    ],
)
def test_find_phone(said: str, phone: str | None) -> None:
    assert cb.find_phone(said) == phone


# --- pieces: sentence cutting, audio buffer, frame limits --------------------------------------------


def test_sentence_stream_cuts_whole_sentences_only() -> None:
    stream = SentenceStream()
    assert stream.feed("Dzień dob") == []
    assert stream.feed("ry. Paczka przyjdzie np. jutro o 12.30. Czy") == [
        "Dzień dobry.",
        "Paczka przyjdzie np. jutro o 12.30.",
    ]
    assert stream.feed(" mogę pomóc?") == []
    assert stream.flush() == "Czy mogę pomóc?"


def test_utterance_buffer_converts_and_limits() -> None:
    stereo = np.array([[1000, 3000], [-2000, -4000]] * 800, dtype="<i2")
    buf = UtteranceBuffer(max_s=0.2)
    buf.add({"rate": 16000, "width": 2, "channels": 2}, stereo.tobytes())
    pcm, rate = buf.pcm()
    assert rate == 16000 and len(pcm) == 1600 and pcm[0] == 2000 and pcm[1] == -3000
    with pytest.raises(AudioRejected, match="changed"):
        buf.add({"rate": 8000, "width": 2, "channels": 2}, stereo.tobytes())
    with pytest.raises(AudioRejected, match="longer than"):
        buf.add({"rate": 16000, "width": 2, "channels": 2}, stereo.tobytes() * 2)
    for bad in (
        {"rate": 16000, "width": 2, "channels": 3},
        {"rate": 16000, "width": 5, "channels": 1},
        {"rate": 100},
    ):
        with pytest.raises(AudioRejected):
            UtteranceBuffer(1.0).add(bad, b"\0" * 12)
    with pytest.raises(AudioRejected, match="whole number"):
        UtteranceBuffer(1.0).add({"rate": 16000, "width": 2, "channels": 1}, b"\0" * 3)


async def test_read_event_checks_sizes_before_reading() -> None:
    limits = WyomingLimits(max_payload_bytes=100)
    for raw, code in [
        (b'{"type": "audio-chunk", "payload_length": 101}\n', "frame-too-large"),
        (b"not json\n", "bad-frame"),
        (b'{"data": {}}\n', "bad-frame"),
        (b'{"type": "x", "data_length": -1}\n', "bad-frame"),
    ]:
        reader = asyncio.StreamReader()
        reader.feed_data(raw)
        with pytest.raises(FrameError) as err:
            await read_event(reader, limits)
        assert err.value.code == code
    reader = asyncio.StreamReader()
    reader.feed_data(b'{"type": "audio-chunk", "payload_length": 50}\n' + b"\0" * 10)
    reader.feed_eof()
    assert await read_event(reader, limits) is None  # cut short = the client is gone


# --- protocol over TCP (fake models, real dialog engine) ---------------------------------------------


async def test_describe_advertises_handle_asr_and_tts_in_polish() -> None:
    async with serving(fake_services()) as port:
        info = Info.from_event((await exchange(port, [Describe().event()], ["info"]))[-1])
    programs = [*info.handle, *info.asr, *info.tts]
    assert [p.name for p in programs] == ["infolinia", "infolinia-stt", "infolinia-tts"]
    assert all(p.installed for p in programs)
    assert info.handle[0].models[0].languages == ["pl"]
    assert info.asr[0].models[0].languages == ["pl"] and info.asr[0].supports_transcript_streaming
    assert info.tts[0].voices[0].languages == ["pl"] and info.tts[0].supports_synthesize_streaming


async def test_follow_up_works_across_connections_with_the_same_conversation_id() -> None:
    async with serving(fake_services()) as port:
        first = await ask(port, "Gdzie jest moje zamówienie?", "conv-follow-up")
        second = await ask(port, "48213", "conv-follow-up")
        other = await ask(port, "48213", "conv-unrelated")
    assert first.type == "handled" and first.data["text"] == catalogue.ASK_ORDER_NUMBER
    assert second.type == "handled" and "48213" in second.data["text"] and "wysłane" in second.data["text"]
    assert second.data["context"]["conversation_id"] == "conv-follow-up"
    assert second.data["context"]["infolinia_session_id"] == first.data["context"]["infolinia_session_id"]
    assert other.data["context"]["infolinia_session_id"] != first.data["context"]["infolinia_session_id"]


async def test_without_redis_a_speaker_promises_no_callback_and_gives_the_hotline() -> None:
    """No callback book agents see (no Redis): a booked call would be lost on restart and never reach an
    agent, so the speaker says it cannot book one and gives the hotline; nothing is stored."""
    services = fake_services()
    services.settings = services.settings.model_copy(update={"fallback_number": "+48221112233"})
    async with serving(services) as port:
        reply = await ask(port, "Chcę rozmawiać z konsultantem", "conv-callback")
        assert reply.data["text"] == catalogue.SPEAKER_NO_CALLBACK.format(number=" pod numer 221 112 233")
        assert "oddzwoni" not in reply.data["text"]
        after = await ask(port, "tak", "conv-callback")  # no offer pending: an ordinary turn for the engine
        angry = await ask(port, "Jesteście złodziejami, znowu zawyżona faktura!", "conv-angry")
        hotline = catalogue.SPEAKER_NO_CALLBACK.format(number=" pod numer 221 112 233")
        assert angry.data["text"] == f"{catalogue.ANGRY_APOLOGY} {hotline}"  # the apology, as the phone's
    assert (
        after.data["text"] != catalogue.CALLBACK_ASK_PHONE
        and after.data["context"].get("infolinia_callback_id") is None
    )
    assert await services.store.get("callback:pending") is None


async def test_empty_transcript_is_not_handled_with_an_explanation() -> None:
    async with serving(fake_services()) as port:
        reply = await ask(port, "  ", "conv-empty")
    assert reply.type == "not-handled" and reply.data["text"] == catalogue.NOT_HEARD


async def test_asr_and_streaming_tts_event_sequences() -> None:
    services = fake_services()
    async with serving(services) as port:
        asr = await exchange(
            port,
            [Transcribe(language="pl").event(), *audio_events(text_to_pcm("gdzie paczka"), 16000)],
            ["transcript-stop"],
        )
        tts = await exchange(
            port,
            [
                SynthesizeStart().event(),
                *(SynthesizeChunk(t).event() for t in ("Dzień dob", "ry. Paczka jest", " w drodze. Do widzenia")),
                Synthesize("Dzień dobry. Paczka jest w drodze. Do widzenia").event(),  # compat copy: ignored
                SynthesizeStop().event(),
            ],
            ["synthesize-stopped"],
        )
    assert [e.type for e in asr] == ["transcript-start", "transcript-chunk", "transcript", "transcript-stop"]
    assert asr[2].data["text"] == "gdzie paczka"
    assert [e.type for e in tts].count("audio-start") == 3 and tts[-1].type == "synthesize-stopped"
    assert services.synthesizer.spoken == ["Dzień dobry.", "Paczka jest w drodze.", "Do widzenia"]  # type: ignore[union-attr]


# --- bad input never takes the server down ------------------------------------------------------------


async def test_bad_input_gets_an_error_and_the_server_keeps_serving() -> None:
    async with serving(fake_services(), WyomingLimits(max_audio_s=1.0, max_payload_bytes=64_000)) as port:
        unknown = await exchange(port, [Event("bogus-event"), Ping("hi").event()], ["pong"])
        assert unknown[0].type == "error" and unknown[0].data["code"] == "unsupported-event"
        assert unknown[1].data["text"] == "hi"  # the connection survived
        three_channels = audio_events(np.zeros(3000, np.int16), 16000, channels=3)
        bad_format = await exchange(port, [*three_channels, Describe().event()], ["info"])
        assert [(e.type, e.data.get("code")) for e in bad_format] == [
            ("error", "bad-audio-format"),
            ("info", None),
        ]
        too_long = audio_events(np.zeros(20000, dtype=np.int16), 16000)
        got = await exchange(port, [*too_long, Describe().event()], ["info"])
        assert [(e.type, e.data.get("code")) for e in got] == [("error", "audio-too-long"), ("info", None)]
        wrong_language = await exchange(port, [Transcribe(language="de").event(), *too_long, Ping().event()], ["pong"])
        assert [(e.type, e.data.get("code")) for e in wrong_language] == [
            ("error", "unsupported-language"),
            ("pong", None),
        ]
        bad_tts = await exchange(
            port,
            [SynthesizeChunk("bez startu").event(), Synthesize("").event(), Describe().event()],
            ["info"],
        )
        assert [e.data.get("code") for e in bad_tts[:2]] == ["bad-sequence", "empty-text"]
        malformed = await exchange(port, [Event("synthesize", {"voice": {}}), Describe().event()], ["info"])
        assert malformed[0].data["code"] == "bad-event" and malformed[1].type == "info"
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b'{"type": "audio-chunk", "payload_length": 99999999}\n')
        assert b"frame-too-large" in await asyncio.wait_for(reader.read(), 10)  # answered, then closed
        writer.close()
        assert (await exchange(port, [Describe().event()], ["info"]))[-1].type == "info"


async def test_clients_vanishing_mid_stream_do_not_hurt_the_next_one() -> None:
    audio_header = {"rate": 16000, "width": 2, "channels": 1}
    cut_short = [  # the audio payload never completes
        json.dumps({"type": "audio-start", "data": audio_header}) + "\n",
        json.dumps({"type": "audio-chunk", "data": audio_header, "payload_length": 4096}) + "\n",
    ]
    long_reply = json.dumps({"type": "synthesize", "data": {"text": "Bardzo długa odpowiedź. " * 60}}) + "\n"
    async with serving(fake_services()) as port:
        for partial in ("".join(cut_short).encode() + b"\0" * 100, long_reply.encode()):
            _, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(partial)
            await writer.drain()
            writer.close()  # gone while the server reads, or while it streams audio back
        await asyncio.sleep(0.2)
        reply = await ask(port, "Dzień dobry", "conv-after-vanish")
    assert reply.type == "handled"


# --- real models ----------------------------------------------------------------------------------


@pytest.fixture
def speech_models(recognizer: Any, synthesizer: Any) -> tuple[Any, Any]:
    return recognizer, synthesizer


def real_services(speech_models: tuple[Any, Any]) -> Services:
    engine, store = real_engine()
    return services_with(engine, store, *speech_models)


@pytest.mark.models
async def test_real_asr_of_polish_speech_sent_as_stereo_22k(speech_models: tuple[Any, Any]) -> None:
    from voice.resample import resample
    from voice.wavio import read_audio

    # A real recording only: Whisper cannot understand the offline (English-timbre) Piper voice, so
    # synthesized speech would test nothing. No eval set: a skip on a fresh clone, an error in CI.
    pcm, rate = read_audio(eval_file(EVAL_WAV))
    expected = {"miesiac", "szybko"}
    stereo = np.repeat(resample(pcm, rate, 22050), 2)  # interleaved L/R: the server downmixes and resamples
    async with serving(real_services(speech_models)) as port:
        got = await exchange(
            port,
            [Transcribe(language="pl").event(), *audio_events(stereo, 22050, channels=2)],
            ["transcript-stop"],
        )
    transcript = next(e for e in got if e.type == "transcript")
    assert transcript.data["language"] == "pl"
    assert expected <= set(re.findall(r"\w+", fold(transcript.data["text"])))


@pytest.mark.models
async def test_no_words_are_made_of_a_silent_recording(whisper_base: str) -> None:
    """Found by a walkthrough: 0.1 s or 0.5 s of zeros from a satellite came back as "Zwroty sześć" with the
    gateway's recognizer (beam 5, the short answers, the KB's hotwords), and the dialog acted on it. What
    Whisper invents depends on its prompt (the same zeros gave nothing once the greeting's words changed),
    so silence is never decoded (``tests/e2e/voice/test_asr_guards.py`` checks that part exactly)."""
    from telephony.app.services import build_recognizer

    deployed = build_recognizer(Settings(), whisper_base)
    await deployed.load()
    engine, store = real_engine()
    async with serving(services_with(engine, store, deployed, None)) as port:
        for samples in (1600, 8000):
            got = await exchange(
                port,
                [Transcribe(language="pl").event(), *audio_events(np.zeros(samples, np.int16), 16000)],
                ["transcript-stop"],
            )
            assert next(e for e in got if e.type == "transcript").data["text"] == "", samples


@pytest.mark.models
async def test_real_tts_classic_and_streaming(speech_models: tuple[Any, Any]) -> None:
    async with serving(real_services(speech_models)) as port:
        classic = await exchange(port, [Synthesize("Zamówienie numer 48213 zostało wysłane.").event()], ["audio-stop"])
        streamed = await exchange(
            port,
            [
                SynthesizeStart().event(),
                *(SynthesizeChunk(w).event() for w in ("Dzień ", "dobry. ", "W czym ", "mogę ", "pomóc?")),
                SynthesizeStop().event(),
            ],
            ["synthesize-stopped"],
        )
    for events, sentences in ((classic, 1), (streamed, 2)):
        starts = [e for e in events if e.type == "audio-start"]
        audio = b"".join(e.payload or b"" for e in events if e.type == "audio-chunk")
        assert len(starts) == sentences and starts[0].data["width"] == 2 and starts[0].data["channels"] == 1
        rate = starts[0].data["rate"]
        pcm = np.frombuffer(audio, dtype="<i2")
        assert 0.8 * sentences < len(pcm) / rate < 6.0 * sentences
        assert np.abs(pcm).max() > 1000  # speech, not silence
    assert streamed[-1].type == "synthesize-stopped"


@pytest.mark.models
async def test_bench_wyoming_times_a_full_satellite_turn(speech_models: tuple[Any, Any]) -> None:
    from telephony.devtools.wyoming_bench import bench_wyoming

    pcm = await speech_models[1].synthesize("Gdzie jest moje zamówienie?", 16000)
    async with serving(real_services(speech_models)) as port:
        result = await bench_wyoming(f"tcp://127.0.0.1:{port}", pcm, 16000, runs=1)
    ms = result["ms"]
    assert result["reply"]
    assert 0 < ms["stream_first"]["median"] <= ms["stream_done"]["median"]
    assert 0 < ms["tts_first"]["median"] <= ms["tts_done"]["median"]
    assert ms["turn_done"]["median"] >= ms["asr"]["median"] + ms["handle"]["median"]


# --- the CLI entry point ----------------------------------------------------------------------------


def test_cli_rejects_a_bad_uri_before_loading_anything() -> None:
    from telephony.app.speaker import run_wyoming_cli

    assert run_wyoming_cli("http://0.0.0.0:10700", Settings.model_validate({})) == 2


async def test_cli_serves_until_sigterm() -> None:
    """``run_wyoming_cli`` in its own process (text only), as ``infolinia wyoming`` runs it."""
    port = free_port()
    code = (
        "import sys; from telephony.settings import Settings; "
        "from telephony.app.speaker import run_wyoming_cli; "
        f"sys.exit(run_wyoming_cli('tcp://127.0.0.1:{port}', Settings.model_validate({{'speech': False}})))"
    )
    proc = await asyncio.create_subprocess_exec(sys.executable, "-c", code, cwd=str(REPO_ROOT))
    try:
        for _ in range(600):  # building the dialog engine takes seconds
            assert proc.returncode is None, f"infolinia wyoming exited with {proc.returncode} before serving"
            try:
                info = await exchange(port, [Describe().event()], ["info"])
                break
            except OSError:
                await asyncio.sleep(0.1)
        assert [p.name for p in Info.from_event(info[-1]).handle] == ["infolinia"]
        proc.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(proc.wait(), 20) == 0
    finally:
        if proc.returncode is None:
            proc.kill()
