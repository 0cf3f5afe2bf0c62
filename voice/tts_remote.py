"""Speech synthesis as its own tier: a ``Synthesizer`` that asks a pool of Wyoming TTS servers for each reply.

Why Wyoming: ``infolinia wyoming`` serves it already (and wyoming-piper speaks it), so a synthesis pool on
other machines needs no new server. One reply is one connection: ``synthesize`` -> ``audio-start``,
``audio-chunk``..., ``audio-stop``; the server streams each piece as soon as it is rendered.

Why a pool with a fall-back: a caller must never be left in silence because a synthesis machine died.
The server choice is ``voice.remote_pool.ServerPool`` (shared with recognition): rotate, skip a failed
server for ``cooldown_s``, retry on the next. Deadline: connecting, sending and the first audio within
``timeout_s``, and each later event within ``timeout_s`` (a server dying mid-reply is noticed). When every
server has failed, the local voice (``fallback``) speaks; without one the error reaches the call, which
apologises and hands over. A server failing after ``stream`` has yielded audio cannot be retried without
repeating what the caller heard, so that error reaches the call too (``synthesize`` retries at any point).

The server's audio (its voice's rate) is resampled to the requested rate as it arrives, in pieces of at
least ``MIN_YIELD_S`` so the resampler's blocks stay long and the consumer is not flooded with 46 ms chunks.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncGenerator, Callable, Sequence
from typing import Protocol

import numpy as np
from wyoming.audio import AudioChunk, AudioStart, AudioStop
from wyoming.client import AsyncClient
from wyoming.error import Error
from wyoming.event import Event
from wyoming.tts import Synthesize

from voice.ports import PCM, Synthesizer
from voice.remote_pool import ServerPool, info_or_raise
from voice.resample import StreamResampler

log = logging.getLogger(__name__)

MIN_YIELD_S = 0.25  # server audio gathered before it is resampled and yielded


class RemoteTtsError(Exception):
    """One server could not synthesize a reply (unreachable, too slow, closed, or answered ``error``)."""


class LocalSynthesizer(Synthesizer, Protocol):
    """The fall-back voice: a ``Synthesizer`` loaded at start-up (``PiperSynthesizer``)."""

    async def load(self) -> None: ...


async def _read(client: AsyncClient, uri: str, timeout_s: float) -> Event:
    """The server's next event within ``timeout_s``, or RemoteTtsError."""
    try:
        event = await asyncio.wait_for(client.read_event(), timeout_s)
    except TimeoutError as exc:
        raise RemoteTtsError(f"{uri}: no audio within {timeout_s:g} s") from exc
    except (OSError, EOFError, ValueError) as exc:  # reset, closed mid-answer, garbled
        raise RemoteTtsError(f"{uri}: {type(exc).__name__}: {exc}") from exc
    if event is None:
        raise RemoteTtsError(f"{uri}: closed the connection before the end of the audio")
    if Error.is_type(event.type):
        raise RemoteTtsError(f"{uri}: {Error.from_event(event).text}")
    return event


async def _close(client: AsyncClient) -> None:
    """Close without raising: a reset connection is the failure already being reported."""
    with contextlib.suppress(OSError):
        await client.disconnect()


async def _connect(uri: str, text: str, timeout_s: float) -> AsyncClient:
    """An open connection with the request sent, or RemoteTtsError."""
    client = AsyncClient.from_uri(uri)
    try:
        await asyncio.wait_for(client.connect(), timeout_s)
        await asyncio.wait_for(client.write_event(Synthesize(text=text).event()), timeout_s)
    except TimeoutError as exc:
        await _close(client)
        raise RemoteTtsError(f"{uri}: not connected within {timeout_s:g} s") from exc
    except (OSError, ValueError) as exc:  # refused, unreachable
        await _close(client)
        raise RemoteTtsError(f"{uri}: {type(exc).__name__}: {exc}") from exc
    return client


async def synthesize_at(uri: str, text: str, rate: int, timeout_s: float) -> AsyncGenerator[PCM, None]:
    """One reply from one server, resampled to ``rate`` and yielded as it arrives; RemoteTtsError on failure."""
    client = await _connect(uri, text, timeout_s)
    try:
        while not AudioStart.is_type((event := await _read(client, uri, timeout_s)).type):
            pass  # e.g. an ``info`` sent unasked: only the audio counts
        resampler: StreamResampler | None = None
        buffered: list[PCM] = []
        while not AudioStop.is_type((event := await _read(client, uri, timeout_s)).type):
            if not AudioChunk.is_type(event.type):
                continue
            chunk = AudioChunk.from_event(event)
            if chunk.width != 2 or chunk.channels != 1:
                raise RemoteTtsError(f"{uri}: audio is not 16-bit mono ({chunk.width} B, {chunk.channels} ch)")
            resampler = resampler or StreamResampler(chunk.rate, rate, quality="HQ")
            buffered.append(np.frombuffer(chunk.audio, dtype="<i2").astype(np.int16))
            if sum(len(b) for b in buffered) >= MIN_YIELD_S * chunk.rate:
                out = resampler.process(np.concatenate(buffered))
                buffered = []
                if len(out):
                    yield out
        if resampler is not None:
            tail = resampler.process(np.concatenate(buffered) if buffered else np.zeros(0, np.int16), last=True)
            if len(tail):
                yield tail
    finally:
        await _close(client)


