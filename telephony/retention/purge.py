"""``infolinia purge``: delete what is past its retention now, and voicemail recordings at Twilio.

Why a purge when every record already has a TTL: TTLs are set when a record is written, so lowering a
retention setting does not shorten what is already stored; indexes (``callbacks:*``, ``queue:*``,
``queues``) point at records that expired; and a recording at Twilio has no TTL at all. The purge reads
each record's own time (``updated_at``, ``saved_at``, ``created_at``), deletes what is older than its
kind's retention, gives an expiry to records that have none and no readable time, drops index entries
of records that are gone, and deletes recordings through ``RecordingDeleter`` (Twilio REST).

Kept on purpose: ``agent:<id>`` and ``agents:all`` (the roster's live state, pruned by the roster sync when
an agent leaves), ``stats:handling:*`` (averages, no personal data), ``store:epoch`` (the marker that tells
a Redis that lost its data, ``telephony/agents/presence.py``), ``voicemails`` (the list of recordings still to
delete at Twilio). A dry run reads the same and changes nothing.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from redis.asyncio import Redis

from telephony.agents.callbacks import STATUSES, VOICEMAILS_KEY
from telephony.retention.policy import Retention

log = logging.getLogger(__name__)

# KEYS: queue zset, queues set. ARGV: queue name. A queue name goes only while its queue is empty.
_DROP_EMPTY_QUEUE = """
if redis.call('ZCARD', KEYS[1]) == 0 then return redis.call('SREM', KEYS[2], ARGV[1]) end
return 0
"""


class RecordingDeleter(Protocol):
    """Deletes a recording at the telephony provider (``TwilioRestClient``); False: it was already gone."""

    async def delete_recording(self, recording_sid: str) -> bool: ...


@dataclass
class PurgeReport:
    """What the purge deleted (or, in a dry run, would delete), per kind."""

    dry_run: bool
    deleted: dict[str, list[str]] = field(default_factory=dict)  # kind -> keys (without the prefix)
    expiry_set: list[str] = field(default_factory=list)  # keys that had no expiry and no readable time
    recordings: list[str] = field(default_factory=list)  # recording SIDs deleted at Twilio
    failed: list[str] = field(default_factory=list)  # recording SIDs that could not be deleted (kept)

    def add(self, kind: str, key: str) -> None:
        self.deleted.setdefault(kind, []).append(key)

    def lines(self, verbose: bool = False) -> list[str]:
        verb = "would delete" if self.dry_run else "deleted"
        out = [f"{kind}: {verb} {len(keys)}" for kind, keys in sorted(self.deleted.items())]
        if verbose:
            out += [f"  {kind} {key}" for kind, keys in sorted(self.deleted.items()) for key in keys]
        if self.expiry_set:
            out.append(f"without expiry: {'would get' if self.dry_run else 'given'} one: {len(self.expiry_set)}")
        if self.recordings:
            out.append(f"voicemail recordings at Twilio: {verb} {len(self.recordings)}: {' '.join(self.recordings)}")
        if self.failed:
            out.append(f"voicemail recordings NOT deleted (kept for the next run): {' '.join(self.failed)}")
        return out or ["nothing to purge"]


class Purger:
    """One purge over ``redis`` (``decode_responses=True``) under ``prefix``; ``clock`` is wall time."""

    def __init__(
        self,
        redis: Redis,
        retention: Retention,
        *,
        prefix: str = "infolinia:",
        recordings: RecordingDeleter | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.redis, self.retention, self.prefix = redis, retention, prefix
        self.recordings, self._clock = recordings, clock
        self._drop_empty_queue = redis.register_script(_DROP_EMPTY_QUEUE)

    async def run(self, dry_run: bool = False) -> PurgeReport:
        report = PurgeReport(dry_run)
        now, keep = self._clock(), self.retention
        await self._sweep(report, "session:*", "sessions", keep.sessions_s, now, _json_time("updated_at"))
        await self._sweep(report, "call:*:transcript", "transcripts", keep.transcripts_s, now, _json_time("saved_at"))
        await self._sweep_hashes(report, "transfer:*", "transfers", keep.transfers_s, now, _transfer_time)
        await self._sweep_hashes(report, "callback:*", "callbacks", keep.callbacks_s, now, _callback_time)
        await self._orphans(report, "transfer:*:tried", "transfers", lambda k: k.removesuffix(":tried"))
        await self._orphans(report, "transfer-call:*", "transfers", None)
        await self._indexes(report)
        await self._voicemails(report, now)
        return report

    def _k(self, key: str) -> str:
        return self.prefix + key

    async def _keys(self, pattern: str) -> list[str]:
        return [str(k)[len(self.prefix) :] async for k in self.redis.scan_iter(match=self._k(pattern), count=500)]

    async def _delete(self, report: PurgeReport, kind: str, key: str) -> None:
        report.add(kind, key)
        if not report.dry_run:
            await self.redis.delete(self._k(key))

    async def _judge(self, report: PurgeReport, kind: str, key: str, at: float | None, keep_s: int, now: float) -> None:
        """Delete when older than ``keep_s``; no readable time and no expiry: give it ``keep_s``."""
        if at is not None:
            if now - at > keep_s:
                await self._delete(report, kind, key)
            return
        if await self.redis.ttl(self._k(key)) == -1:
            report.expiry_set.append(key)
            if not report.dry_run:
                await self.redis.expire(self._k(key), keep_s)

    async def _sweep(
        self, report: PurgeReport, pattern: str, kind: str, keep_s: int, now: float, when: Callable[[str], float | None]
    ) -> None:
        for key in await self._keys(pattern):  # session:<id> and session:<id>:before alike
            if await self.redis.type(self._k(key)) == "string":
                await self._judge(report, kind, key, when(str(await self.redis.get(self._k(key)) or "")), keep_s, now)

    async def _sweep_hashes(
        self,
        report: PurgeReport,
        pattern: str,
        kind: str,
        keep_s: int,
        now: float,
        when: Callable[[dict[str, str]], float | None],
    ) -> None:
        for key in await self._keys(pattern):
            if await self.redis.type(self._k(key)) == "hash":
                row = {str(k): str(v) for k, v in (await self.redis.hgetall(self._k(key))).items()}
                await self._judge(report, kind, key, when(row), keep_s, now)

    async def _orphans(self, report: PurgeReport, pattern: str, kind: str, parent: Callable[[str], str] | None) -> None:
        """Side keys of a transfer whose record is gone: its tried-agents set, the call -> transfer link."""
        for key in await self._keys(pattern):
            owner = parent(key) if parent else "transfer:" + str(await self.redis.get(self._k(key)))
            if owner in report.deleted.get(kind, []) or not await self.redis.exists(self._k(owner)):
                await self._delete(report, kind, key)

    async def _indexes(self, report: PurgeReport) -> None:
        """Entries of records that are gone: callbacks:<status>, queue:<name>; empty names in ``queues``."""
        gone = {*report.deleted.get("callbacks", []), *report.deleted.get("transfers", [])}
        for status in STATUSES:
            index = f"callbacks:{status}"
            for member in _strs(await self.redis.zrange(self._k(index), 0, -1)):
                key = f"callback:{member}"
                if key in gone or not await self.redis.exists(self._k(key)):
                    await self._drop(report, "index entries", index, str(member))
        for name in _strs(await self.redis.smembers(self._k("queues"))):
            for member in _strs(await self.redis.zrange(self._k(f"queue:{name}"), 0, -1)):
                key = f"transfer:{member}"
                if key in gone or not await self.redis.exists(self._k(key)):
                    await self._drop(report, "index entries", f"queue:{name}", str(member))
            if not report.dry_run:
                await self._drop_empty_queue(keys=[self._k(f"queue:{name}"), self._k("queues")], args=[name])

    async def _drop(self, report: PurgeReport, kind: str, index: str, member: str) -> None:
        report.add(kind, f"{index} {member}")
        if not report.dry_run:
            await self.redis.zrem(self._k(index), member)

    async def _voicemails(self, report: PurgeReport, now: float) -> None:
        """Recordings past retention: deleted at Twilio, then unlinked from their callback and the list."""
        due = await self.redis.zrangebyscore(self._k(VOICEMAILS_KEY), "-inf", now - self.retention.voicemails_s)
        for member in _strs(due):
            sid, _, callback_id = str(member).partition(" ")
            if report.dry_run:
                report.recordings.append(sid)
                continue
            if self.recordings is None:
                report.failed.append(sid)
                continue
            try:
                await self.recordings.delete_recording(sid)
            except Exception as exc:  # Twilio down, refused: keep it listed, the next purge tries again
                log.warning("voicemail recording %s not deleted: %r", sid, exc)
                report.failed.append(sid)
                continue
            report.recordings.append(sid)
            await self.redis.hdel(self._k(f"callback:{callback_id}"), "voicemail_url", "voicemail_s")
            await self.redis.zrem(self._k(VOICEMAILS_KEY), str(member))


def _strs(values: Any) -> list[str]:
    return [str(v) for v in values]


def _json_time(name: str) -> Callable[[str], float | None]:
    def when(text: str) -> float | None:
        try:
            value = json.loads(text).get(name)
        except (ValueError, AttributeError):
            return None
        return float(value) if isinstance(value, int | float) and value > 0 else None

    return when


def _transfer_time(row: dict[str, str]) -> float | None:
    try:
        value: Any = json.loads(row.get("created_at", "null"))
    except ValueError:
        return None
    return float(value) if isinstance(value, int | float) else None


def _callback_time(row: dict[str, str]) -> float | None:
    try:
        return datetime.fromisoformat(json.loads(row.get("data", "{}")).get("created_at", "")).timestamp()
    except (ValueError, TypeError, AttributeError):
        return None
