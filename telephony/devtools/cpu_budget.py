"""``infolinia bench cpu``: where a call's CPU goes, stage by stage (issue 16, item 3).

Why not a sampling profiler: the heavy stages run in native thread pools (CTranslate2's for Whisper,
onnxruntime's for Silero, Smart Turn and Piper) whose time a Python-level profiler cannot attribute, and
py-spy's native stacks ended in unnamed libc frames here. Instead each stage is timed alone, in this process,
with the process's CPU time (every thread counted) around the very calls a call makes, on the shared Polish
phone recordings; then the stages are added up for the mixed workload's turns. What the sum does not cover
(the event loop, the WebSocket, Redis, the simulated callers) is what the bench's measured CPU has on top.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from dialog import build_engine
from dialog.ports import CallerInfo, Hypothesis
from telephony.app.services import build_speech
from telephony.devtools.nbest_bench import hypotheses
from telephony.devtools.workload import demo_order_ids, load_recordings, spoken_number
from voice.codec import ulaw_decode, ulaw_encode
from voice.models_turn import resolve_smart_turn
from voice.resample import resample
from voice.turn_model import SmartTurnModel
from voice.vad import SileroModel
from voice.wavio import read_audio

RATE = 8000
FRAME = 160  # 20 ms of Twilio audio
DIALOG_TURNS = 12  # recorded sentences recognised once for the dialog stage (a warm-up and 5 repeats use 6)


@dataclass(frozen=True)
class Cost:
    """One stage: CPU and wall milliseconds per unit (median of the repeats)."""

    stage: str
    unit: str
    cpu_ms: float
    wall_ms: float


def measure(stage: str, unit: str, fn: Callable[[], Any], repeats: int = 5, per: float = 1.0) -> Cost:
    """``fn`` once to warm up, then ``repeats`` times; CPU is the process's (all threads), divided by ``per``."""
    fn()
    cpu, wall = [], []
    for _ in range(repeats):
        c0, w0 = time.process_time(), time.perf_counter()
        fn()
        cpu.append((time.process_time() - c0) * 1000 / per)
        wall.append((time.perf_counter() - w0) * 1000 / per)
    return Cost(stage, unit, statistics.median(cpu), statistics.median(wall))


def phone_audio(eval_dir: Path, name: str) -> np.ndarray:
    """One recording of the shared set's phone copies (8 kHz μ-law), as int16 PCM."""
    return read_audio(eval_dir / "wav8k_ulaw_telephony" / name, RATE)[0]


def wire_roundtrip(pcm: np.ndarray) -> None:
    """What the media stream does per second of caller audio: μ-law frames decoded, then 8 -> 16 kHz."""
    for i in range(0, len(pcm) - FRAME + 1, FRAME):
        ulaw_decode(ulaw_encode(pcm[i : i + FRAME]))
    resample(pcm, RATE, 16000)


def format_costs(costs: list[Cost], turns: dict[str, dict[str, float]]) -> str:
    """The per-stage table, then the CPU of each kind of turn as the sum of its stages."""
    by_stage = {c.stage: c for c in costs}
    lines = ["| stage | unit | CPU ms | wall ms |", "|---|---|---|---|"]
    lines += [f"| {c.stage} | {c.unit} | {c.cpu_ms:.1f} | {c.wall_ms:.1f} |" for c in costs]
    lines += ["", "| turn | " + " | ".join(by_stage) + " | total CPU ms |", "|---|" + "---|" * (len(by_stage) + 1)]
    for name, units in turns.items():
        parts = {s: units.get(s, 0.0) * by_stage[s].cpu_ms for s in by_stage}
        total = sum(parts.values())
        cells = " | ".join(f"{v:.0f} ({100 * v / total:.0f} %)" if v else "–" for v in parts.values())
        lines.append(f"| {name} | {cells} | {total:.0f} |")
    return "\n".join(lines)


@dataclass
class Parts:
    """Everything a call uses, loaded once, and the audio and reply the stages are timed on."""

    recognizer: Any
    synthesizer: Any
    engine: Any
    turn_model: Any
    hotwords: list[str]
    sentence: np.ndarray  # a recorded sentence, 8 kHz
    number: np.ndarray  # an order number said digit by digit, 8 kHz
    replies: list[str]  # the status replies of the demo orders (each a new order)
    said: list[list[Hypothesis]]  # the recognizer's n-best of recorded sentences, for the dialog (each used once)


