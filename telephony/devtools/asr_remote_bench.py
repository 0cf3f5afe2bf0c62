"""``infolinia bench asr-remote``: what sending a caller's turn to the recognizer tier costs, per turn.

The same phone turns (8 kHz recordings of the Polish eval set) are recognised twice, one after the other
so the two never compete for the CPU: in this process (``WhisperRecognizer``, as a gateway without
``INFOLINIA_ASR_REMOTE``) and through ``RemoteRecognizer`` at an ``infolinia wyoming`` server (the
servers of ``INFOLINIA_ASR_REMOTE`` when set, else one started here as a child process on loopback).
The server reports its own queueing and recognition time with each transcript, so the hop itself
(connect, audio events, the server's handling, the answer) is the round trip minus that: measured per
turn, not guessed from the difference of two noisy runs. Bytes per turn are the PCM sent.
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

from telephony.settings import Settings
from voice.asr_remote import RemoteRecognizer
from voice.ports import PCM, Recognizer
from voice.remote_pool import parse_uris
from voice.wavio import read_audio

PHONE_RATE = 8000
TURNS = 12  # recordings of the eval set's phone half (the first ones, sorted by the manifest)


def phone_turns(manifest: Path, count: int = TURNS) -> list[PCM]:
    """The first ``count`` phone recordings of the manifest, as 8 kHz PCM (what a call's recognizer gets)."""
    with manifest.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))[:count]
    return [read_audio(manifest.parent / row["file"], PHONE_RATE)[0] for row in rows]


@contextlib.asynccontextmanager
async def recognizer_server(settings: Settings, synthesis: bool = False) -> AsyncIterator[list[str]]:
    """The servers of ``INFOLINIA_ASR_REMOTE`` (``synthesis``: ``INFOLINIA_TTS_REMOTE``), or one
    ``infolinia wyoming`` child process on loopback (``--asr-only`` unless it is to synthesize)."""
    configured = settings.tts_remote if synthesis else settings.asr_remote
    if configured:
        yield parse_uris(configured)
        return
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    uri = f"tcp://127.0.0.1:{port}"
    env = {**os.environ, "INFOLINIA_TTS_PRERENDER": "false", "INFOLINIA_REDIS_URL": ""}
    env |= {"INFOLINIA_ASR_REMOTE": "", "INFOLINIA_TTS_REMOTE": ""}
    argv = [sys.executable, "-m", "telephony.app.cli", "wyoming", "--uri", uri] + ([] if synthesis else ["--asr-only"])
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        await _listening(port, proc)
        yield [uri]
    finally:
        proc.terminate()
        await asyncio.to_thread(proc.wait, 30)


async def _listening(port: int, proc: subprocess.Popen[bytes], timeout_s: float = 300.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"infolinia wyoming exited with {proc.returncode} (run it by hand to see why)")
        with contextlib.suppress(OSError):
            _, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.close()
            return
        await asyncio.sleep(0.2)
    raise RuntimeError(f"infolinia wyoming did not listen on port {port} in {timeout_s:g} s")


async def time_turns(recognizer: Recognizer, turns: Sequence[PCM], hotwords: Sequence[str]) -> list[float]:
    """Each turn once, in order: its wall time as the call sees it (s)."""
    times = []
    for pcm in turns:
        started = time.perf_counter()
        await recognizer.transcribe(pcm, PHONE_RATE, hotwords)
        times.append(time.perf_counter() - started)
    return times


def _ms(values: Sequence[float]) -> dict[str, float]:
    ms = [v * 1000.0 for v in values]
    return {"median": round(statistics.median(ms), 1), "min": round(min(ms), 1), "max": round(max(ms), 1)}


def summarise(turns: Sequence[PCM], local: list[float], remote: list[float], hops: list[float]) -> dict[str, Any]:
    """Medians (min, max) in ms; ``hop`` per turn = round trip - the server's own queueing and recognition."""
    audio = [len(pcm) / PHONE_RATE for pcm in turns]
    return {
        "turns": len(turns),
        "audio_s_median": round(statistics.median(audio), 2),
        "local_ms": _ms(local),
        "remote_round_trip_ms": _ms(remote),
        "hop_ms": _ms(hops),
        "hop_share_of_round_trip": round(statistics.median(hops) / statistics.median(remote), 4),
        "pcm_bytes_per_turn_median": int(statistics.median(a * PHONE_RATE * 2 for a in audio)),
    }


async def run_remote_bench(settings: Settings, local: Recognizer, manifest: Path, hotwords: Sequence[str]) -> str:
    """Local, then remote (after one warm-up turn each); the figures as text for docs/benchmarks.md."""
    turns = phone_turns(manifest)
    await local.transcribe(turns[0], PHONE_RATE, hotwords)  # warm-up: first-run allocations
    local_times = await time_turns(local, turns, hotwords)
    async with recognizer_server(settings) as uris:
        remote = RemoteRecognizer(uris, fallback=None, timeout_s=120.0)
        await remote.transcribe(turns[0], PHONE_RATE, hotwords)
        hops: list[float] = []
        remote.hop_observer = hops.append
        remote_times = await time_turns(remote, turns, hotwords)
    if len(hops) != len(turns):
        return f"servers: {', '.join(uris)} do not report their timings (not infolinia wyoming): hop not measured"
    return f"servers: {', '.join(uris)}\n{json.dumps(summarise(turns, local_times, remote_times, hops), indent=2)}"
