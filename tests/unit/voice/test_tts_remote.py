"""The synthesis tier's client against fake Wyoming TTS servers (asyncio servers speaking the protocol):
rotation, resampling to the requested rate, retry on the next server after a refusal, an ``error``, a hang
(the deadline) or a death mid-reply, and the local fall-back when all fail."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable

import numpy as np
import pytest
from wyoming.audio import AudioChunk, AudioStart, AudioStop
from wyoming.error import Error
from wyoming.event import async_read_event, async_write_event
from wyoming.tts import Synthesize

from tests.support.servers import free_port
from voice.ports import PCM
from voice.tts_remote import RemoteSynthesizer, RemoteTtsError

SERVER_RATE = 16000
TONE = (8000 * np.sin(2 * np.pi * 440 * np.arange(int(0.6 * SERVER_RATE)) / SERVER_RATE)).astype(np.int16)
Behaviour = Callable[[asyncio.StreamWriter], Awaitable[None]]


async def speak(writer: asyncio.StreamWriter) -> None:
    await async_write_event(AudioStart(rate=SERVER_RATE, width=2, channels=1).event(), writer)
    data = TONE.astype("<i2").tobytes()
    for start in range(0, len(data), 2048):
        await async_write_event(AudioChunk(SERVER_RATE, 2, 1, data[start : start + 2048]).event(), writer)
    await async_write_event(AudioStop().event(), writer)


async def refuse(writer: asyncio.StreamWriter) -> None:
    await async_write_event(Error(text="speech synthesis failed", code="tts-failed").event(), writer)


async def hang(writer: asyncio.StreamWriter) -> None:
    await asyncio.Event().wait()  # accepts, reads, never answers


async def die_mid_reply(writer: asyncio.StreamWriter) -> None:
    await async_write_event(AudioStart(rate=SERVER_RATE, width=2, channels=1).event(), writer)
    data = TONE.astype("<i2").tobytes()
    for start in range(0, len(data) // 2, 2048):
        await async_write_event(AudioChunk(SERVER_RATE, 2, 1, data[start : start + 2048]).event(), writer)
    writer.close()  # the process is gone: its connection closes before audio-stop
    await writer.wait_closed()


class FakeServer:
    """One Wyoming TTS server on loopback; ``texts`` are the requests it received."""

    def __init__(self, behaviour: Behaviour) -> None:
        self.behaviour, self.texts = behaviour, list[str]()
        self._server: asyncio.Server | None = None

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        event = await async_read_event(reader)
        if event is not None and Synthesize.is_type(event.type):
            self.texts.append(Synthesize.from_event(event).text)
            await self.behaviour(writer)
        writer.close()

    async def __aenter__(self) -> str:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        return f"tcp://127.0.0.1:{self._server.sockets[0].getsockname()[1]}"

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()


class LocalVoice:
    """The fall-back: a constant tone at whatever rate is asked for, counted."""

    native_rate = 22050

    def __init__(self) -> None:
        self.texts: list[str] = []
        self.loaded = False

    async def load(self) -> None:
        self.loaded = True

    async def stream(self, text: str, rate: int) -> AsyncIterator[PCM]:
        self.texts.append(text)
        yield np.full(rate // 2, 1000, dtype=np.int16)

    async def synthesize(self, text: str, rate: int) -> PCM:
        return np.concatenate([c async for c in self.stream(text, rate)])


Start = Callable[[Behaviour], Awaitable[tuple[str, FakeServer]]]


@pytest.fixture
async def servers() -> AsyncGenerator[Start, None]:
    started: list[FakeServer] = []

    async def start(behaviour: Behaviour) -> tuple[str, FakeServer]:
        server = FakeServer(behaviour)
        started.append(server)
        return await server.__aenter__(), server

    yield start
    for server in started:
        await server.__aexit__()


def dead_uri() -> str:
    return f"tcp://127.0.0.1:{free_port()}"  # nothing listens there


async def test_replies_rotate_and_come_back_at_the_requested_rate(servers: Start) -> None:
    (uri_a, a), (uri_b, b) = await servers(speak), await servers(speak)
    remote = RemoteSynthesizer([uri_a, uri_b], LocalVoice(), clock=lambda: 0.0)
    first = await remote.synthesize("Dzień dobry.", 8000)
    chunks = [c async for c in remote.stream("Do widzenia.", 8000)]
    assert a.texts == ["Dzień dobry."] and b.texts == ["Do widzenia."]
    assert remote.served == {uri_a: 1, uri_b: 1}
    streamed = np.concatenate(chunks)
    assert len(chunks) >= 2  # yielded as it arrived, not once at the end
    for pcm in (first, streamed):
        assert abs(len(pcm) - len(TONE) // 2) <= 8  # 16 kHz from the server, 8 kHz asked for
        assert np.abs(pcm.astype(np.int32)).max() > 4000  # the tone survived


async def test_refused_unreachable_and_hung_servers_are_skipped_and_the_next_answers(servers: Start) -> None:
    (uri_err, _), (uri_hang, _), (uri_ok, ok) = await servers(refuse), await servers(hang), await servers(speak)
    dead = dead_uri()
    failures: list[str] = []
    remote = RemoteSynthesizer([uri_err, dead, uri_hang, uri_ok], LocalVoice(), timeout_s=3.0, clock=lambda: 0.0)
    remote.failure_observer = failures.append
    pcm = await remote.synthesize("Zamówienie zostało wysłane.", 16000)
    assert len(pcm) == pytest.approx(len(TONE), abs=8)
    assert remote.served == {uri_ok: 1} and ok.texts == ["Zamówienie zostało wysłane."]
    assert failures == ["tts_remote"] * 3
    assert set(remote.pool.down(0.0)) == {uri_err, dead, uri_hang}  # skipped by the next replies
    assert remote.pool.order(0.0)[0] == uri_ok


async def test_all_down_the_local_voice_speaks_without_it_an_error_the_call_handles() -> None:
    local = LocalVoice()
    remote = RemoteSynthesizer([dead_uri(), dead_uri()], local, timeout_s=5.0)
    failures: list[str] = []
    remote.failure_observer = failures.append
    await remote.load()
    assert local.loaded and remote.native_rate == 22050
    chunks = [c async for c in remote.stream("Przepraszam.", 8000)]
    assert local.texts == ["Przepraszam."] and remote.served == {"local": 1}
    assert len(np.concatenate(chunks)) == 4000
    assert failures == ["tts_remote", "tts_remote", "tts_remote_all"]

    alone = RemoteSynthesizer([dead_uri()], None, timeout_s=5.0)
    with pytest.raises(RemoteTtsError, match="every remote synthesizer failed"):
        await alone.synthesize("Przepraszam.", 8000)


async def test_a_death_mid_reply_retries_a_whole_reply_but_not_a_stream_already_heard(servers: Start) -> None:
    (uri_dies, _), (uri_ok, ok) = await servers(die_mid_reply), await servers(speak)
    remote = RemoteSynthesizer([uri_dies, uri_ok], LocalVoice(), timeout_s=10.0, clock=lambda: 0.0)
    whole = await remote.synthesize("Jedno.", 8000)  # nobody heard the half: the next server says it all
    assert len(whole) == pytest.approx(len(TONE) // 2, abs=8) and remote.served == {uri_ok: 1}

    remote.pool.succeeded(uri_dies)
    remote.pool._next = 0  # the dying server first again
    heard: list[PCM] = []
    with pytest.raises(RemoteTtsError, match=uri_dies):
        async for chunk in remote.stream("Drugie.", 8000):
            heard.append(chunk)
    assert heard  # part was played: repeating it from the start would confuse the caller
    assert ok.texts == ["Jedno."]


def test_a_pool_needs_servers() -> None:
    with pytest.raises(ValueError, match="at least one"):
        RemoteSynthesizer([])
