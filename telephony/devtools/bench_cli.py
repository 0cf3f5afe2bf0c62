"""``infolinia bench speech|dialog|waits|wyoming|asr|asr-batch|spoken-orders|nbest|cpu|turns|asr-remote|tts-remote``:
docs/benchmarks.md figures."""

from __future__ import annotations

import argparse
import asyncio
import json
from pathlib import Path
from typing import Any

from telephony.devtools.load_test_report import machine_line
from telephony.settings import Settings

REPO = Path(__file__).resolve().parents[2]
KB_EVAL = REPO / "tests" / "data" / "dialog_eval_kb.yaml"
FLOW_EVAL = REPO / "tests" / "data" / "dialog_eval_flow.yaml"
ASR_EVAL = REPO.parent / "shared" / "eval" / "asr-pl"


async def run_bench(what: str, settings: Settings, args: argparse.Namespace) -> int:
    if what == "speech":
        return await bench_speech(settings)
    if what == "dialog":
        return await bench_dialog(settings)
    if what == "wyoming":
        return await bench_wyoming_cli(settings)
    if what == "asr":
        return await bench_asr_variants(settings)
    if what == "asr-batch":
        return await bench_asr_batch(settings)
    if what == "spoken-orders":
        return await bench_spoken_orders_cli(settings)
    if what == "nbest":
        return await bench_nbest_cli(settings)
    if what == "cpu":
        return await bench_cpu(settings)
    if what == "turns":
        return await bench_turns(settings)
    if what == "asr-remote":
        return await bench_asr_remote(settings)
    if what == "tts-remote":
        return await bench_tts_remote(settings)
    if what == "waits":
        from telephony.devtools.waits_bench import main as waits_main

        return waits_main(["--seed", "7", "11", "23", "4"])
    raise ValueError(f"unknown benchmark {what!r}")


async def bench_speech(settings: Settings) -> int:
    """ASR latency/RTF for 2, 5, 10 s; TTS first audio and RTF; memory; WER on the Polish eval set."""
    from dialog import build_engine
    from telephony.app.services import build_speech
    from voice.bench import format_speech_bench, run_speech_bench
    from voice.bench_asr import format_asr_eval, run_asr_eval, write_items
    from voice.bench_variants import HEADER, format_row

    recognizer, synthesizer = await build_speech(settings)
    eval_dir = ASR_EVAL if ASR_EVAL.is_dir() else None
    speech = await run_speech_bench(recognizer, synthesizer, eval_dir=eval_dir)
    print(format_speech_bench(speech))
    await bench_first_clause(settings, synthesizer)
    if eval_dir is None:
        print(f"\n(no Polish eval set at {ASR_EVAL}: WER skipped)")
        return 0
    hotwords = (await asyncio.to_thread(build_engine, settings.kb_path)).vocabulary()  # as calls recognise
    row: dict[str, Any] = {"name": "deployed settings", "latency_s": speech["asr"][0]["latency_median_s"]}
    for key, manifest in (("16k", "manifest.tsv"), ("8k", "manifest_telephony.tsv")):
        row[key] = await run_asr_eval(recognizer, eval_dir / manifest, hotwords=hotwords)
        write_items(row[key], Path("out") / "asr-eval" / f"speech-{key}.tsv")
        print("\n" + format_asr_eval(row[key]))
    print(f"\n(per-utterance results in out/asr-eval/; {machine_line()})\n{HEADER}\n{format_row(row)}")
    return 0


async def dynamic_replies(settings: Settings) -> list[str]:
    """What the bot says that cannot be pre-rendered: each demo order's status, and a number not found."""
    from datetime import date

    from dialog import catalogue as say
    from dialog.engine_orders import status_text
    from dialog.factory import bundled
    from dialog.orders import JsonOrders
    from telephony.devtools.workload import demo_order_ids

    path = settings.orders_path or bundled("orders.json")
    orders = JsonOrders(path)
    found = [await orders.get(i) for i in demo_order_ids(path)]
    texts = [status_text(o, date.today()) for o in found if o is not None]
    return [*dict.fromkeys(texts), say.ORDER_NOT_FOUND.format(order_id="1238219")]


async def bench_first_clause(settings: Settings, synthesizer: object) -> None:
    """First audio of dynamic replies (order statuses), whole first sentence vs first clause."""
    from voice.bench_clause import format_first_clause_bench, run_first_clause_bench
    from voice.tts import PiperSynthesizer

    if not isinstance(synthesizer, PiperSynthesizer):
        print(f"\n(first-clause figures need the Piper voice, not {type(synthesizer).__name__}: skipped)")
        return
    chars = settings.tts_first_clause_chars or 12
    result = await run_first_clause_bench(synthesizer, await dynamic_replies(settings), clause_chars=chars)
    print("\n" + format_first_clause_bench(result), flush=True)


