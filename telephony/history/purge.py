"""History's share of ``infolinia purge``: conversation records and the gaps' misses past
``INFOLINIA_RETENTION_HISTORY_DAYS``. Records also carry a TTL from when they are written; the purge
applies a shortened retention to what is already stored and drops index entries of expired records."""

from __future__ import annotations

import time
from collections.abc import Callable

from redis.asyncio import Redis

from telephony.history.gaps import MissBook
from telephony.history.store import HistoryStore
from telephony.retention.purge import PurgeReport


async def purge_history(
    redis: Redis, prefix: str, keep_s: float, report: PurgeReport, clock: Callable[[], float] = time.time
) -> None:
    before = clock() - keep_s
    for n in range(await MissBook(redis, prefix).purge(before, report.dry_run)):
        report.add("gap misses", f"{n + 1}")
    for cid in await HistoryStore(redis, prefix).purge(before, report.dry_run):
        report.add("history", cid)
