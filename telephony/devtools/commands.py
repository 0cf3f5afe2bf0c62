"""The development subcommands of the ``infolinia`` CLI: ``bench ...``, ``simulate-call`` and ``demo``.

The product CLI (``telephony/app/cli.py``) never imports this package: it finds these through the
``infolinia.commands`` entry points declared in ``pyproject.toml``. Each entry point is an ``add(sub)``
that adds its subparser; the parser's ``func(args, settings) -> int`` runs the command.
"""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

from telephony.devtools.bench_cli import run_bench
from telephony.devtools.day import bench_day
from telephony.devtools.demo import run_demo_cli
from telephony.devtools.faults_bench import bench_faults
from telephony.devtools.load_test_run import add_arguments, run_bench_calls_cli
from telephony.devtools.pace_bench import add_arguments as add_pace_arguments
from telephony.devtools.pace_bench import bench_pace
from telephony.devtools.redis_ops_bench import bench_redis_ops
from telephony.devtools.simulate_cli import run_simulate_cli
from telephony.settings import Settings

BENCHMARKS = [
    "speech",
    "dialog",
    "waits",
    "calls",
    "wyoming",
    "asr",
    "asr-batch",
    "spoken-orders",
    "nbest",
    "cpu",
    "turns",
    "faults",
    "asr-remote",
    "tts-remote",
    "redis-ops",
    "day",
    "pace",
]


def add_bench(sub: argparse._SubParsersAction[Any]) -> None:
    b = sub.add_parser("bench", help="print measured figures (development)")
    b.add_argument("what", choices=BENCHMARKS)
    add_arguments(b)  # the options of ``bench calls``
    add_pace_arguments(b)  # and of ``bench pace``
    b.set_defaults(func=cmd_bench)


def add_simulate_call(sub: argparse._SubParsersAction[Any]) -> None:
    sim = sub.add_parser("simulate-call", help="call the gateway like Twilio does, with WAV files as the caller")
    sim.add_argument("wavs", nargs="+")
    sim.add_argument("--url", help="a running gateway; default: start one in-process")
    sim.add_argument("--barge-in", action="store_true")
    sim.add_argument("--out", default="call.wav", help="stereo WAV of the whole call")
    sim.set_defaults(func=run_simulate_cli)


def add_demo(sub: argparse._SubParsersAction[Any]) -> None:
    d = sub.add_parser("demo", help="the whole gateway with Redis, demo agents and a phone network stand-in")
    d.add_argument("--port", type=int, default=8080)
    d.set_defaults(func=run_demo_cli)


def cmd_bench(args: argparse.Namespace, settings: Settings) -> int:
    if args.what == "calls":
        return run_bench_calls_cli(args, settings)
    if args.what == "day":  # its own gateway and Twilio stand-in, on INFOLINIA_REDIS_URL (or a private Redis)
        return asyncio.run(bench_day(settings.redis_url or None))
    if args.what == "redis-ops":  # a private redis-server under an in-process gateway
        return asyncio.run(bench_redis_ops(args, settings))
    if args.what == "pace":  # its own gateway processes, Redis, Twilio stand-in and webhook burst
        return asyncio.run(bench_pace(args))
    if args.what == "faults":  # builds its own gateways, Redis and Twilio stand-in: ``settings`` unused
        return asyncio.run(bench_faults())
    return asyncio.run(run_bench(args.what, settings, args))