def _phone_manifest() -> Path | None:
    """The phone-quality half of the Polish eval set, or None (and why, printed) when it is not there."""
    manifest = ASR_EVAL / "manifest_telephony.tsv"
    if not manifest.is_file():
        print(f"infolinia: the Polish eval set is needed ({manifest})")
        return None
    return manifest


async def bench_asr_batch(settings: Settings) -> int:
    """Phone turns recognised one by one vs as one batch (INFOLINIA_ASR_BATCH), on the Polish eval set."""
    from dialog import build_engine
    from voice.bench_batch import format_batch_bench, run_batch_bench
    from voice.models import resolve_whisper

    manifest = _phone_manifest()
    if manifest is None:
        return 2
    model = await asyncio.to_thread(resolve_whisper, settings.whisper_model, settings.models_dir)
    hotwords = (await asyncio.to_thread(build_engine, settings.kb_path)).vocabulary()
    print(format_batch_bench(await run_batch_bench(model, manifest, hotwords, window_s=settings.asr_window_s)))
    return 0


async def bench_nbest_cli(settings: Settings) -> int:
    """The phone path's n-best against its first wording, on the Polish phone recordings and four KBs."""
    from telephony.app.services import build_recognizer
    from telephony.devtools.nbest_bench import bench_nbest
    from voice.models import resolve_whisper

    if _phone_manifest() is None:
        return 2
    model = await asyncio.to_thread(resolve_whisper, settings.whisper_model, settings.models_dir)
    recognizer = build_recognizer(settings, model)
    await recognizer.load()
    print(machine_line())
    print(await bench_nbest(recognizer, ASR_EVAL, REPO / "tests" / "data" / "domains.yaml", settings.kb_path))
    return 0


async def bench_spoken_orders_cli(settings: Settings) -> int:
    """Order numbers said digit by digit, read by the dialog from the recognizer (lexicon off and on)."""
    from dialog import build_engine
    from telephony.devtools.spoken_orders import bench_spoken_orders
    from voice.models import resolve_whisper

    if _phone_manifest() is None:
        return 2
    model = await asyncio.to_thread(resolve_whisper, settings.whisper_model, settings.models_dir)
    hotwords = (await asyncio.to_thread(build_engine, settings.kb_path)).vocabulary()
    print(await bench_spoken_orders(settings, model, ASR_EVAL, hotwords))
    return 0


async def bench_cpu(settings: Settings) -> int:
    """Where a call's CPU goes: each stage timed alone, added up per kind of turn (issue 16)."""
    from telephony.devtools.cpu_budget import run_cpu_budget

    if _phone_manifest() is None:
        return 2
    print(await run_cpu_budget(settings, ASR_EVAL))
    return 0


async def bench_asr_variants(settings: Settings) -> int:
    """Recognizer settings side by side on the Polish eval set (WER/CER, held-out, loops, 2 s latency)."""
    from dialog import build_engine
    from voice.bench_variants import HEADER, run_variants
    from voice.models import resolve_whisper

    if _phone_manifest() is None:
        return 2
    model = await asyncio.to_thread(resolve_whisper, settings.whisper_model, settings.models_dir)
    hotwords = (await asyncio.to_thread(build_engine, settings.kb_path)).vocabulary()
    print(machine_line() + "; WER differs between CPUs: compare rows of one machine", flush=True)
    print(HEADER, flush=True)
    await run_variants(model, ASR_EVAL, hotwords, Path("out/asr-eval"), window_s=settings.asr_window_s)
    return 0


async def bench_turns(settings: Settings) -> int:
    """End-of-turn detection on the phone eval recordings: the deployed detector and the alternatives."""
    from telephony.app.phone import turn_config
    from voice.bench_turns import format_turns_bench, run_turns_bench
    from voice.models_turn import resolve_smart_turn

    manifest = _phone_manifest()
    if manifest is None:
        return 2
    model = resolve_smart_turn(settings.models_dir)  # the comparison is the point: missing = the error's command
    rows = await asyncio.to_thread(run_turns_bench, manifest, turn_config(settings), model)
    print(format_turns_bench(rows))
    return 0