async def load_parts(settings: Any, eval_dir: Path) -> Parts:
    """The deployed recognizer, voice, dialog and end-of-turn model; a sentence, a number and a reply."""
    recognizer, synthesizer = await build_speech(settings)
    engine = await asyncio.to_thread(build_engine, settings.kb_path)
    order_ids = demo_order_ids()
    recordings = load_recordings(eval_dir)
    replies = [(await engine.handle(None, oid, CallerInfo(channel="phone"))).reply for oid in order_ids]
    hotwords = engine.vocabulary()
    said = [
        hypotheses(await recognizer.transcribe(pcm, RATE, hotwords)) for _, pcm in recordings.sentences[:DIALOG_TURNS]
    ]
    return Parts(
        recognizer,
        synthesizer,
        engine,
        SmartTurnModel(resolve_smart_turn(settings.models_dir)),
        hotwords,
        phone_audio(eval_dir, "nemo/nemo_KS0_neutral_74.wav"),  # "Ta liczba wydaje się być błędna, ..."
        spoken_number(order_ids[0], recordings.digits),
        replies,
        [s for s in said if s],
    )


def stage_costs(parts: Parts, loop: Any) -> list[Cost]:
    """Blocking (a worker thread): each stage timed alone; coroutines run on ``loop``."""

    def on_loop(make: Callable[[], Any]) -> Callable[[], Any]:
        return lambda: asyncio.run_coroutine_threadsafe(make(), loop).result()

    replies = iter(parts.replies * 2)

    async def new_order_reply(cached_pieces: bool) -> None:
        if not cached_pieces:
            parts.synthesizer.clear_cache()  # as before the piece cache: every sentence rendered
        async for _ in parts.synthesizer.stream(next(replies), RATE):
            pass

    said = iter(parts.said)  # a new sentence each time: the dialog caches the embedding of one it has seen

    def dialog_turn() -> Any:  # as a call hands it over: the n-best, one embedding per wording it scores
        return parts.engine.handle_nbest(None, next(said), CallerInfo("phone"))

    detector, audio, p = SileroModel().detector(RATE), parts.sentence, parts
    frames = [audio[i : i + FRAME] for i in range(0, len(audio) - FRAME + 1, FRAME)]
    secs = len(audio) / RATE
    return [
        measure("wire in", "s of caller audio", lambda: wire_roundtrip(audio), per=secs),
        measure("VAD", "s of caller audio", lambda: [detector(f) for f in frames], per=secs),
        measure("end of turn", "decision", lambda: p.turn_model.predict(audio, RATE)),
        measure(
            "ASR sentence", f"turn of {secs:.1f} s", on_loop(lambda: p.recognizer.transcribe(audio, RATE, p.hotwords))
        ),
        measure(
            "ASR number",
            f"turn of {len(p.number) / RATE:.1f} s",
            on_loop(lambda: p.recognizer.transcribe(p.number, RATE, p.hotwords)),
        ),
        measure("dialog", "turn (a new sentence's n-best)", on_loop(dialog_turn)),
        measure("TTS", "order reply, nothing cached", on_loop(lambda: new_order_reply(False))),
        measure("TTS pieces", "order reply, shared sentences cached", on_loop(lambda: new_order_reply(True))),
    ]


def workload_turns(parts: Parts, silence_s: float = 0.7) -> dict[str, dict[str, float]]:
    """Units of each stage per kind of turn of the mixed workload (``silence_s``: heard after the words)."""
    sentence_s, number_s = len(parts.sentence) / RATE + silence_s, len(parts.number) / RATE + silence_s
    return {
        "recorded sentence, pre-rendered reply": {"wire in": sentence_s, "VAD": sentence_s, "end of turn": 1,
            "ASR sentence": 1, "dialog": 1},
        "spoken order number, reply rendered whole": {"wire in": number_s, "VAD": number_s, "end of turn": 1,
            "ASR number": 1, "dialog": 1, "TTS": 1},
        "spoken order number, shared sentences cached": {"wire in": number_s, "VAD": number_s, "end of turn": 1,
            "ASR number": 1, "dialog": 1, "TTS pieces": 1},
        "10 s of listening while the bot speaks": {"wire in": 10, "VAD": 10},
    }  # fmt: skip


async def run_cpu_budget(settings: Any, eval_dir: Path) -> str:
    """Time every stage of a phone call alone, then add them up per kind of turn of the mixed workload."""
    parts = await load_parts(settings, eval_dir)
    costs = await asyncio.to_thread(stage_costs, parts, asyncio.get_running_loop())
    return format_costs(costs, workload_turns(parts))
