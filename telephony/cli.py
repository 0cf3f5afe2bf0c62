"""The ``infolinia`` command: one CLI, subcommands. Heavy imports happen inside each command."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from pydantic import ValidationError

from telephony.settings import Settings


def _settings() -> Settings:
    return Settings()


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    from telephony.workers import serve

    metrics_dir = str(settings.metrics_dir) if settings.metrics_dir else None
    serve(args.host or settings.host, args.port or settings.port, args.workers, settings.log_level, metrics_dir)
    return 0


def cmd_models(args: argparse.Namespace, settings: Settings) -> int:
    from voice import models

    if args.action == "list":
        rows = models.list_models(settings.models_dir)
        print(f"models directory: {settings.models_dir}")
        if not rows:
            print("(no models yet: run `infolinia models prepare` or `infolinia models download NAME`)")
        for m in rows:
            size = f"{m.size_bytes / 1e6:8.1f} MB" if m.size_bytes else "        -"
            print(f"{m.kind:8} {m.name:28} {size}  {m.path}  {m.note or ''}".rstrip())
        return 0
    if args.action == "prepare":
        path = models.prepare_offline_models(settings.models_dir)
        print(f"offline Whisper base ready: {path}")
        voice = models.resolve_voice(settings.piper_voice, settings.models_dir)
        print(f"Piper voice: {voice.name} ({voice.onnx})" + (" [offline fallback]" if voice.is_fallback else ""))
        return 0
    if not args.name:
        print("usage: infolinia models download NAME", file=sys.stderr)
        return 2
    path = models.download(args.name, settings.models_dir)
    print(f"{args.name} -> {path}")
    return 0


def cmd_say(args: argparse.Namespace, settings: Settings) -> int:
    from voice.models import resolve_voice
    from voice.tts import PiperSynthesizer
    from voice.wavio import write_wav

    async def run() -> None:
        synth = PiperSynthesizer(resolve_voice(settings.piper_voice, settings.models_dir))
        await synth.load()
        rate = args.rate or synth.native_rate
        pcm = await synth.synthesize(args.text, rate)
        write_wav(Path(args.output), pcm, rate)
        print(f"{args.output}: {len(pcm) / rate:.2f} s at {rate} Hz")

    asyncio.run(run())
    return 0


def cmd_transcribe(args: argparse.Namespace, settings: Settings) -> int:
    from voice.asr import WhisperRecognizer
    from voice.models import resolve_whisper
    from voice.wavio import read_audio

    async def run() -> None:
        pcm, rate = read_audio(Path(args.file))
        rec = WhisperRecognizer(
            resolve_whisper(settings.whisper_model, settings.models_dir),
            device=settings.asr_device,
            compute_type=settings.asr_compute_type,
            beam_size=settings.asr_beam_size,
            cpu_threads=settings.asr_cpu_threads,
            window_s=settings.asr_window_s,
        )
        await rec.load()
        result = await rec.transcribe(pcm, rate)
        print(f"# {result.audio_s:.2f} s audio, {result.processing_s:.2f} s, confidence {result.confidence:.2f}")
        print(result.text)

    asyncio.run(run())
    return 0


def cmd_chat(args: argparse.Namespace, settings: Settings) -> int:
    from telephony.chat_cli import run_chat

    return asyncio.run(run_chat(settings))


def cmd_bench(args: argparse.Namespace, settings: Settings) -> int:
    if args.what == "calls":
        from telephony.load_test_run import run_bench_calls_cli

        return run_bench_calls_cli(args, settings)
    from telephony.bench_cli import run_bench

    return asyncio.run(run_bench(args.what, settings, args))


def cmd_simulate(args: argparse.Namespace, settings: Settings) -> int:
    from telephony.simulate_cli import run_simulate_cli

    return run_simulate_cli(args, settings)


def cmd_wyoming(args: argparse.Namespace, settings: Settings) -> int:
    from telephony.wyoming_server import run_wyoming_cli

    return run_wyoming_cli(args.uri, settings)


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="infolinia", description="Polish voice and phone support gateway")
    sub = p.add_subparsers(dest="command", required=True)
    s = sub.add_parser("serve", help="run the gateway (FastAPI + uvicorn)")
    s.add_argument("--host")
    s.add_argument("--port", type=int)
    s.add_argument("--workers", type=int, default=1, help="gateway processes sharing Redis (INFOLINIA_REDIS_URL)")
    s.set_defaults(func=cmd_serve)
    m = sub.add_parser("models", help="list, prepare or download models")
    m.add_argument("action", choices=["list", "prepare", "download"])
    m.add_argument("name", nargs="?")
    m.set_defaults(func=cmd_models)
    say = sub.add_parser("say", help="synthesize Polish text to a WAV file")
    say.add_argument("text")
    say.add_argument("-o", "--output", required=True)
    say.add_argument("--rate", type=int)
    say.set_defaults(func=cmd_say)
    t = sub.add_parser("transcribe", help="transcribe an audio file (any format, any rate)")
    t.add_argument("file")
    t.set_defaults(func=cmd_transcribe)
    c = sub.add_parser("chat", help="talk to the dialog engine in the terminal")
    c.set_defaults(func=cmd_chat)
    b = sub.add_parser("bench", help="print measured figures")
    b.add_argument("what", choices=["speech", "dialog", "waits", "calls", "wyoming", "asr", "asr-batch", "turns"])
    from telephony.load_test_run import add_arguments

    add_arguments(b)
    b.set_defaults(func=cmd_bench)
    sim = sub.add_parser("simulate-call", help="call the gateway like Twilio does, with WAV files as the caller")
    sim.add_argument("wavs", nargs="+")
    sim.add_argument("--url", help="a running gateway; default: start one in-process")
    sim.add_argument("--barge-in", action="store_true")
    sim.add_argument("--out", default="call.wav", help="stereo WAV of the whole call")
    sim.set_defaults(func=cmd_simulate)
    w = sub.add_parser("wyoming", help="serve Home Assistant (Wyoming protocol): handle, asr and tts programs")
    w.add_argument("--uri", default="tcp://0.0.0.0:10700")
    w.set_defaults(func=cmd_wyoming)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = _settings()
    except ValidationError as exc:
        print(f"infolinia: invalid settings:\n{exc}", file=sys.stderr)
        return 2
    from telephony.logs import setup_logging

    setup_logging(settings.log_level, json=settings.log_json and args.command in ("serve", "wyoming"))
    func: Callable[[argparse.Namespace, Settings], int] = args.func
    return _run_guarded(func, args, settings)


def _run_guarded(func: Callable[[argparse.Namespace, Settings], int], args: argparse.Namespace, s: Settings) -> int:
    """Known failures (a missing model, bad input) end with a clear message, never a traceback."""
    from voice.models import ModelNotAvailable

    try:
        return func(args, s)
    except ModelNotAvailable as exc:
        print(f"infolinia: {exc}", file=sys.stderr)
        return 2
    except (FileNotFoundError, ValueError) as exc:
        print(f"infolinia: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
