"""Chats that end by going quiet, counted once across every worker: the Redis side of ``idle.py``.

Keys (prefix ``<prefix>kpi:``): ``idle:<channel>`` a sorted set of the conversations still with the bot,
scored by their last bot turn; ``last:<channel>`` a hash of what that turn was (``LastTurn.encode``);
``wanted:<channel>:<conversation>`` set when its customer asked for a person nobody could be (it sticks);
``informed:<channel>:<conversation>`` set once the bot gave it an answer (an entry, an order's status; it sticks);
``flagged:<channel>:<conversation>`` set by every turn of a worker that writes ``informed`` (none: a chat whose
turns were all written by a worker from before that flag, judged by its last answer alone, as that worker did);
``outcome:<channel>:<conversation>`` the verdict counted so far and the hour bucket it went into.

Why Lua: every worker runs the sweep; it reads the conversations idle past the cut-off (``_PEEK``) and each
is taken out of the set *and* counted in one atomic step (``_SETTLE`` with its score), so each quiet chat is
decided by exactly one worker (another finds it gone), a turn that lands meanwhile (a new score) keeps it in
the set, and a sweep that fails or is cancelled midway (a connection reset, a shutdown) leaves what it did
not count in the set for the next one: taking a batch out before counting it lost it.

A chat continued after it was counted is counted once still (``_SETTLE``): the verdict is *revised*, never
added twice. The next quiet spell decides again; a different verdict moves the count (``contained`` -1 in
the bucket it was in, ``unresolved`` +1), the same one changes nothing; an explicit end the engine calls
solved is the same as ``contained``. A hand-off to a person takes back whatever the bot was credited
with (the chat counts as transferred) and is final: the bot is never credited for a chat a person took,
as the engine never calls such a conversation solved. A *new* conversation under the same id (a chat whose
session expired, answered as a fresh one under the client's id) is not a continuation: its first turn drops
the old one's verdict and flags (``seen`` with ``new``), and its own is counted on its own day.
"""

from __future__ import annotations

import asyncio
import logging

from telephony.insights.buckets import as_text, hour_of
from telephony.insights.idle import IDLE_CHANNELS, LastTurn, idle_outcome
from telephony.insights.kpis import KpiStore

log = logging.getLogger(__name__)
OUTCOME_TTL_S = 2 * 86400  # a chat continued later than this is a new conversation for the KPIs
BATCH = 200  # conversations claimed per script run (a large backlog takes several, none blocks Redis long)
HANDED = "handed"

# KEYS: idle zset, last-turn hash. ARGV: cut-off, batch. Returns [id, last turn, score, ...], left in the set.
_PEEK = """
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
local out = {}
for _, id in ipairs(ids) do
  table.insert(out, id)
  table.insert(out, redis.call('HGET', KEYS[2], id) or '')
  table.insert(out, redis.call('ZSCORE', KEYS[1], id))
end
return out
"""

# KEYS: outcome key, new bucket[, idle zset, last-turn hash]. ARGV: verdict (contained | unresolved | handed),
# bucket TTL, outcome TTL[, conversation, score as peeked]. With the last two of each: counted only if the
# conversation is still in the set with that score, and taken out of it (-1: gone or moved on, nothing done).
# Returns 1 when the counts changed.
_SETTLE = """
if KEYS[3] then
  if redis.call('ZSCORE', KEYS[3], ARGV[4]) ~= ARGV[5] then return -1 end
  redis.call('ZREM', KEYS[3], ARGV[4])
  redis.call('HDEL', KEYS[4], ARGV[4])
end
local old = redis.call('GET', KEYS[1])
local verdict, bucket = nil, nil
if old then verdict, bucket = string.match(old, '^([^|]*)|(.*)$') end
if verdict == 'handed' or verdict == ARGV[1] then return 0 end
if verdict and verdict ~= '' then redis.call('HINCRBY', bucket, verdict, -1) end
redis.call('SET', KEYS[1], ARGV[1] .. '|' .. KEYS[2], 'EX', tonumber(ARGV[3]))
if ARGV[1] ~= 'handed' then
  redis.call('HINCRBY', KEYS[2], ARGV[1], 1)
  redis.call('EXPIRE', KEYS[2], tonumber(ARGV[2]))
end
return 1
"""


