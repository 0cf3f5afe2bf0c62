"""``infolinia bench turns``: when the turn detector decides a caller has finished, on real phone speech.

Why: the end-of-turn wait is the largest part of a phone bot's answer time, and shortening it risks cutting
callers off mid-sentence. This replays every phone-quality eval recording through Silero and the turn
detector (at several offsets, since Silero's 32 ms windows fall differently on the audio each time) and
prints, per detector setting: turn detection after the words' end (p50/p95), split recordings, and wasted
speculative recognitions (an early end-of-turn candidate the caller then spoke over).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import numpy as np

from voice.bench import read_manifest
from voice.turns import EarlyEndCandidate, SpeechResumed, TurnConfig, TurnDetector, TurnEnded
from voice.vad import FrameBuffer, SileroModel
from voice.wavio import read_audio, voiced_end_s

RATE = 8000
LEADS_S = (0.5, 0.77, 1.13, 3.05)  # silence before the recording: shifts where the VAD windows fall


def replay(model: SileroModel, config: TurnConfig, pcm: np.ndarray, lead_s: float) -> list[Any]:
    """Events of one recording fed as 20 ms wire frames after ``lead_s`` of silence (and 1 s after)."""
    vad, detector = model.detector(RATE), TurnDetector(RATE, config)
    frames = FrameBuffer(vad.frame_samples)
    audio = np.concatenate([np.zeros(int(RATE * lead_s), np.int16), pcm, np.zeros(RATE, np.int16)])
    events, samples = [], 0
    for i in range(0, len(audio), 160):
        for window in frames.push(audio[i : i + 160]):
            samples += len(window)
            events += detector.push(vad(window), window, samples / RATE)
    return events


def measure(model: SileroModel, config: TurnConfig, recordings: list[np.ndarray]) -> dict[str, Any]:
    detected, early, runs, split, wasted, candidates = [], [], 0, 0, 0, 0
    for pcm in recordings:
        for lead in LEADS_S:
            words_end = lead + voiced_end_s(pcm, RATE)
            events = replay(model, config, pcm, lead)
            ends = [e.at for e in events if isinstance(e, TurnEnded)]
            firsts = [e.at for e in events if isinstance(e, EarlyEndCandidate)]
            runs, split = runs + 1, split + (len(ends) > 1)
            candidates += len(firsts)
            wasted += sum(isinstance(e, SpeechResumed) for e in events)
            if ends:
                detected.append(1000 * (ends[-1] - words_end))
                early.append(1000 * (firsts[-1] - words_end))
    return {
        "runs": runs,
        "split": split,
        "wasted": wasted,
        "candidates": candidates,
        "detected_p50": float(np.percentile(detected, 50)),
        "detected_p95": float(np.percentile(detected, 95)),
        "early_p50": float(np.percentile(early, 50)),
    }


def run_turns_bench(manifest: Path, base: TurnConfig) -> list[tuple[str, dict[str, Any]]]:
    """The deployed setting against the same detector without back-dating, and two early-candidate times."""
    recordings = [read_audio(path, RATE)[0] for path, _ in read_manifest(manifest)]
    model = SileroModel()
    variants = {
        "deployed": base,
        "no back-dating (VAD end only)": dataclasses.replace(base, end_energy_db=None),
        "early candidate at 150 ms": dataclasses.replace(base, early_ms=150.0),
    }
    return [(name, measure(model, cfg, recordings)) for name, cfg in variants.items()]


def format_turns_bench(rows: list[tuple[str, dict[str, Any]]]) -> str:
    lines = [
        "| detector | runs | split | detected after words' end p50 / p95 | early candidate p50 | wasted early |",
        "|---|---|---|---|---|---|",
    ]
    for name, r in rows:
        lines.append(
            f"| {name} | {r['runs']} | {r['split']} | {r['detected_p50']:.0f} / {r['detected_p95']:.0f} ms | "
            f"{r['early_p50']:.0f} ms | {r['wasted']} of {r['candidates']} |"
        )
    return "\n".join(lines)
