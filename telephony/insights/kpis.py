"""The KPI store: what happened on each channel, counted in hourly Redis hashes every worker adds to.

Key ``<prefix>kpi:<channel>:<hour>`` (hours since the epoch, UTC), fields (``telephony.insights.buckets``):
``conversations``, ``contained``, ``transferred``, ``reason:<why>``, ``abandoned``, ``answered``,
``q:<queue>:<what>``, ``a:<agent>:<what>``, ``callbacks_done``, ``callbacks_in_time``,
``callbacks_no_answer`` (tries), ``callbacks_unreachable``, ``callbacks_wrong_number``, ``csat_sum``,
``csat_count``, ``csat:<1..5>`` and histogram bins ``wait:<i>``, ``agent_frt:<i>``, ``bot_frt:<i>``,
``turn:<i>``, the agent's first response per whole second ``agent_frt_s:<seconds>`` (exact percentiles),
``unresolved`` (a chat that went quiet unanswered: ``telephony.insights.outcomes``). Each
bucket expires ``ttl_s`` after its last write (no personal data: counts only).

A conversation's outcome, its waits and the agent's first response go into the bucket of the hour it *began*
(``<prefix>kpi:began:<channel>:<conversation>``, kept ``BEGAN_TTL_S``): a chat from 23:50 to 00:10 had counted
solved out of none on the second day. Each write carries a marker (``<prefix>kpi:w:<token>``, ``ADD_ONCE``), so
redis-py sending it again after a lost reply does not count it twice.

Why fire-and-forget writes: the events come from synchronous metric hooks in the middle of a call; a
KPI must never delay or break a caller, so a write that fails (Redis down) is logged and dropped.
``flush()`` awaits this process's writes in flight, so a reader in the same process sees them all;
``drain()`` does so at shutdown, bounded, before the Redis pool closes (``Gateway.close``).
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Callable, Coroutine, Mapping
from typing import Any

from redis.asyncio import Redis

from telephony.insights.buckets import (
    CHANNELS,
    HISTOGRAMS,
    HOUR,
    add_counts,
    as_text,
    bin_of,
    hour_of,
    hours_between,
    sample_fields,
)
from telephony.insights.live_calls import LiveCalls
from telephony.redis_scripts import ADD_ONCE, first_mark

log = logging.getLogger(__name__)
LIVE_WINDOW_S = 300  # a chat or speaker conversation with a bot turn this recent is in progress
WRITE_MARK_TTL_S = 300  # a write's marker (``ADD_ONCE``): longer than redis-py's retries of it ever take
BEGAN_TTL_S = 2 * 86400  # a conversation decided later than this counts in the hour it was decided


class KpiStore:
    """Record KPI events (sync, fire-and-forget) and read bucket sums (async)."""

    def __init__(
        self,
        redis: Redis,
        *,
        prefix: str = "infolinia:",
        ttl_s: int = 400 * 86400,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.redis, self.prefix, self.ttl_s, self.clock = redis, prefix, ttl_s, clock
        self._pending: set[asyncio.Task[None]] = set()
        self._add_once = redis.register_script(ADD_ONCE)
        self.calls = LiveCalls(redis, prefix, lambda: self.clock())  # phone calls in progress, this worker's

    def key(self, channel: str, hour: int) -> str:
        return f"{self.prefix}kpi:{channel}:{hour}"

    # --- events ------------------------------------------------------------------------------------
    def started(self, channel: str, conversation: str = "") -> None:
        """A new conversation; with its id, the hour it began is kept for its outcome (``began_hour``)."""
        self.add(channel, {"conversations": 1})
        if conversation:
            self.spawn(self._began(channel, conversation, self.clock()))

    def contained(self, channel: str, conversation: str = "") -> None:
        self.add(channel, {"contained": 1}, conversation)

    def transferred(self, channel: str, reason: str, queue: str, conversation: str = "") -> None:
        fields = {"transferred": 1, f"reason:{reason or 'unknown'}": 1, f"q:{queue or 'none'}:transferred": 1}
        self.add(channel, fields, conversation)

    def _began_key(self, channel: str, conversation: str) -> str:
        return f"{self.prefix}kpi:began:{channel}:{conversation}"

    async def _began(self, channel: str, conversation: str, at: float) -> None:
        """Over an earlier start under the same id (not ``NX``): a chat whose session expired goes on the next day
        as a new conversation under the client's id; its outcome went to the old one's day. Its rating marker
        goes too (``rated_key``): the fresh chat's rating was a 409. Sent again by redis-py: the same."""
        try:
            async with self.redis.pipeline(transaction=False) as pipe:
                pipe.set(self._began_key(channel, conversation), hour_of(at), ex=BEGAN_TTL_S)
                pipe.delete(rated_key(self.prefix, channel, conversation))
                await pipe.execute()
        except Exception as exc:
            log.warning("KPI start of %s lost: %r", conversation, exc)

    async def began_hour(self, channel: str, conversation: str, at: float) -> int:
        """The bucket of the hour ``conversation`` began (its outcome is counted there, with it); ``at``'s
        when that is not known (no id, forgotten, or its start written by a worker from before it was kept)."""
        if conversation:
            began = await self.redis.get(self._began_key(channel, conversation))
            if began is not None and as_text(began).isdigit():
                return min(int(as_text(began)), hour_of(at))
        return hour_of(at)

    def waited(
        self,
        channel: str,
        queue: str,
        outcome: str,
        seconds: float,
        agent: str | None = None,
        *,
        first_response: bool = True,
        conversation: str = "",
        began_ago: float | None = None,
    ) -> None:
        """How a wait for an agent ended: ``answered``, ``abandoned``, other. On the phone an answer is the
        agent's first response too (``first_response``); in a chat that is the agent's first message
        (``first_response``, the method): accepting a chat says nothing to the customer. Counted in the hour
        its ``conversation`` began (else the hour the wait began), with its hand-off: a chat handed over at
        23:59 and answered at 00:04 was transferred on one day and answered on the next. ``began_ago``: how long
        ago the wait began, where it ended before now (a chat's customer gone, noticed a grace later); else ``s``."""
        s = max(0.0, seconds)
        fields = {f"q:{queue}:{outcome}": 1, f"wait:{bin_of(HISTOGRAMS['wait'], s)}": 1}
        if outcome == "answered":
            fields["answered"] = 1
            if first_response:
                fields |= sample_fields("agent_frt", s)
            if agent:
                fields |= {f"a:{agent}:answered": 1, f"a:{agent}:wait_s": round(s)}
        elif outcome == "abandoned":
            fields["abandoned"] = 1
        began = self.clock() - (s if began_ago is None else max(s, began_ago))
        self.spawn(self.write(channel, fields, began, conversation))

    def first_response(self, channel: str, conversation: str, seconds: float, began: str = "") -> None:
        """An agent wrote in ``conversation`` ``seconds`` after the customer was handed over: only the first
        such message is a sample (``first_mark`` on ``<prefix>kpi:frt:<conversation>``, so two workers or a
        second message never count it twice); an agent who writes nothing gives no sample. Counted in the hour
        the chat ``began`` (its dialog session; else the hand-off's), as its wait is."""
        s = max(0.0, seconds)
        self.spawn(self._first_response(channel, conversation, s, self.clock() - s, began))

    async def _first_response(self, channel: str, conversation: str, seconds: float, at: float, began: str) -> None:
        try:
            first = await first_mark(self.redis, f"{self.prefix}kpi:frt:{conversation}", 2 * 86400)  # reply lost: ours
        except Exception as exc:
            log.warning("KPI first response of %s lost: %r", conversation, exc)
            return
        if first:
            await self.write(channel, sample_fields("agent_frt", seconds), at, began)

    def bot_replied(self, channel: str, seconds: float, first: bool) -> None:
        """A bot reply's latency (every turn: p95; the conversation's first: bot first response)."""
        s = max(0.0, seconds)
        fields = {f"turn:{bin_of(HISTOGRAMS['turn'], s)}": 1}
        if first:
            fields[f"bot_frt:{bin_of(HISTOGRAMS['bot_frt'], s)}"] = 1
        self.add(channel, fields)

    def callback_done(self, channel: str, queue: str, in_time: bool, agent: str | None = None) -> None:
        fields = {"callbacks_done": 1, "callbacks_in_time": int(in_time), f"q:{queue}:callbacks_done": 1}
        if agent:
            fields[f"a:{agent}:callbacks_done"] = 1
        self.add(channel, fields)

    def callback_not_reached(self, channel: str, queue: str, outcome: str) -> None:
        """A callback try that reached nobody: ``no_answer`` (back in the list), ``unreachable`` (the last
        try nobody answered: closed; counted as a no-answer too) or ``wrong_number`` (closed). Why apart
        from ``callbacks_done``: a callback nobody answered is no promise kept, however quickly closed."""
        fields = {f"callbacks_{outcome}": 1, f"q:{queue}:callbacks_{outcome}": 1}
        if outcome == "unreachable":
            fields |= {"callbacks_no_answer": 1, f"q:{queue}:callbacks_no_answer": 1}
        self.add(channel, fields)

    def rated(self, channel: str, score: int, agent: str | None = None) -> None:
        fields = {"csat_sum": score, "csat_count": 1, f"csat:{score}": 1}
        if agent:
            fields |= {f"a:{agent}:csat_sum": score, f"a:{agent}:csat_count": 1}
        self.add(channel, fields)

    def with_bot(self, channel: str, conversation: str, over: bool) -> None:
        """A chat or speaker conversation the bot just answered (``over``: ended, or a person took it). Why
        a recency set and not a counter like the phone's: a chat or a speaker has no hang-up, its customer
        just stops writing, so "in progress" means a turn within ``LIVE_WINDOW_S`` and not over."""
        self.spawn(self._with_bot(channel, conversation, over, self.clock()))

    async def _with_bot(self, channel: str, conversation: str, over: bool, at: float) -> None:
        key = f"{self.prefix}kpi:live:{channel}"
        try:
            async with self.redis.pipeline(transaction=False) as pipe:
                pipe.zrem(key, conversation) if over else pipe.zadd(key, {conversation: at})
                pipe.zremrangebyscore(key, "-inf", at - LIVE_WINDOW_S)
                pipe.expire(key, 2 * LIVE_WINDOW_S)
                await pipe.execute()
        except Exception as exc:
            log.warning("KPI live %s %s lost: %r", channel, conversation, exc)

    def active(self, channel: str, delta: int) -> None:
        """Phone calls in progress (no bucket: the dashboard's first tile), counted per worker (``LiveCalls``)."""
        self.calls.change(delta)
        self.spawn(self.say_calls())

    async def say_calls(self) -> None:
        """This worker's calls in progress to Redis: on every change and every gauges refresh (it is alive)."""
        try:
            await self.calls.publish()
        except Exception as exc:
            log.warning("KPI calls in progress (%d) not said: %r", self.calls.count, exc)

    async def in_progress(self) -> dict[str, int]:
        """Conversations with the bot now: phone calls connected to it, and chat and speaker conversations
        with a turn in the last ``LIVE_WINDOW_S`` that did not end or go to a person."""
        await self.flush()
        since = self.clock() - LIVE_WINDOW_S
        live = {c: await self.redis.zcount(f"{self.prefix}kpi:live:{c}", since, "+inf") for c in CHANNELS[1:]}
        return {"phone": await self.calls.total()} | {c: int(n) for c, n in live.items()}

    # --- writing -----------------------------------------------------------------------------------
    def add(self, channel: str, fields: Mapping[str, int], conversation: str = "") -> None:
        """Schedule the increments (in the running loop); without one, nothing is recorded. With a
        ``conversation``: in the bucket of the hour it began (``began_hour``)."""
        self.spawn(self.write(channel, dict(fields), self.clock(), conversation))

    def spawn(self, write: Coroutine[Any, Any, None]) -> None:
        """Run one write in the background (``flush`` awaits it); without a running loop, drop it."""
        try:
            task = asyncio.get_running_loop().create_task(write)
        except RuntimeError:
            write.close()
            log.warning("KPI not recorded: no event loop")
            return
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def write(self, channel: str, fields: Mapping[str, int], at: float, conversation: str = "") -> None:
        try:
            key = self.key(channel, await self.began_hour(channel, conversation, at))
            await self.increment(key, fields, self.ttl_s)
        except Exception as exc:  # a KPI is never worth a caller's trouble
            log.warning("KPI %s %s lost: %r", channel, dict(fields), exc)

    async def increment(self, key: str, fields: Mapping[str, int], ttl_s: int) -> None:
        """``HINCRBY`` each field of ``key`` (and its TTL, unless 0), once: each write carries a marker
        (``ADD_ONCE``), so the same write sent again by redis-py after its reply was lost (a connection reset,
        a failover) is not counted twice; a plain pipeline doubled the day's conversations then."""
        args = [str(a) for name, n in fields.items() if n for a in (name, n)]
        if args:
            marker = f"{self.prefix}kpi:w:{uuid.uuid4().hex}"
            await self._add_once(keys=[key, marker], args=[ttl_s, WRITE_MARK_TTL_S, *args])

    async def flush(self) -> None:
        """Wait for this process's writes in flight (a reader then sees every event it recorded)."""
        while self._pending:
            await asyncio.gather(*list(self._pending), return_exceptions=True)

    async def drain(self, timeout_s: float) -> int:
        """Shutdown: ``flush`` for ``timeout_s`` at most (a dead Redis never answers); the writes still in
        flight then are cancelled, logged and counted (the return value), so the pool can close."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + max(0.0, timeout_s)
        while self._pending and loop.time() < deadline:
            await asyncio.wait(list(self._pending), timeout=deadline - loop.time())
        left = list(self._pending)
        for task in left:
            task.cancel()
        if left:
            log.error("%d KPI writes not in Redis at shutdown (no answer within %.1f s): lost", len(left), timeout_s)
        return len(left)

    # --- reading -----------------------------------------------------------------------------------
    async def sums(self, start: float, end: float, channels: tuple[str, ...] = CHANNELS) -> dict[str, dict[str, int]]:
        """Each channel's counters summed over the hours from ``start`` to ``end``. Read: only the hours
        between the retention's start and the end of this hour; why bounded by now and not by ``end``: a
        range reaching into the future (2020-2030, "everything") read the 400 days before 2030, all empty."""
        await self.flush()
        last = (hour_of(self.clock()) + 1) * HOUR  # no bucket lies after this hour's
        hours = list(hours_between(max(start, last - self.ttl_s), min(end, last)))  # older ones have expired
        async with self.redis.pipeline(transaction=False) as pipe:
            for channel in channels:
                for hour in hours:
                    pipe.hgetall(self.key(channel, hour))
            replies: list[Any] = await pipe.execute()
        out: dict[str, dict[str, int]] = {c: {} for c in channels}
        for i, channel in enumerate(channels):
            for fields in replies[i * len(hours) : (i + 1) * len(hours)]:
                add_counts(out[channel], {as_text(k): v for k, v in (fields or {}).items()})
        return out


def rated_key(prefix: str, channel: str, conversation: str) -> str:
    """The marker of a conversation's rating (one per conversation: ``telephony.insights.rating``)."""
    return f"{prefix}kpi:rated:{channel}:{conversation}"
