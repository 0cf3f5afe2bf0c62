"""``infolinia bench calls --calls N --concurrency C[,C2,...] [--url URL]``: run the load test, print the table.

Without ``--url`` the gateway is started in this process (like ``simulate-call``), with a fake Twilio
REST API so hang-ups and transfers end calls as they would with Twilio, and CPU/memory are this
process's (the simulated callers are light next to the models: JSON + μ-law of 50 frames/s per call).
With ``--url`` the gateway is the one running there (``INFOLINIA_PUBLIC_URL`` and
``INFOLINIA_TWILIO_AUTH_TOKEN`` must be its values); pass ``--pid`` to sample its CPU and memory.

The caller's utterances are synthesized once with the configured Piper voice (slowed a little so
they sound like a caller, not the bot), or taken from ``--wavs``. Several concurrency levels in one
run share the loaded models, so a sweep costs one start-up.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import secrets
import sys
import tempfile
from collections.abc import AsyncIterator, Callable, Sequence
from pathlib import Path
from typing import Any

from telephony.devtools.bench_cli import ASR_EVAL
from telephony.devtools.load_test import Target, run_calls, summarize
from telephony.devtools.load_test_report import (
    ProcSampler,
    abandoned_line,
    capacity,
    gateway_figures,
    machine,
    markdown,
    scrape,
    settled_scrape,
    transfer_line,
)
from telephony.devtools.simulator_audio import CallerTurn, load_turn, voiced_end_s
from telephony.devtools.simulator_rest import FakeTwilioRest
from telephony.devtools.workload import (
    FreshOrders,
    demo_order_ids,
    kind_lines,
    latency_by_kind,
    load_recordings,
    write_many_orders,
)
from telephony.settings import Settings

# What callers of the demo shop ask (answers come from the bundled knowledge base), and how they leave.
QUESTIONS = (
    "Dzień dobry, ile kosztuje dostawa do paczkomatu?",
    "Ile trwa dostawa?",
    "Od jakiej kwoty jest darmowa dostawa?",
    "Jakimi firmami kurierskimi wysyłacie?",
    "Czy mogę odebrać paczkę w paczkomacie?",
)
CLOSING = "Dziękuję, to wszystko."


def add_arguments(p: argparse.ArgumentParser) -> None:
    """The options of ``infolinia bench calls`` (the lead's CLI adds them to its ``bench`` parser)."""
    p.add_argument("--calls", type=int, default=4, help="calls per concurrency level (at least the level)")
    p.add_argument("--concurrency", default="1", help="calls at once; a list sweeps: 1,2,3,4")
    p.add_argument("--turns", type=int, default=3, help="caller turns per call (the last one says goodbye)")
    p.add_argument("--url", help="a running gateway; default: start one in-process")
    p.add_argument("--pid", type=int, help="with --url: the gateway's pid, to sample its CPU and memory")
    p.add_argument("--wavs", nargs="+", help="caller utterances (WAV) instead of synthesized ones")
    p.add_argument("--json", dest="json_out", help="write the full report as JSON here")
    p.add_argument("--markdown", dest="md_out", help="write the Markdown table here")
    p.add_argument("--max-call-s", type=float, default=300.0, help="a call longer than this counts as dropped")
    p.add_argument(
        "--workload",
        choices=("kb", "mixed"),
        default="kb",
        help="kb: knowledge-base questions (pre-rendered replies); mixed: 3 of 4 turns ask for an order's status "
        "(fresh synthesis), callers from the shared Polish phone recordings (telephony/devtools/workload.py)",
    )
    p.add_argument("--eval-dir", type=Path, help="with --workload mixed: the shared Polish recordings (asr-pl)")


def run_bench_calls_cli(args: argparse.Namespace, settings: Settings) -> int:
    return asyncio.run(bench_calls(args, settings))


def levels(spec: str) -> list[int]:
    values = [int(x) for x in str(spec).split(",") if x.strip()]
    if not values or min(values) < 1:
        raise ValueError("--concurrency takes positive integers, e.g. 2 or 1,2,3,4")
    return values


def scripts(
    calls: int, turns: int, questions: Sequence[CallerTurn], closing: CallerTurn | None
) -> list[list[CallerTurn]]:
    """Call i asks ``turns - 1`` questions starting at question i (so concurrent calls differ), then leaves."""
    asked = turns - 1 if closing is not None else turns
    out = []
    for i in range(calls):
        script = [questions[(i + k) % len(questions)] for k in range(asked)]
        out.append(script + ([closing] if closing is not None else []))
    return out


async def caller_turns(settings: Settings, texts: Sequence[str]) -> list[CallerTurn]:
    """Synthesize the caller's utterances at 8 kHz with the configured voice (once per run)."""
    from voice.models import resolve_voice
    from voice.tts import PiperSynthesizer

    voice = PiperSynthesizer(resolve_voice(settings.piper_voice, settings.models_dir), length_scale=1.15)
    await voice.load()
    turns = []
    for text in texts:
        pcm = await voice.synthesize(text, 8000)
        turns.append(CallerTurn(label=text, pcm=pcm, voiced_end_s=voiced_end_s(pcm)))
    return turns


ScriptMaker = Callable[[int], tuple[list[list[CallerTurn]], list[list[bool]] | None, int]]


async def script_maker(args: argparse.Namespace, settings: Settings) -> ScriptMaker:
    """``calls -> (scripts, dynamic flags per turn or None, orders asked again)`` for the chosen workload.

    The mixed workload's levels ask for orders no earlier level asked for (``FreshOrders``)."""
    if getattr(args, "workload", "kb") == "mixed":
        rec = await asyncio.to_thread(load_recordings, getattr(args, "eval_dir", None) or ASR_EVAL)
        orders = FreshOrders(demo_order_ids(settings.orders_path))

        def mixed(calls: int) -> tuple[list[list[CallerTurn]], list[list[bool]], int]:
            said, dynamic = orders.scripts(calls, args.turns, rec, seed=7 + calls)
            return said, dynamic, orders.reused

        return mixed
    if args.wavs:
        pool, closing = [load_turn(w) for w in args.wavs], None
    else:
        *pool, closing = await caller_turns(settings, [*QUESTIONS, CLOSING])
    return lambda calls: (scripts(calls, args.turns, pool, closing), None, 0)


async def bench_calls(args: argparse.Namespace, settings: Settings) -> int:
    if getattr(args, "workload", "kb") == "mixed" and settings.orders_path is None and not settings.orders_url:
        # hundreds of orders, so a status reply is synthesized fresh rather than read from the reply cache
        many = write_many_orders(Path(tempfile.mkdtemp(prefix="infolinia-orders-")) / "orders.json")
        settings = settings.model_copy(update={"orders_path": many})
    make = await script_maker(args, settings)
    async with _gateway(args, settings) as (target, rest, pid, where):
        report: dict[str, Any] = {
            "machine": machine(),
            "load_avg_before": os.getloadavg(),
            "gateway": where,
            "workload": getattr(args, "workload", "kb"),
            "turns_per_call": args.turns,
            "settings": {k: str(getattr(settings, k)) for k in ("whisper_model", "piper_voice", "asr_concurrency",
                                                                 "tts_concurrency", "asr_cpu_threads")},
            "runs": [],
        }  # fmt: skip
        for level in levels(args.concurrency):
            report["runs"].append(await _one_level(args, target, rest, pid, level, make))
    report["capacity"] = capacity(report["runs"])
    table = markdown(report) + "\n\n" + transfer_line(report["runs"]) + "\n\n" + abandoned_line(report["runs"])
    if report["workload"] == "mixed":
        table += "\n" + "\n".join(kind_lines(report["runs"]))
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(report, indent=2, ensure_ascii=False))
    if args.md_out:
        Path(args.md_out).write_text(table + "\n")
    print(table)
    return 0