async def describe(uri: str, timeout_s: float = 5.0) -> str:
    """Which Polish voices a server offers, e.g. ``"pl_PL-darkman-medium"``, for ``infolinia check``;
    RemoteTtsError when it does not answer or offers no Polish speech synthesis."""
    info = await info_or_raise(uri, timeout_s, RemoteTtsError)
    voices = [v for p in info.tts if p.installed for v in p.voices if any(x.startswith("pl") for x in v.languages)]
    if not voices:
        raise RemoteTtsError(f"{uri}: answers, but offers no Polish speech synthesis")
    return ", ".join(v.name for v in voices)


class RemoteSynthesizer:
    """``Synthesizer`` over a pool of Wyoming TTS servers, with a local fall-back (see the module doc)."""

    def __init__(
        self,
        uris: Sequence[str],
        fallback: LocalSynthesizer | None = None,
        *,
        timeout_s: float = 5.0,
        cooldown_s: float = 10.0,
        native_rate: int | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not uris:
            raise ValueError("a remote synthesizer needs at least one server URI")
        self.pool = ServerPool(list(uris), cooldown_s)
        self.fallback, self.timeout_s, self._clock = fallback, timeout_s, clock
        # what callers ask for when they want no resampling: the local voice's rate (the tier runs the same voice)
        self._native_rate = native_rate or (fallback.native_rate if fallback is not None else 22050)
        self.failure_observer: Callable[[str], None] | None = None  # "tts_remote" / "tts_remote_all" (metrics)
        self.served: dict[str, int] = {}  # replies synthesized, by server URI or "local"

    @property
    def native_rate(self) -> int:
        return self._native_rate

    async def load(self) -> None:
        """Load the fall-back voice (the servers load their own)."""
        if self.fallback is not None:
            await self.fallback.load()

    def stream(self, text: str, rate: int) -> AsyncGenerator[PCM, None]:
        return self._stream(text, rate)

    async def _stream(self, text: str, rate: int) -> AsyncGenerator[PCM, None]:
        for uri in self.pool.order(self._clock()):
            started = False
            try:
                async for pcm in synthesize_at(uri, text, rate, self.timeout_s):
                    started = True
                    yield pcm
            except RemoteTtsError as exc:
                self._failed(uri, exc)
                if started:  # the caller heard part of it: a retry would repeat it
                    raise
                continue
            self.pool.succeeded(uri)
            self.served[uri] = self.served.get(uri, 0) + 1
            return
        async for pcm in self._local(text, rate):
            yield pcm

    async def synthesize(self, text: str, rate: int) -> PCM:
        """The whole reply: nobody hears it before it is complete, so any failure is retried whole."""
        for uri in self.pool.order(self._clock()):
            try:
                chunks = [pcm async for pcm in synthesize_at(uri, text, rate, self.timeout_s)]
            except RemoteTtsError as exc:
                self._failed(uri, exc)
                continue
            self.pool.succeeded(uri)
            self.served[uri] = self.served.get(uri, 0) + 1
            return np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.int16)
        chunks = [pcm async for pcm in self._local(text, rate)]
        return np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.int16)

    async def _local(self, text: str, rate: int) -> AsyncGenerator[PCM, None]:
        self._observe("tts_remote_all")
        if self.fallback is None:
            raise RemoteTtsError(f"every remote synthesizer failed ({len(self.pool.uris)}) and there is no local one")
        log.error("every remote synthesizer failed: synthesizing this reply locally")
        self.served["local"] = self.served.get("local", 0) + 1
        async for pcm in self.fallback.stream(text, rate):
            yield pcm

    def _failed(self, uri: str, exc: Exception) -> None:
        log.warning("remote synthesizer failed, trying the next: %s", exc)
        self.pool.failed(uri, self._clock())
        self._observe("tts_remote")

    def _observe(self, kind: str) -> None:
        if self.failure_observer is not None:
            self.failure_observer(kind)
