"""The handlers of the ``infolinia`` product subcommands (``func(args, settings) -> int``); the parser that
picks one, and the plugin subcommands, are in ``telephony/app/cli.py``.

Heavy imports happen inside each command (models, uvicorn, the whole gateway): ``infolinia models list``
or ``--help`` must not spend seconds importing what they never use. None of them dodges a cycle.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from telephony.settings import Settings


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    import os

    from dialog.kb_entries import load_entries
    from dialog.orders import JsonOrders
    from telephony.agents.roster import load_roster
    from telephony.app.services import require_speech_models, sentence_model
    from telephony.app.session_ids import share_with_workers
    from telephony.app.shop import load_shop
    from telephony.app.workers import serve

    if args.host:  # the workers read their settings from the environment; development mode depends on it
        os.environ["INFOLINIA_HOST"] = args.host
    if args.port:  # and their "ready on" line names the port they listen on
        os.environ["INFOLINIA_PORT"] = str(args.port)
    load_shop(settings)  # a bad prompts file, KB or roster: one line here, not a traceback from every worker
    if settings.kb_path:
        load_entries(settings.kb_path)
    if settings.agents_path:
        load_roster(settings.agents_path)
    if settings.orders_path and not settings.orders_url:  # else found in the background: not ready, a traceback
        JsonOrders(settings.orders_path)
    sentence_model(settings).describe()  # a missing model: one line naming the command that fetches it
    require_speech_models(settings)
    share_with_workers(settings, args.workers, os.environ)  # one session-id secret for all of them
    metrics_dir = str(settings.metrics_dir) if settings.metrics_dir else None
    host, port = args.host or settings.host, args.port or settings.port
    serve(host, port, args.workers, settings.log_level, metrics_dir, settings.header_read_s)
    return 0


def cmd_check(args: argparse.Namespace, settings: Settings) -> int:
    from telephony.app.check import run_checks
    from telephony.app.check_report import render

    findings = asyncio.run(run_checks(settings, online=args.online))
    print(render(settings, findings))
    return 1 if any(f.level == "fail" for f in findings) else 0


def cmd_models(args: argparse.Namespace, settings: Settings) -> int:
    from dialog.embedder_models import prepare_sentence_model
    from telephony.app.services import sentence_model
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
        done = _prepare_turn_model(settings)
        print(prepare_sentence_model(sentence_model(settings)))  # a repo id is downloaded: only here, never at start
        return done
    if not args.name:
        print("usage: infolinia models download NAME", file=sys.stderr)
        return 2
    path = models.download(args.name, settings.models_dir)
    print(f"{args.name} -> {path}")
    return 0


def _prepare_turn_model(settings: Settings) -> int:
    """Smart Turn from the pipecat-ai wheel (PyPI). Fatal only when the settings use it: silence needs none."""
    from voice.model_paths import DownloadError
    from voice.models_turn import prepare_smart_turn

    try:
        print(f"end-of-turn model (Smart Turn v3.2): {prepare_smart_turn(settings.models_dir)}")
    except DownloadError as exc:
        if settings.turn_model == "smart-turn":
            raise
        print(f"warning: {exc} (not needed with INFOLINIA_TURN_MODEL=silence)", file=sys.stderr)
    return 0


def cmd_say(args: argparse.Namespace, settings: Settings) -> int:
    from telephony.app.services import build_synthesizer
    from voice.models import resolve_voice
    from voice.wavio import write_wav

    async def run() -> None:
        synth = build_synthesizer(settings, resolve_voice(settings.piper_voice, settings.models_dir))
        await synth.load()
        rate = args.rate or synth.native_rate
        pcm = await synth.synthesize(args.text, rate)
        write_wav(Path(args.output), pcm, rate)
        print(f"{args.output}: {len(pcm) / rate:.2f} s at {rate} Hz")

    asyncio.run(run())
    return 0


def cmd_transcribe(args: argparse.Namespace, settings: Settings) -> int:
    from telephony.app.services import build_recognizer
    from voice.models import resolve_whisper
    from voice.wavio import read_audio

    async def run() -> None:
        pcm, rate = read_audio(Path(args.file))
        rec = build_recognizer(settings, resolve_whisper(settings.whisper_model, settings.models_dir))
        await rec.load()
        result = await rec.transcribe(pcm, rate)
        print(f"# {result.audio_s:.2f} s audio, {result.processing_s:.2f} s, confidence {result.confidence:.2f}")
        print(result.text)

    asyncio.run(run())
    return 0


def cmd_chat(args: argparse.Namespace, settings: Settings) -> int:
    from telephony.app.chat_cli import run_chat

    return asyncio.run(run_chat(settings))


def cmd_wyoming(args: argparse.Namespace, settings: Settings) -> int:
    from telephony.app.speaker import run_wyoming_cli

    return run_wyoming_cli(args.uri, settings, asr_only=args.asr_only)


def cmd_purge(args: argparse.Namespace, settings: Settings) -> int:
    """Delete what is past its retention now (and voicemail recordings at Twilio); 1 when a recording
    could not be deleted (it stays listed for the next run)."""
    from telephony.app.purge import purge

    if not settings.redis_url:
        print("infolinia purge: INFOLINIA_REDIS_URL is not set; the embedded store expires records by itself")
        return 0
    report = asyncio.run(purge(settings, dry_run=args.dry_run))
    print("purge (dry run, nothing changed):" if args.dry_run else "purge:")
    for line in report.lines(verbose=args.dry_run or args.verbose):
        print(line)
    return 1 if report.failed else 0


def cmd_gaps(args: argparse.Namespace, settings: Settings) -> int:
    """The KB gaps report: questions the assistant did not understand, grouped by meaning; ``--export``
    writes them as KB entries to complete."""
    from telephony.history.cli import run_gaps

    return run_gaps(args, settings)


def cmd_apikey(args: argparse.Namespace, settings: Settings) -> int:
    """A new API key for a device or chat integration: the key (give it to the device, once) and the
    entry for ``INFOLINIA_API_KEYS`` (only its sha256, so the setting never holds the secret)."""
    from telephony.access.keys import new_api_key

    key, digest = new_api_key()
    print(f"API key (give it to the device; it is not stored anywhere): {key}")
    print(f"add to INFOLINIA_API_KEYS (comma-separated):           {args.name}={digest}")
    return 0
