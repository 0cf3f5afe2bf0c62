"""The ``infolinia`` command: one CLI, subcommands.

The product subcommands' handlers are in ``telephony/app/cli_commands.py`` (each imports what it needs
only when it runs: ``infolinia models list`` or ``--help`` must not spend seconds importing a gateway).

More subcommands come from plugins: every ``infolinia.commands`` entry point (``pyproject.toml``) is an
``add(subparsers)`` that adds its own subparser with ``func(args, settings) -> int``. The development
tools register ``bench`` and ``simulate-call`` that way, so the product never imports them; they are
found in the installed package's metadata and, when running from a source checkout, in that checkout's
``pyproject.toml`` (so a checkout whose venv was installed from an older tree still sees its own).
"""

from __future__ import annotations

import argparse
import sys
import tomllib
from collections.abc import Callable, Sequence
from importlib.metadata import EntryPoint, entry_points
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import ValidationError
from redis.exceptions import AuthenticationError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from dialog.redis_urls import safe_url
from telephony.app.cli_commands import (
    cmd_apikey,
    cmd_chat,
    cmd_check,
    cmd_gaps,
    cmd_models,
    cmd_purge,
    cmd_say,
    cmd_serve,
    cmd_transcribe,
    cmd_wyoming,
)
from telephony.app.settings_errors import describe_settings_errors
from telephony.logs import setup_logging
from telephony.settings import Settings
from voice.models import ModelNotAvailable

if TYPE_CHECKING:
    Subparsers = argparse._SubParsersAction[argparse.ArgumentParser]

COMMANDS_GROUP = "infolinia.commands"
SOURCE_PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"


def _settings() -> Settings:
    return Settings()


def _parser(pyproject: Path = SOURCE_PYPROJECT) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="infolinia", description="Polish voice and phone support gateway")
    sub = p.add_subparsers(dest="command", required=True)
    for add in PRODUCT_COMMANDS:
        add(sub)
    for name, entry in sorted(plugin_commands(pyproject).items()):
        try:
            entry.load()(sub)
        except Exception as exc:  # a broken plugin must not take the product commands down with it
            print(f"infolinia: command {name!r} ({entry.value}) is unavailable: {exc!r}", file=sys.stderr)
    return p


def _add_serve(sub: Subparsers) -> None:
    s = sub.add_parser("serve", help="run the gateway (FastAPI + uvicorn)")
    s.add_argument("--host")
    s.add_argument("--port", type=int)
    s.add_argument("--workers", type=int, default=1, help="gateway processes sharing Redis (INFOLINIA_REDIS_URL)")
    s.set_defaults(func=cmd_serve)


def _add_check(sub: Subparsers) -> None:
    k = sub.add_parser("check", help="validate the whole configuration before going live (exit 1 naming each problem)")
    k.add_argument("--online", action="store_true", help="also ask Twilio's REST API (credentials, number, webhook)")
    k.set_defaults(func=cmd_check)


def _add_models(sub: Subparsers) -> None:
    m = sub.add_parser("models", help="list, prepare or download models")
    m.add_argument("action", choices=["list", "prepare", "download"])
    m.add_argument("name", nargs="?")
    m.set_defaults(func=cmd_models)


def _add_say(sub: Subparsers) -> None:
    say = sub.add_parser("say", help="synthesize Polish text to a WAV file")
    say.add_argument("text")
    say.add_argument("-o", "--output", required=True)
    say.add_argument("--rate", type=int)
    say.set_defaults(func=cmd_say)


def _add_transcribe(sub: Subparsers) -> None:
    t = sub.add_parser("transcribe", help="transcribe an audio file (any format, any rate)")
    t.add_argument("file")
    t.set_defaults(func=cmd_transcribe)


def _add_chat(sub: Subparsers) -> None:
    c = sub.add_parser("chat", help="talk to the dialog engine in the terminal")
    c.set_defaults(func=cmd_chat)


def _add_wyoming(sub: Subparsers) -> None:
    w = sub.add_parser("wyoming", help="serve Home Assistant (Wyoming protocol): handle, asr and tts programs")
    w.add_argument("--uri", default="tcp://0.0.0.0:10700")
    w.add_argument("--asr-only", action="store_true", help="speech recognition only: a recognizer tier's server")
    w.set_defaults(func=cmd_wyoming)


def _add_purge(sub: Subparsers) -> None:
    pu = sub.add_parser("purge", help="delete records past their retention now, and old voicemails at Twilio")
    pu.add_argument("--dry-run", action="store_true", help="list what would be deleted, change nothing")
    pu.add_argument("-v", "--verbose", action="store_true", help="list every key deleted")
    pu.set_defaults(func=cmd_purge)


def _add_gaps(sub: Subparsers) -> None:
    g = sub.add_parser("gaps", help="questions the assistant did not understand, grouped by meaning (KB gaps)")
    g.add_argument("--from", dest="start", help="from this date (2026-12-01); default: --days ago")
    g.add_argument("--to", dest="end", help="up to this date, inclusive; default: now")
    g.add_argument("--days", type=float, default=7.0, help="without --from: the last N days (default 7)")
    g.add_argument("--threshold", type=float, help="similarity to join a group (default 0.4)")
    g.add_argument("--top", type=int, default=20, help="groups shown and exported (default 20)")
    g.add_argument("--min-count", type=int, default=2, help="export groups asked at least N times (default 2)")
    g.add_argument("--export", type=Path, help="write new KB entries (kb.yaml format, answers to fill in) here")
    g.set_defaults(func=cmd_gaps)


def _add_apikey(sub: Subparsers) -> None:
    k = sub.add_parser("apikey", help="make an API key for a device or chat integration (prints its setting)")
    k.add_argument("--name", default="device", help="shown in logs and rate limits (letters, digits, _-.)")
    k.set_defaults(func=cmd_apikey)


# The product's subcommands, in the order ``--help`` lists them (the plugins' follow).
PRODUCT_COMMANDS: tuple[Callable[[Subparsers], None], ...] = (
    _add_serve,
    _add_check,
    _add_models,
    _add_say,
    _add_transcribe,
    _add_chat,
    _add_wyoming,
    _add_purge,
    _add_gaps,
    _add_apikey,
)


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
