"""Speech benchmark and ASR accuracy evaluation: the figures a capacity plan needs.

Why measured here and not guessed: on a phone line every stage adds to the silence the caller hears
(lessons.md: 1.4 s median, 3.4 s p95 in comparable systems). ``run_speech_bench`` times ASR on 2, 5
and 10 s of real speech, TTS time-to-first-audio, model load times and memory; ``run_asr_eval``
is in ``voice.bench_asr``.
"""

from __future__ import annotations

import asyncio
import csv
import resource
import statistics
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from voice.ports import PCM, Recognizer, Synthesizer
from voice.wavio import read_audio

ASR_RATE = 16000
SHORT_REPLY = "Dzień dobry, w czym mogę pomóc?"
LONG_REPLY = (
    "Sprawdziłam zamówienie numer 4512. Paczka została wysłana wczoraj kurierem i powinna dotrzeć "
    "w ciągu dwóch dni roboczych. Do zapłaty przy odbiorze zostało 129,99 zł. Jeśli chce Pani zmienić "
    "adres dostawy, mogę przełączyć rozmowę do konsultanta. Czy mogę jeszcze w czymś pomóc?"
)


# --- helpers ----------------------------------------------------------------------------------


def memory_mb() -> dict[str, float]:
    """Resident memory now and at peak (MB), from /proc (Linux) or getrusage (peak only)."""
    out: dict[str, float] = {}
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                out["rss_mb" if key == "VmRSS" else "peak_rss_mb"] = int(value.split()[0]) / 1024.0
    except OSError:
        out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    return out


def read_manifest(manifest: Path) -> list[tuple[Path, str]]:
    """(audio file, transcript) rows of a TSV manifest with ``file`` and ``transcript`` columns."""
    with open(manifest, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))
    return [(manifest.parent / r["file"], r["transcript"]) for r in rows]


async def speech_samples(
    durations: Sequence[float], synthesizer: Synthesizer, eval_dir: Path | None
) -> tuple[dict[float, PCM], str]:
    """16 kHz speech of each duration: eval recordings joined by 0.25 s pauses, else synthesized speech."""
    manifest = eval_dir / "manifest.tsv" if eval_dir else None
    pieces: list[PCM] = []
    if manifest is not None and manifest.is_file():
        source = f"real speech from {manifest.parent}"
        for path, _ in read_manifest(manifest)[:20]:
            pieces.append((await asyncio.to_thread(read_audio, path, ASR_RATE))[0])
    else:
        source = "synthesized Polish speech (no eval set found)"
        pieces = [await synthesizer.synthesize(LONG_REPLY, ASR_RATE)]
    gap = np.zeros(ASR_RATE // 4, dtype=np.int16)
    joined = np.concatenate([x for p in pieces for x in (p, gap)])
    while len(joined) < max(durations) * ASR_RATE:
        joined = np.concatenate([joined, joined])
    return {d: joined[: int(d * ASR_RATE)] for d in durations}, source


# --- the benchmark --------------------------------------------------------------------------------


async def _time_asr(recognizer: Recognizer, pcm: PCM, repeats: int) -> dict[str, float]:
    latencies = [(await recognizer.transcribe(pcm, ASR_RATE)).processing_s for _ in range(repeats)]
    audio_s = len(pcm) / ASR_RATE
    median = statistics.median(latencies)
    return {"audio_s": audio_s, "latency_median_s": median, "latency_max_s": max(latencies),
            "rtf": median / audio_s}  # fmt: skip


async def _time_tts(synthesizer: Synthesizer, text: str, rate: int, repeats: int) -> dict[str, float]:
    """Time to first chunk and total synthesis time of ``text``, uncached."""
    first, total, audio_s = [], [], 0.0
    for _ in range(repeats):
        clear = getattr(synthesizer, "clear_cache", None)
        if clear is not None:
            clear()
        t0 = time.perf_counter()
        samples = 0
        async for chunk in synthesizer.stream(text, rate):
            if samples == 0:
                first.append(time.perf_counter() - t0)
            samples += len(chunk)
        total.append(time.perf_counter() - t0)
        audio_s = samples / rate
    med_total = statistics.median(total)
    return {"chars": len(text), "audio_s": audio_s, "first_audio_median_s": statistics.median(first),
            "first_audio_max_s": max(first), "total_median_s": med_total,
            "rtf": med_total / audio_s if audio_s else 0.0}  # fmt: skip


async def run_speech_bench(
    recognizer: Recognizer,
    synthesizer: Synthesizer,
    *,
    eval_dir: Path | None = None,
    durations: Sequence[float] = (2.0, 5.0, 10.0),
    repeats: int = 3,
    tts_rate: int = 8000,
) -> dict[str, Any]:
    """ASR latency/RTF per utterance length, TTS first-audio latency/RTF, load times and memory.

    The models should already be loaded (their ``load_s`` is reported); one warm-up recognition runs
    first so one-off initialisation is not counted as latency.
    """
    samples, source = await speech_samples(durations, synthesizer, eval_dir)
    await recognizer.transcribe(samples[min(durations)], ASR_RATE)  # warm-up
    asr = [await _time_asr(recognizer, samples[d], repeats) for d in durations]
    tts = [
        {"name": name, **await _time_tts(synthesizer, text, tts_rate, repeats)}
        for name, text in (("short", SHORT_REPLY), ("long", LONG_REPLY))
    ]
    spec = getattr(synthesizer, "spec", None)
    return {
        "asr_model": getattr(recognizer, "model_path", type(recognizer).__name__),
        "asr_device": f"{getattr(recognizer, 'device', '?')}/{getattr(recognizer, 'compute_type', '?')}",
        "asr_load_s": getattr(recognizer, "load_s", None),
        "voice": getattr(spec, "name", type(synthesizer).__name__),
        "voice_is_fallback": bool(getattr(spec, "is_fallback", False)),
        "tts_load_s": getattr(synthesizer, "load_s", None),
        "speech_source": source,
        "repeats": repeats,
        "tts_rate": tts_rate,
        "asr": asr,
        "tts": tts,
        "memory": memory_mb(),
    }


def format_speech_bench(result: dict[str, Any]) -> str:
    """Human-readable report of ``run_speech_bench``."""
    fallback = " (offline fallback voice)" if result["voice_is_fallback"] and "fallback" not in result["voice"] else ""
    lines = [
        f"ASR  {result['asr_model']} on {result['asr_device']}, loaded in {result['asr_load_s'] or 0:.2f} s",
        f"TTS  {result['voice']}{fallback}, loaded in {result['tts_load_s'] or 0:.2f} s",
        f"speech: {result['speech_source']}; median of {result['repeats']} runs",
        "",
        "ASR   audio   latency median   max      RTF",
    ]
    for a in result["asr"]:
        lines.append(
            f"      {a['audio_s']:4.1f} s  {a['latency_median_s']:8.2f} s  {a['latency_max_s']:7.2f} s  {a['rtf']:6.3f}"
        )
    lines += ["", f"TTS at {result['tts_rate']} Hz   chars   audio   first audio   total     RTF"]
    for t in result["tts"]:
        lines.append(
            f"      {t['name']:10} {t['chars']:5d}  {t['audio_s']:5.1f} s  "
            f"{t['first_audio_median_s']:8.2f} s  {t['total_median_s']:6.2f} s  {t['rtf']:6.3f}"
        )
    mem = result["memory"]
    lines += ["", f"memory: RSS {mem.get('rss_mb', 0):.0f} MB, peak {mem.get('peak_rss_mb', 0):.0f} MB"]
    return "\n".join(lines)
