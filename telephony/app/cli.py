"""The ``infolinia`` command: one CLI, subcommands.

Heavy imports happen inside each command (models, uvicorn, the whole gateway): ``infolinia models list``
or ``--help`` must not spend seconds importing what they never use. None of them dodges a cycle.

More subcommands come from plugins: every ``infolinia.commands`` entry point (``pyproject.toml``) is an
``add(subparsers)`` that adds its own subparser with ``func(args, settings) -> int``. The development
tools register ``bench`` and ``simulate-call`` that way, so the product never imports them; they are
found in the installed package's metadata and, when running from a source checkout, in that checkout's
``pyproject.toml`` (so a checkout whose venv was installed from an older tree still sees its own).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tomllib
from collections.abc import Callable, Sequence
from importlib.metadata import EntryPoint, entry_points
from pathlib import Path

from pydantic import ValidationError
from redis.exceptions import AuthenticationError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from dialog.redis_connect import safe_url
from telephony.app.settings_errors import describe_settings_errors
from telephony.logs import setup_logging
from telephony.settings import Settings
from voice.models import ModelNotAvailable

COMMANDS_GROUP = "infolinia.commands"
SOURCE_PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"


def _settings() -> Settings:
    return Settings()


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    import os

    from dialog.kb_entries import load_entries
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


def _parser(pyproject: Path = SOURCE_PYPROJECT) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="infolinia", description="Polish voice and phone support gateway")
    sub = p.add_subparsers(dest="command", required=True)
    s = sub.add_parser("serve", help="run the gateway (FastAPI + uvicorn)")
    s.add_argument("--host")
    s.add_argument("--port", type=int)
    s.add_argument("--workers", type=int, default=1, help="gateway processes sharing Redis (INFOLINIA_REDIS_URL)")
    s.set_defaults(func=cmd_serve)
    k = sub.add_parser("check", help="validate the whole configuration before going live (exit 1 naming each problem)")
    k.add_argument("--online", action="store_true", help="also ask Twilio's REST API (credentials, number, webhook)")
    k.set_defaults(func=cmd_check)
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
    w = sub.add_parser("wyoming", help="serve Home Assistant (Wyoming protocol): handle, asr and tts programs")
    w.add_argument("--uri", default="tcp://0.0.0.0:10700")
    w.add_argument("--asr-only", action="store_true", help="speech recognition only: a recognizer tier's server")
    w.set_defaults(func=cmd_wyoming)
    pu = sub.add_parser("purge", help="delete records past their retention now, and old voicemails at Twilio")
    pu.add_argument("--dry-run", action="store_true", help="list what would be deleted, change nothing")
    pu.add_argument("-v", "--verbose", action="store_true", help="list every key deleted")
    pu.set_defaults(func=cmd_purge)
    g = sub.add_parser("gaps", help="questions the assistant did not understand, grouped by meaning (KB gaps)")
    g.add_argument("--from", dest="start", help="from this date (2026-12-01); default: --days ago")
    g.add_argument("--to", dest="end", help="up to this date, inclusive; default: now")
    g.add_argument("--days", type=float, default=7.0, help="without --from: the last N days (default 7)")
    g.add_argument("--threshold", type=float, help="similarity to join a group (default 0.4)")
    g.add_argument("--top", type=int, default=20, help="groups shown and exported (default 20)")
    g.add_argument("--min-count", type=int, default=2, help="export groups asked at least N times (default 2)")
    g.add_argument("--export", type=Path, help="write new KB entries (kb.yaml format, answers to fill in) here")
    g.set_defaults(func=cmd_gaps)
    k = sub.add_parser("apikey", help="make an API key for a device or chat integration (prints its setting)")
    k.add_argument("--name", default="device", help="shown in logs and rate limits (letters, digits, _-.)")
    k.set_defaults(func=cmd_apikey)
    for name, entry in sorted(plugin_commands(pyproject).items()):
        try:
            entry.load()(sub)
        except Exception as exc:  # a broken plugin must not take the product commands down with it
            print(f"infolinia: command {name!r} ({entry.value}) is unavailable: {exc!r}", file=sys.stderr)
    return p


def plugin_commands(pyproject: Path = SOURCE_PYPROJECT) -> dict[str, EntryPoint]:
    """The ``infolinia.commands`` entry points: installed ones, then the source checkout's (they win)."""
    found = {ep.name: ep for ep in entry_points(group=COMMANDS_GROUP)}
    project = tomllib.loads(pyproject.read_text(encoding="utf-8")).get("project", {}) if pyproject.is_file() else {}
    if project.get("name") == "infolinia":
        for name, value in project.get("entry-points", {}).get(COMMANDS_GROUP, {}).items():
            found[name] = EntryPoint(name, value, COMMANDS_GROUP)
    return found


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = _settings()
    except ValidationError as exc:
        print("\n".join(describe_settings_errors(exc)), file=sys.stderr)
        return 2
    setup_logging(settings.log_level, json=settings.log_json and args.command in ("serve", "wyoming"))
    func: Callable[[argparse.Namespace, Settings], int] = args.func
    return _run_guarded(func, args, settings)


def _run_guarded(func: Callable[[argparse.Namespace, Settings], int], args: argparse.Namespace, s: Settings) -> int:
    """Known failures (a missing model, bad input) end with a clear message, never a traceback."""
    try:
        return func(args, s)
    except ModelNotAvailable as exc:
        print(f"infolinia: {exc}", file=sys.stderr)
        return 2
    except (FileNotFoundError, ValueError) as exc:
        print(f"infolinia: {exc}", file=sys.stderr)
        return 2
    except (RedisConnectionError, RedisTimeoutError) as exc:  # purge, gaps, history: Redis is their data
        what = "refused the credentials" if isinstance(exc, AuthenticationError) else "cannot be reached"
        print(f"infolinia: Redis at {_without_password(s.redis_url)} {what}: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def _without_password(url: str | None) -> str:
    """A Redis URL fit to print (passwords masked, ``dialog.redis_connect.safe_url``)."""
    return safe_url(url) if url else "(INFOLINIA_REDIS_URL not set)"


if __name__ == "__main__":
    sys.exit(main())