async def bench_dialog(settings: Settings) -> int:
    """KB top-1 accuracy, escalation precision/recall and engine latency per turn, with the sentence model
    the settings name (``INFOLINIA_EMBEDDING_MODEL``: measure another model on the same cases)."""
    from dialog.domain_eval import bench_report
    from dialog.engine import DialogEngine
    from dialog.eval_flow import evaluate_flow, load_items
    from dialog.factory import build_engine
    from dialog.kb_eval import evaluate_kb, load_eval_items
    from dialog.ports import Dialog
    from dialog.store import MemoryStore, SessionRepo
    from telephony.app.services import sentence_model

    sentence = sentence_model(settings)
    embedder = await asyncio.to_thread(sentence.load)  # once, for every engine below
    print(f"sentence model: {settings.embedding_model} ({embedder.model_id})")
    base = await asyncio.to_thread(lambda: build_engine(sentence=sentence, embedder=embedder))
    kb = evaluate_kb(base.kb, load_eval_items(KB_EVAL))
    _print("knowledge base", kb, ("top1", "top3", "answered_correct", "answered_wrong", "clarify", "ood_answered"))
    print(f"  search latency: p50 {kb['latency_ms_p50']:.2f} ms, p95 {kb['latency_ms_p95']:.2f} ms")

    def factory() -> Dialog:
        return DialogEngine(base.kb, base.order_source, SessionRepo(MemoryStore()), base.config, meaning=base.meaning)

    flow = await evaluate_flow(factory, load_items(FLOW_EVAL))
    _print("escalation and orders", flow, ("accuracy", "order_id_accuracy"))
    esc = flow["escalation"]
    print(f"  escalation precision {esc['precision']:.3f}, recall {esc['recall']:.3f}")
    for reason, scores in flow["reasons"].items():
        print(f"    {reason:18} " + ", ".join(f"{k} {v:.3f}" for k, v in scores.items()))
    lat = flow["latency_ms"]
    print(f"  engine latency per turn: p50 {lat['p50']:.2f} ms, p95 {lat['p95']:.2f} ms over {lat['turns']} turns")
    print(await bench_report(REPO / "tests" / "data" / "domains.yaml", sentence=sentence, embedder=embedder))
    return 0


def _print(title: str, result: dict[str, Any], keys: tuple[str, ...]) -> None:
    shown = {k: result[k] for k in keys if k in result and result[k] is not None}
    print(f"{title}: " + json.dumps({k: round(v, 3) if isinstance(v, float) else v for k, v in shown.items()}))


async def bench_wyoming_cli(settings: Settings) -> int:
    """A Home Assistant satellite turn over Wyoming: ASR, handle, TTS (classic and streaming), 5 runs."""
    import socket

    from telephony.app.speaker import build_speaker, close_speaker
    from telephony.devtools.wyoming_bench import bench_wyoming
    from telephony.speaker.server import start_wyoming
    from voice.wavio import read_audio

    wav = ASR_EVAL / "wav16k" / "nemo" / "nemo_KS0_neutral_85.wav"
    if not wav.is_file():
        print(f"no Polish recording at {wav}: skipped")
        return 0
    pcm, rate = read_audio(wav)
    services = await build_speaker(settings.model_copy(update={"redis_url": None}))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = await start_wyoming(f"tcp://127.0.0.1:{port}", services)
    replies = [f"Zamówienie numer {48200 + i} zostało wysłane. Dostarczy je InPost jutro." for i in range(6)]
    try:
        await bench_wyoming(f"tcp://127.0.0.1:{port}", pcm, rate, runs=1, replies=replies[:1])  # warm-up
        result = await bench_wyoming(f"tcp://127.0.0.1:{port}", pcm, rate, runs=5, replies=replies[1:])
    finally:
        await server.stop()
        await close_speaker(services)
    print(json.dumps(result, ensure_ascii=False, indent=2))
    return 0


async def bench_asr_remote(settings: Settings) -> int:
    """Per-turn cost of the recognizer tier's network hop (``telephony/devtools/asr_remote_bench.py``)."""
    from dialog import build_engine
    from telephony.app.services import build_recognizer
    from telephony.devtools.asr_remote_bench import run_remote_bench
    from voice.models import resolve_whisper

    manifest = _phone_manifest()
    if manifest is None:
        return 2
    model = await asyncio.to_thread(resolve_whisper, settings.whisper_model, settings.models_dir)
    local = build_recognizer(settings, model)
    await local.load()
    hotwords = (await asyncio.to_thread(build_engine, settings.kb_path)).vocabulary()
    print(await run_remote_bench(settings, local, manifest, hotwords))
    return 0


async def bench_tts_remote(settings: Settings) -> int:
    """Time to first audio, local voice vs the synthesis tier (``telephony/devtools/tts_remote_bench.py``)."""
    from telephony.app.services import build_synthesizer
    from telephony.devtools.tts_remote_bench import run_tts_remote_bench
    from voice.models import resolve_voice

    voice = await asyncio.to_thread(resolve_voice, settings.piper_voice, settings.models_dir)
    local = build_synthesizer(settings, voice)
    await local.load()
    print(await run_tts_remote_bench(settings, local))
    return 0
