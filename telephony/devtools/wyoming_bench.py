"""Latency of the speaker channels, measured from the client side exactly as a satellite sees them.

``bench_wyoming`` replays what Home Assistant does for one voice command, one connection per step:
ASR (``transcribe`` + audio, timed from ``audio-stop`` to ``transcript``), the conversation agent
(``transcript`` -> ``handled``), then TTS of the reply twice: classic ``synthesize`` (request -> first
``audio-chunk`` and -> ``audio-stop``) and streaming ``synthesize-start/chunk/stop`` (-> first chunk and
-> ``synthesize-stopped``). ``turn_*`` adds the steps up: end of speech -> first reply audio / reply audio
complete. ``bench_voice_turn`` times ``POST /v1/voice/turn`` end to end.
Audio is sent as fast as the socket takes it; a live satellite streams in real time, so only what
happens after the end of speech counts, as here.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Sequence
from typing import Any

import numpy as np
from wyoming.asr import Transcribe, Transcript
from wyoming.audio import AudioChunk, AudioStart, AudioStop
from wyoming.client import AsyncClient
from wyoming.event import Event
from wyoming.handle import Handled
from wyoming.tts import Synthesize, SynthesizeChunk, SynthesizeStart, SynthesizeStop

from voice.ports import PCM

_TIMEOUT_S = 120.0


def stats_ms(values: Sequence[float]) -> dict[str, float]:
    """median / min / max in milliseconds of durations given in seconds."""
    ms = [v * 1000.0 for v in values]
    return {
        "median": round(statistics.median(ms), 1),
        "min": round(min(ms), 1),
        "max": round(max(ms), 1),
        "n": len(ms),
    }


async def _until(client: AsyncClient, done: set[str]) -> tuple[list[tuple[float, Event]], float]:
    """Events with arrival times until one of ``done`` arrives; also the time of the first audio-chunk."""
    events: list[tuple[float, Event]] = []
    first_audio = 0.0
    while True:
        event = await client.read_event()
        now = time.perf_counter()
        if event is None:
            raise ConnectionError("server closed the connection early")
        if event.type == "error":
            raise RuntimeError(f"server error: {event.data}")
        if event.type == "audio-chunk" and not first_audio:
            first_audio = now
        events.append((now, event))
        if event.type in done:
            return events, first_audio


async def _asr(uri: str, pcm: PCM, rate: int, chunk_samples: int) -> tuple[str, float]:
    data = np.asarray(pcm, dtype="<i2").tobytes()
    async with AsyncClient.from_uri(uri, read_timeout=_TIMEOUT_S) as client:
        await client.write_event(Transcribe(language="pl").event())
        await client.write_event(AudioStart(rate=rate, width=2, channels=1).event())
        for start in range(0, len(data), chunk_samples * 2):
            chunk = data[start : start + chunk_samples * 2]
            await client.write_event(AudioChunk(rate=rate, width=2, channels=1, audio=chunk).event())
        t0 = time.perf_counter()
        await client.write_event(AudioStop().event())
        events, _ = await _until(client, {"transcript"})
        return Transcript.from_event(events[-1][1]).text, events[-1][0] - t0


async def _handle(uri: str, text: str, conversation_id: str) -> tuple[str, float]:
    async with AsyncClient.from_uri(uri, read_timeout=_TIMEOUT_S) as client:
        t0 = time.perf_counter()
        await client.write_event(Transcript(text=text, context={"conversation_id": conversation_id}).event())
        events, _ = await _until(client, {"handled", "not-handled"})
        return Handled.from_event(events[-1][1]).text or "", events[-1][0] - t0


async def _tts(uri: str, text: str, streaming: bool) -> tuple[float, float]:
    """(first audio-chunk, audio complete) after the request, in seconds."""
    async with AsyncClient.from_uri(uri, read_timeout=_TIMEOUT_S) as client:
        t0 = time.perf_counter()
        if streaming:
            await client.write_event(SynthesizeStart().event())
            for word in text.split(" "):  # word by word, as a streaming conversation agent produces text
                await client.write_event(SynthesizeChunk(text=word + " ").event())
            await client.write_event(Synthesize(text=text).event())
            await client.write_event(SynthesizeStop().event())
            events, first = await _until(client, {"synthesize-stopped"})
        else:
            await client.write_event(Synthesize(text=text).event())
            events, first = await _until(client, {"audio-stop"})
        return first - t0, events[-1][0] - t0


# What one satellite turn is timed by, in the order of the report: each step, then the turn the user hears.
TURN_KEYS = ("asr", "handle", "tts_first", "tts_done", "stream_first", "stream_done", "turn_first", "turn_done")


async def bench_wyoming(
    uri: str,
    pcm: PCM,
    rate: int,
    *,
    runs: int = 3,
    chunk_samples: int = 1024,
    conversation_id: str = "bench",
    replies: Sequence[str] = (),
) -> dict[str, Any]:
    """Time ``runs`` satellite turns against a running server; ``pcm``: the spoken question (mono int16).

    ``replies``: texts to synthesize instead of the agent's reply (run ``i`` uses ``replies[i % n]``).
    The synthesizer caches short texts, so repeating one reply measures a cache hit after the first run
    (realistic for fixed prompts); distinct texts measure real synthesis.
    """
    times: dict[str, list[float]] = {k: [] for k in TURN_KEYS}
    transcript = reply = ""
    for i in range(runs):
        transcript, asr_s = await _asr(uri, pcm, rate, chunk_samples)
        reply, handle_s = await _handle(uri, transcript or "Dzień dobry", f"{conversation_id}-{i}")
        spoken = replies[i % len(replies)] if replies else reply
        tts_first, tts_done = await _tts(uri, spoken, streaming=False)
        stream_first, stream_done = await _tts(uri, spoken, streaming=True)  # per sentence: other cache keys
        measured = (asr_s, handle_s, tts_first, tts_done, stream_first, stream_done)
        turn = (asr_s + handle_s + tts_first, asr_s + handle_s + tts_done)
        for key, value in zip(TURN_KEYS, (*measured, *turn), strict=True):
            times[key].append(value)
    return {
        "audio_s": round(len(pcm) / rate, 2),
        "transcript": transcript,
        "reply": reply,
        "ms": {k: stats_ms(v) for k, v in times.items()},
    }


async def bench_voice_turn(base_url: str, wav: bytes, *, runs: int = 3) -> dict[str, Any]:
    """Time ``POST /v1/voice/turn`` (audio/wav in, JSON with the reply audio out) ``runs`` times."""
    import httpx

    totals: list[float] = []
    server: list[dict[str, float]] = []
    body: dict[str, Any] = {}
    async with httpx.AsyncClient(base_url=base_url, timeout=_TIMEOUT_S) as client:
        for _ in range(runs):
            t0 = time.perf_counter()
            resp = await client.post("/v1/voice/turn", content=wav, headers={"Content-Type": "audio/wav"})
            totals.append(time.perf_counter() - t0)
            resp.raise_for_status()
            body = resp.json()
            server.append(body["timings_ms"])
    return {
        "transcript": body.get("transcript", ""),
        "ms": {
            "total": stats_ms(totals),
            "server_asr": stats_ms([s["asr"] / 1000 for s in server]),
            "server_total": stats_ms([s["total"] / 1000 for s in server]),
        },
    }
