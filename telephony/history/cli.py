"""``infolinia gaps`` (its arguments: ``telephony/app/cli.py``): the KB gaps report in the terminal, and
``--export`` to KB-format YAML. Reads the misses the gateway recorded in Redis."""

from __future__ import annotations

import argparse
import asyncio
import time

from dialog.embedder_models import SentenceModel
from dialog.gaps import Gap, Resolved, to_kb_yaml
from dialog.store import connect_redis
from telephony.history.gaps import GapsReport, MissBook
from telephony.history.when import parse_when
from telephony.settings import Settings


def run_gaps(args: argparse.Namespace, settings: Settings) -> int:
    if not settings.redis_url:
        print("infolinia gaps: INFOLINIA_REDIS_URL is not set: misses are recorded in Redis only")
        return 2
    start = parse_when(args.start, settings.timezone) or time.time() - args.days * 86400
    end = parse_when(args.end, settings.timezone, end=True)
    gaps, resolved = asyncio.run(_report(settings, start, end, args.threshold))
    print(render(gaps, args.top))
    if resolved:
        print(render_resolved(resolved))
    if args.export is not None:
        text = to_kb_yaml(gaps, top=args.top, min_count=args.min_count, resolved=resolved)
        args.export.write_text(text, encoding="utf-8")
        kept = min(args.top, sum(1 for g in gaps if g.count >= args.min_count))
        print(f"written: {args.export}: {kept} entries (fill in each answer, then append them to your kb.yaml)")
        if kept < min(args.top, len(gaps)):
            print(f"groups asked fewer than {args.min_count} times are left out: --min-count 1 exports them too")
    return 0


async def _report(
    settings: Settings, start: float, end: float | None, threshold: float | None
) -> tuple[list[Gap], list[Resolved]]:
    redis = connect_redis(settings.redis_url or "", timeout_s=settings.redis_timeout_s)
    try:
        report = GapsReport(
            MissBook(redis, settings.redis_prefix),
            settings.kb_path,
            sentence=SentenceModel(settings.embedding_model, settings.models_dir),
        )
        return await report.gaps(start, end, threshold), await report.resolved(start, end)
    finally:
        await redis.aclose()


def render(gaps: list[Gap], top: int) -> str:
    if not gaps:
        return "no misses in this period"
    total = sum(g.count for g in gaps)
    groups, noise = [g for g in gaps if not g.noise], [g for g in gaps if g.noise]
    lines = [f"{total} questions not understood, {len(groups)} groups by meaning:"]
    for n, gap in enumerate(groups[:top], 1):
        lines.append(f"{n:3}. {gap.count:4}×  ({gap.transferred} transferred)  {gap.example}")
        lines.extend(f"            {count:4}×  {text}" for text, count in gap.questions[1:4])
    for gap in noise:
        said = ", ".join(f'"{text}"' for text, _ in gap.questions[:4])
        lines.append(f"     {gap.count:4}×  naming no topic (noise, numbers, unclear words; no KB entry): {said}")
    return "\n".join(lines)


def render_resolved(resolved: list[Resolved]) -> str:
    """Wordings callers resolved by picking an entry offered after a miss: to add to its questions."""
    lines = ["understood only after the two nearest entries were offered (add these to the entry's questions):"]
    for r in resolved:
        lines.append(f"     {r.count:4}×  {r.entry_id}")
        lines.extend(f"            {count:4}×  {text}" for text, count in r.questions[:4])
    return "\n".join(lines)