class ChatOutcomes:
    """Track the chats with the bot, and settle each quiet one once (``sweep``, from any worker)."""

    def __init__(self, kpis: KpiStore, idle_after_s: float, channels: tuple[str, ...] = IDLE_CHANNELS) -> None:
        self.kpis, self.idle_after_s, self.channels = kpis, idle_after_s, channels
        self.redis, self.prefix = kpis.redis, f"{kpis.prefix}kpi:"
        self._peek = self.redis.register_script(_PEEK)
        self._settle = self.redis.register_script(_SETTLE)

    def tracks(self, channel: str) -> bool:
        return channel in self.channels

    # --- events (sync, fire-and-forget like every KPI write) ----------------------------------------
    def seen(
        self,
        channel: str,
        conversation: str,
        last: LastTurn | None,
        new: bool = False,
        verdict: str = "",
        at: float = 0,
    ) -> None:
        """The bot answered a turn: remember it (``last``), or forget the chat when it is over for the bot; and
        count the ``verdict`` the turn settled (``settle``). ``new``: the turn opened a conversation, so what an
        earlier one under the same id left (its verdict, its flags) is dropped first. Why: a chat whose session
        expired is continued the next day as a fresh one under the client's id; it kept the old verdict (its own,
        the same, changed nothing: its solution counted nowhere; a different one was taken back from the old
        conversation's day). Why then one task, the verdict after the drop: counted before, it went with it; its
        hour is this one (the conversation begins now), so that chain is no longer than a later turn's."""
        if not new:
            self.kpis.spawn(self._seen(channel, conversation, last))
            if verdict:
                self.settle(channel, conversation, verdict, at)
            return
        self.kpis.spawn(self._seen_then(channel, conversation, last, verdict, at))

    async def _seen_then(self, channel: str, conversation: str, last: LastTurn | None, verdict: str, at: float) -> None:
        await self._seen(channel, conversation, last, new=True)
        if verdict:
            await self._safe_settle(channel, conversation, verdict, at, hour_of(at))

    def settle(self, channel: str, conversation: str, verdict: str, at: float) -> None:
        """Count (or revise to) ``verdict`` for the conversation, in the bucket of ``at``."""
        self.kpis.spawn(self._safe_settle(channel, conversation, verdict, at))

    def _keys(self, channel: str) -> list[str]:
        return [f"{self.prefix}idle:{channel}", f"{self.prefix}last:{channel}"]

    def _wanted(self, channel: str, conversation: str) -> str:
        return f"{self.prefix}wanted:{channel}:{conversation}"

    def _informed(self, channel: str, conversation: str) -> str:
        return f"{self.prefix}informed:{channel}:{conversation}"

    def _flagged(self, channel: str, conversation: str) -> str:
        return f"{self.prefix}flagged:{channel}:{conversation}"

    def _state(self, channel: str, conversation: str) -> list[str]:
        """What one conversation leaves behind for its verdict: the verdict counted, and its sticky flags."""
        kinds = ("outcome", "wanted", "informed", "flagged")
        return [f"{self.prefix}{kind}:{channel}:{conversation}" for kind in kinds]

    async def _was_informed(self, channel: str, conversation: str) -> bool:
        """Whether the chat was given an answer (``informed``). A chat no worker flagged (a rolling update: its
        turns were written before the flag, it went quiet across the update) is judged as its writer judged it,
        by its last answer alone: else every chat those workers answered from the KB counted unresolved."""
        informed, flagged = await self.redis.mget(
            [self._informed(channel, conversation), self._flagged(channel, conversation)]
        )
        return informed is not None or flagged is None

    async def _seen(self, channel: str, conversation: str, last: LastTurn | None, new: bool = False) -> None:
        idle, turns = self._keys(channel)
        try:
            async with self.redis.pipeline(transaction=True) as pipe:
                if new:
                    pipe.delete(*self._state(channel, conversation))
                if last is None:
                    pipe.zrem(idle, conversation)
                    pipe.hdel(turns, conversation)
                else:
                    pipe.zadd(idle, {conversation: last.at})
                    pipe.hset(turns, conversation, last.encode())
                    pipe.expire(idle, OUTCOME_TTL_S)
                    pipe.expire(turns, OUTCOME_TTL_S)
                    if last.wanted_person:  # only ever set: a later sweep of the same chat still sees it
                        pipe.set(self._wanted(channel, conversation), 1, ex=OUTCOME_TTL_S)
                    if last.informed:  # the same: thanks after an answer leaves the chat solved
                        pipe.set(self._informed(channel, conversation), 1, ex=OUTCOME_TTL_S)
                    pipe.expire(self._informed(channel, conversation), OUTCOME_TTL_S)  # kept while the chat goes on
                    pipe.set(self._flagged(channel, conversation), 1, ex=OUTCOME_TTL_S)
                await pipe.execute()
        except Exception as exc:
            log.warning("KPI idle tracking of %s lost: %r", conversation, exc)

    async def _safe_settle(
        self, channel: str, conversation: str, verdict: str, at: float, hour: int | None = None
    ) -> None:
        try:
            await self._settle_now(channel, conversation, verdict, at, hour=hour)
        except Exception as exc:
            log.warning("KPI outcome %s of %s lost: %r", verdict, conversation, exc)

    async def _settle_now(
        self, channel: str, conversation: str, verdict: str, at: float, score: str = "", hour: int | None = None
    ) -> int:
        """1: counted (or revised); 0: nothing to change; -1 (``score``: the sweep's, taken out of the idle set
        with it): another worker took it first, or a turn moved it on."""
        began = hour if hour is not None else await self.kpis.began_hour(channel, conversation, at)  # with its start
        bucket = self.kpis.key(channel, began)
        keys = [f"{self.prefix}outcome:{channel}:{conversation}", bucket]
        args: list[str | float] = [verdict, self.kpis.ttl_s, OUTCOME_TTL_S]
        if score:
            keys, args = [*keys, *self._keys(channel)], [*args, conversation, score]
        return int(await self._settle(keys=keys, args=args))

    # --- the sweep ----------------------------------------------------------------------------------
    async def sweep(self) -> int:
        """Decide every conversation quiet for ``idle_after_s`` (those this worker takes first); how many."""
        await self.kpis.flush()  # this worker's own turns are in Redis before it judges them
        now, decided = self.kpis.clock(), 0
        for channel in self.channels:
            while rows := await self._peek(keys=self._keys(channel), args=[now - self.idle_after_s, BATCH]):
                taken, counted = await self._decide(channel, rows, now)
                decided += counted
                if len(rows) < 3 * BATCH or not taken:  # the last batch, or every one taken by other workers
                    break
        return decided

    async def _decide(self, channel: str, rows: list[str | bytes], now: float) -> tuple[int, int]:
        """Settle one peeked batch: how many this worker took out of the set, and how many it counted."""
        taken = counted = 0
        for i in range(0, len(rows), 3):
            conversation, score = as_text(rows[i]), as_text(rows[i + 2])
            wanted = bool(await self.redis.exists(self._wanted(channel, conversation)))
            informed = await self._was_informed(channel, conversation)
            last = LastTurn.decode(as_text(rows[i + 1]), float(score), wanted, informed)
            verdict = idle_outcome(last, now, self.idle_after_s)
            if verdict is None:
                continue
            result = await self._settle_now(channel, conversation, verdict, last.at, score)
            taken, counted = taken + (result >= 0), counted + (result == 1)
        return taken, counted

    async def keep_sweeping(self, every_s: float | None = None) -> None:
        """Sweep until cancelled (a Redis outage skips a round, never ends the loop)."""
        every = every_s if every_s is not None else min(60.0, max(1.0, self.idle_after_s / 10))
        while True:
            try:
                await self.sweep()
            except Exception as exc:
                log.warning("quiet chats not swept: %r", exc)
            await asyncio.sleep(every)