async def _one_level(
    args: argparse.Namespace,
    target: Target,
    rest: FakeTwilioRest | None,
    pid: int | None,
    level: int,
    make: ScriptMaker,
) -> dict[str, Any]:
    calls, dynamic, reused = make(max(args.calls, level))
    print(f"concurrency {level}: {len(calls)} calls of {args.turns} turns ...", file=sys.stderr, flush=True)
    before = await scrape(target.base_url)
    sampler = ProcSampler(pid) if pid else None
    async with sampler if sampler is not None else contextlib.nullcontext():
        outcomes, wall = await run_calls(target, calls, level, rest=rest, max_s=args.max_call_s)
    run = summarize(outcomes, wall, level)
    if dynamic is not None:
        run["by_kind"] = latency_by_kind([o.turn_latencies_s for o in outcomes], dynamic)
        run["orders_reused"] = reused  # asked at an earlier level too: their status may come from the cache
    run["gateway"] = gateway_figures(before, await settled_scrape(target.base_url, before))
    run["process"] = sampler.summary() if sampler is not None else {}
    run["load_avg_after"] = os.getloadavg()
    lat = run["turn_latency_s"]
    print(
        f"  p50 {lat['p50']} s, p95 {lat['p95']} s, errors {run['errors']}, dropped {run['dropped']}", file=sys.stderr
    )
    return run


