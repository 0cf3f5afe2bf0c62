"""``infolinia gaps``: the KB gaps report in the terminal, and ``--export`` to KB-format YAML.

A plugin command (``infolinia.commands`` entry point in ``pyproject.toml``), so the product CLI does not
import the embedder for ``--help``. Reads the misses the gateway recorded in Redis.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from pathlib import Path
from typing import Any

from dialog.gaps import DEFAULT_THRESHOLD, Gap, to_kb_yaml
from dialog.store import connect_redis
from telephony.history.gaps import GapsReport, MissBook
from telephony.history.when import parse_when
from telephony.settings import Settings


def add_gaps(sub: argparse._SubParsersAction[Any]) -> None:
    g = sub.add_parser("gaps", help="questions the assistant did not understand, grouped by meaning (KB gaps)")
    g.add_argument("--from", dest="start", help="from this date (2026-12-01); default: --days ago")
    g.add_argument("--to", dest="end", help="up to this date, inclusive; default: now")
    g.add_argument("--days", type=float, default=7.0, help="without --from: the last N days (default 7)")
    g.add_argument("--threshold", type=float, default=DEFAULT_THRESHOLD, help="similarity to join a group")
    g.add_argument("--top", type=int, default=20, help="groups shown and exported (default 20)")
    g.add_argument("--min-count", type=int, default=2, help="export groups asked at least N times (default 2)")
    g.add_argument("--export", type=Path, help="write new KB entries (kb.yaml format, answers to fill in) here")
    g.set_defaults(func=cmd_gaps)


def cmd_gaps(args: argparse.Namespace, settings: Settings) -> int:
    if not settings.redis_url:
        print("infolinia gaps: INFOLINIA_REDIS_URL is not set: misses are recorded in Redis only")
        return 2
    start = parse_when(args.start, settings.timezone) or time.time() - args.days * 86400
    end = parse_when(args.end, settings.timezone, end=True)
    gaps = asyncio.run(_report(settings, start, end, args.threshold))
    print(render(gaps, args.top))
    if args.export is not None:
        args.export.write_text(to_kb_yaml(gaps, top=args.top, min_count=args.min_count), encoding="utf-8")
        print(f"written: {args.export} (fill in each answer, then append the entries to your kb.yaml)")
    return 0


async def _report(settings: Settings, start: float, end: float | None, threshold: float) -> list[Gap]:
    redis = connect_redis(settings.redis_url or "")
    try:
        return await GapsReport(MissBook(redis, settings.redis_prefix), settings.kb_path).gaps(start, end, threshold)
    finally:
        await redis.aclose()


def render(gaps: list[Gap], top: int) -> str:
    if not gaps:
        return "no misses in this period"
    total = sum(g.count for g in gaps)
    lines = [f"{total} questions not understood, {len(gaps)} groups by meaning:"]
    for n, gap in enumerate(gaps[:top], 1):
        lines.append(f"{n:3}. {gap.count:4}×  (przełączono {gap.transferred})  {gap.example}")
        lines.extend(f"            {count:4}×  {text}" for text, count in gap.questions[1:4])
    return "\n".join(lines)
