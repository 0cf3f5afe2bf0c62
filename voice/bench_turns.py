"""``infolinia bench turns``: when the turn detector decides a caller has finished, on real phone speech.

Why: the end-of-turn wait is the largest part of a phone bot's answer time, and shortening it risks cutting
callers off mid-sentence. Every caller turn of ``voice.bench_turns_data`` (the phone recordings whole, with
a pause put in mid-sentence, and digits read out slowly) is replayed through Silero and the turn detector at
several offsets (Silero's 32 ms windows fall differently on the audio each time), per detector setting:

* cut off: a turn ended before the caller's last words were over (in the put-in pause), the bot would
  start answering half a sentence; split: the recording gave more than one turn.
* detected after the words' end (p50/p95, of turns not cut off): the wait the caller hears.
* With the end-of-turn model, its verdict is applied ``NOMINAL_MODEL_S`` of media time after the check (the
  model's cost on an idle core), so the policies compare the same on any machine; one row applies it after
  the model's measured wall time instead (noisy on a busy machine: as on a live line of that machine).
"""

from __future__ import annotations

import dataclasses
import hashlib
import sys
from pathlib import Path
from typing import Any

import numpy as np

from voice.bench_turns_data import RATE, Turn, load_turns
from voice.turn_model import SmartTurnModel
from voice.turns import EndOfTurnCheck, SpeechResumed, TurnConfig, TurnDetector, TurnEnded
from voice.vad import FrameBuffer, SileroModel

LEADS_S = (0.5, 0.77, 1.13, 3.05)  # silence before the recording: shifts where the VAD windows fall
KINDS = ("whole", "short pause", "paused", "digits")
AFTER_S = 2.5  # silence after: longer than the longest wait (incomplete_ms)
NOMINAL_MODEL_S = 0.08  # Smart Turn on one idle core: 70-90 ms (issue 16); ``model ms`` shows it measured here


class Judge:
    """Runs the model on each check; its verdict is due ``model time`` of media time later.

    The same audio (the same pause of the same replay) gets the same verdict and time in every variant:
    the variants differ only in what they do with it, and the model runs a third as often."""

    def __init__(self, model: SmartTurnModel | None) -> None:
        self.model = model
        self.delay_s: float | None = NOMINAL_MODEL_S  # None: the measured time
        self.pending: list[tuple[float, EndOfTurnCheck, float]] = []
        self.spent: list[float] = []
        self._seen: dict[bytes, tuple[float, float]] = {}

    def ask(self, check: EndOfTurnCheck) -> None:
        if self.model is None:
            raise RuntimeError("the detector asked for a verdict but no end-of-turn model is loaded")
        key = hashlib.sha1(check.audio.tobytes()).digest()
        if key not in self._seen:
            self._seen[key] = (self.model.predict(check.audio, RATE), self.model.last_s)
        prob, spent = self._seen[key]
        self.spent.append(spent)
        self.pending.append((check.at + (spent if self.delay_s is None else self.delay_s), check, prob))

    def due(self, detector: TurnDetector, now: float) -> list[Any]:
        ready = [p for p in self.pending if p[0] <= now]
        self.pending = [p for p in self.pending if p[0] > now]
        return [e for _, check, prob in ready for e in detector.verdict(check.pause, prob, now)]


class ReplayVad:
    """Silero's probabilities per replay, computed once: the same audio gives the same ones in every variant."""

    def __init__(self) -> None:
        self.model = SileroModel()
        self.frame_samples = self.model.detector(RATE).frame_samples
        self._seen: dict[bytes, list[float]] = {}

    def probabilities(self, audio: np.ndarray) -> list[float]:
        key = hashlib.sha1(audio.tobytes()).digest()
        if key not in self._seen:
            vad, frames = self.model.detector(RATE), FrameBuffer(self.frame_samples)
            self._seen[key] = [vad(w) for i in range(0, len(audio), 160) for w in frames.push(audio[i : i + 160])]
        return self._seen[key]


def replay(vad_model: ReplayVad, judge: Judge, config: TurnConfig, pcm: np.ndarray, lead_s: float) -> list[Any]:
    """Events of one turn fed as 20 ms wire frames after ``lead_s`` of silence (and AFTER_S after)."""
    detector = TurnDetector(RATE, config)
    frames = FrameBuffer(vad_model.frame_samples)
    audio = np.concatenate([np.zeros(int(RATE * lead_s), np.int16), pcm, np.zeros(int(RATE * AFTER_S), np.int16)])
    probs = iter(vad_model.probabilities(audio))
    events: list[Any] = []
    samples = 0
    for i in range(0, len(audio), 160):
        events += judge.due(detector, samples / RATE)
        for window in frames.push(audio[i : i + 160]):
            samples += len(window)
            new = detector.push(next(probs), window, samples / RATE)
            for event in new:
                if isinstance(event, EndOfTurnCheck):
                    judge.ask(event)
            events += new
    return events