@contextlib.asynccontextmanager
async def _gateway(
    args: argparse.Namespace, settings: Settings
) -> AsyncIterator[tuple[Target, FakeTwilioRest | None, int | None, str]]:
    if args.url:
        if not settings.twilio_auth_token:
            raise ValueError("set INFOLINIA_TWILIO_AUTH_TOKEN and INFOLINIA_PUBLIC_URL to the gateway's values")
        yield Target(args.url, settings.public_url, settings.twilio_auth_token), None, args.pid, args.url
        return
    async with in_process_gateway(settings) as (target, rest):
        yield target, rest, os.getpid(), "in-process (same pid as the simulated callers)"


@contextlib.asynccontextmanager
async def in_process_gateway(settings: Settings) -> AsyncIterator[tuple[Target, FakeTwilioRest]]:
    """The gateway on a free port with a fresh auth token, a fake Twilio REST API and ``/metrics``."""
    import uvicorn

    from telephony.app.factory import create_app
    from telephony.devtools.simulate_cli import _free_port, _wait_ready, in_process_settings

    token = secrets.token_hex(16)
    rest = FakeTwilioRest(settings.twilio_account_sid, token)
    await rest.start()
    extra: dict[str, Any] = {"metrics_dir": None}  # one process: its metrics in memory, with its CPU and memory
    if "max_concurrent_calls" in Settings.model_fields:  # measure the raw capacity: no admission control
        extra["max_concurrent_calls"] = 0
    local = in_process_settings(settings, token, rest.url, _free_port(), **extra)
    # The app mounts /metrics and wires its one Metrics to the services it builds (telephony/app/factory.py):
    # scrape that. (A second Metrics mounted here used to take the call pipeline and the models'
    # observers away from the served one, so the run read zeros.)
    app = create_app(local)
    server = uvicorn.Server(uvicorn.Config(app, host=local.host, port=local.port, log_level="warning"))
    task = asyncio.create_task(server.serve())
    try:
        base = local.public_url
        await _wait_ready(base, task)
        # A deployed gateway has finished its start-up pre-rendering long before the first call; here it
        # would run during the first level's calls and be counted as theirs.
        services = await app.state.gateway.services.get()
        await asyncio.gather(*services.background, return_exceptions=True)
        yield Target(base, local.public_url, token, local.twilio_account_sid), rest
    finally:
        server.should_exit = True
        await task
        await rest.stop()


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m telephony.devtools.load_test_run`` (same options as ``infolinia bench calls``)."""
    import logging

    p = argparse.ArgumentParser(prog="bench-calls", description="concurrent simulated phone calls")
    add_arguments(p)
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    return run_bench_calls_cli(args, Settings())


if __name__ == "__main__":
    raise SystemExit(main())