def measure(vad: ReplayVad, judge: Judge, config: TurnConfig, turns: list[Turn]) -> dict[str, Any]:
    detected: list[float] = []
    runs = cut = split = missed = wasted = 0
    for turn in turns:
        for lead in LEADS_S:
            judge.pending = []
            events = replay(vad, judge, config, turn.pcm, lead)
            ends = [e.at - lead for e in events if isinstance(e, TurnEnded)]
            runs, split, missed = runs + 1, split + (len(ends) > 1), missed + (not ends)
            wasted += sum(isinstance(e, SpeechResumed) for e in events)
            if ends and ends[0] < turn.words_end_s:
                cut += 1
            elif ends:
                detected.append(1000 * (ends[-1] - turn.words_end_s))
    pct = (lambda q: float(np.percentile(detected, q))) if detected else (lambda q: float("nan"))
    spent = judge.spent or [float("nan")]
    return {
        "runs": runs,
        "cut": cut,
        "split": split,
        "missed": missed,
        "wasted": wasted,
        "p50": pct(50),
        "p95": pct(95),
        "model_ms": 1000 * float(np.median(spent)),
    }


def variants(base: TurnConfig) -> dict[str, tuple[TurnConfig, float | None]]:
    """Today's silence rule against the end-of-turn model: 200 ms of silence + "complete" ends a turn,
    "incomplete" waits 1.5 s, 1 s, or just today's silence (the model then only ever shortens the wait).
    Pipecat's own threshold (0.5) throughout: chosen before measuring, not tuned on this eval set."""
    model = dataclasses.replace(base, model_check_ms=200.0, incomplete_ms=1500.0)
    nominal = f"verdict +{1000 * NOMINAL_MODEL_S:.0f} ms"
    return {
        f"silence {base.end_ms:.0f} ms": (dataclasses.replace(base, model_check_ms=None), None),
        f"Smart Turn: 200 ms + complete, else 1.5 s ({nominal})": (model, NOMINAL_MODEL_S),
        f"Smart Turn: 200 ms + complete, else 1.0 s ({nominal})": (
            dataclasses.replace(model, incomplete_ms=1000.0),
            NOMINAL_MODEL_S,
        ),
        f"Smart Turn: 200 ms + complete, else {base.end_ms:.0f} ms ({nominal})": (
            dataclasses.replace(model, incomplete_ms=base.end_ms),
            NOMINAL_MODEL_S,
        ),
        "Smart Turn: 200 ms + complete, else 1.5 s (verdict after the measured time)": (model, None),
    }


def run_turns_bench(manifest: Path, base: TurnConfig, model_path: Path | None) -> list[tuple[str, str, dict]]:
    """(detector, kind of turn, figures) for every variant and every kind of turn."""
    turns = load_turns(manifest)
    vad = ReplayVad()
    model = SmartTurnModel(model_path) if model_path is not None else None
    rows = []
    judges = {kind: Judge(model) for kind in KINDS}
    for name, (cfg, delay_s) in variants(base).items():
        if cfg.model_check_ms is not None and model is None:
            continue
        for kind in KINDS:
            judge = judges[kind]
            judge.spent, judge.delay_s = [], delay_s
            rows.append((name, kind, measure(vad, judge, cfg, [t for t in turns if t.kind == kind])))
            print(format_turns_bench(rows[-1:]).splitlines()[-1], file=sys.stderr, flush=True)  # progress
    return rows


def format_turns_bench(rows: list[tuple[str, str, dict[str, Any]]]) -> str:
    lines = [
        "| detector | turns | runs | cut off | split | missed | detected after words' end p50 / p95 | model ms p50 |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, kind, r in rows:
        model = "-" if np.isnan(r["model_ms"]) else f"{r['model_ms']:.0f}"
        lines.append(
            f"| {name} | {kind} | {r['runs']} | {r['cut']} | {r['split']} | {r['missed']} | "
            f"{_ms(r['p50'], r['p95'])} | {model} |"
        )
    return "\n".join(lines)


def _ms(p50: float, p95: float) -> str:
    return "- (every run cut off)" if np.isnan(p50) else f"{p50:.0f} / {p95:.0f} ms"
