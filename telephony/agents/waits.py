"""How long a waiting caller will wait, and how to say it in Polish.

The estimate is pure (position, free and staffed agents, the queue's average handling time); the
average is an exponential moving average kept in Redis (``stats:handling:<queue>``) so every worker
updates and reads the same figure. Without enough history the caller hears "kilka minut": a vague
truth is better than a precise wrong number.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from num2words import num2words
from redis.asyncio import Redis

from dialog import catalogue

# Polish numerals in the genitive ("około dwóch minut"): num2words has no cases for Polish.
_UNITS_GEN = (
    "",
    "jednej",
    "dwóch",
    "trzech",
    "czterech",
    "pięciu",
    "sześciu",
    "siedmiu",
    "ośmiu",
    "dziewięciu",
)
_TEENS_GEN = (
    "dziesięciu", "jedenastu", "dwunastu", "trzynastu", "czternastu",
    "piętnastu", "szesnastu", "siedemnastu", "osiemnastu", "dziewiętnastu",
)  # fmt: skip
_TENS_GEN = ("", "", "dwudziestu", "trzydziestu", "czterdziestu", "pięćdziesięciu")

# KEYS: stats hash. ARGV: sample seconds, alpha. EMA updated atomically; returns the new average.
_RECORD = """
local n = tonumber(redis.call('HGET', KEYS[1], 'n') or '0')
local avg = tonumber(redis.call('HGET', KEYS[1], 'avg') or '0')
local x, a = tonumber(ARGV[1]), tonumber(ARGV[2])
if n == 0 then avg = x else avg = avg + a * (x - avg) end
redis.call('HSET', KEYS[1], 'avg', tostring(avg), 'n', n + 1)
return tostring(avg)
"""


@dataclass(frozen=True)
class WaitModel:
    """Tunables of the estimate. ``residual``: share of an average call still to run when a caller
    starts waiting for the next free agent (0.5 for uniformly spread call ends; checked by the bench)."""

    ring_s: float = 20.0  # a free agent is rung and picks up
    residual: float = 0.5
    overhead_s: float = 30.0  # per call ahead, on top of its talk time: wrap-up, ringing the agent
    min_samples: int = 3  # fewer finished calls than this: no number


def estimate_wait_s(
    position: int,
    available: int,
    staffed: int,
    avg_handling_s: float | None,
    model: WaitModel | None = None,
) -> float | None:
    """Expected seconds until an agent takes the caller at ``position`` (1-based, in serving order).

    Callers within the free agents are rung at once. Beyond them, the caller needs ``k = position -
    available`` calls to end; with ``staffed`` agents busy, one ends every ``avg / staffed`` seconds
    on average, the first after ``residual`` of that. None when unknowable (no history, nobody staffed).
    """
    m = model or WaitModel()
    if position <= available:
        return m.ring_s
    if avg_handling_s is None or staffed <= 0:
        return None
    k = position - available
    return m.ring_s + (k - 1 + m.residual) * (avg_handling_s + m.overhead_s) / staffed


def genitive(n: int) -> str:
    """Cardinal numeral in the genitive, 1..59 ("dwudziestu pięciu")."""
    if not 1 <= n <= 59:
        raise ValueError("genitive numerals cover 1..59")
    if n < 10:
        return _UNITS_GEN[n]
    if n < 20:
        return _TEENS_GEN[n - 10]
    tens, units = divmod(n, 10)
    unit = "jeden" if units == 1 else _UNITS_GEN[units]  # "dwudziestu jeden"
    return f"{_TENS_GEN[tens]} {unit}".strip()


def wait_phrase(seconds: float | None) -> str:
    """'około minuty', 'około dwóch minut', 'około dwudziestu minut', 'ponad godzinę', or 'kilka minut'
    when unknown. Longer waits are rounded to 5 minutes (false precision sounds like a promise)."""
    if seconds is None:
        return catalogue.WAIT_FEW_MINUTES
    if seconds < 90:
        return catalogue.WAIT_ABOUT_ONE_MINUTE
    minutes = round(seconds / 60)
    if minutes > 15:
        minutes = 5 * round(minutes / 5)
    if minutes >= 60:
        return catalogue.WAIT_OVER_AN_HOUR
    return catalogue.WAIT_ABOUT_MINUTES.format(n=genitive(minutes))


def ordinal_locative(n: int) -> str:
    """'pierwszym', 'trzecim', 'dwudziestym piątym': num2words' ordinal put in the locative."""
    words = str(num2words(n, lang="pl", to="ordinal")).split()
    return " ".join(w + "m" if w.endswith(("y", "i")) else w for w in words)


def hold_announcement(position: int | None, seconds: float | None) -> str:
    """What a waiting caller hears before hold music (repeated with fresh figures)."""
    parts = [catalogue.HOLD_CONNECTING]
    if position is not None and position >= 1:
        parts.append(catalogue.QUEUE_POSITION.format(ordinal=ordinal_locative(position)))
    parts.append(catalogue.WAIT_ESTIMATE.format(wait=wait_phrase(seconds)))
    return " ".join(parts)


def update_average(avg: float | None, n: int, sample: float, alpha: float) -> float:
    """Exponential moving average (the pure twin of the Redis script, used by the bench)."""
    return sample if n == 0 or avg is None else avg + alpha * (sample - avg)


class HandlingStats:
    """Per-queue moving average of handling time (connected -> hang-up) in Redis."""

    def __init__(self, redis: Redis, *, prefix: str = "infolinia:", alpha: float = 0.2, min_samples: int = 3) -> None:
        self.redis, self.prefix, self.alpha, self.min_samples = redis, prefix, alpha, min_samples
        self._record = redis.register_script(_RECORD)

    def _key(self, queue: str) -> str:
        return f"{self.prefix}stats:handling:{queue}"

    async def record(self, queue: str, seconds: float) -> float:
        """Add one finished call; returns the new average."""
        return float(await self._record(keys=[self._key(queue)], args=[max(0.0, float(seconds)), self.alpha]))

    async def average(self, queue: str) -> float | None:
        """The average, or None with fewer than ``min_samples`` calls (then: "kilka minut")."""
        row = await self.redis.hgetall(self._key(queue))
        if int(row.get("n") or 0) < self.min_samples:
            return None
        return float(row["avg"])


async def queue_estimate(
    stats: HandlingStats,
    counts: Callable[[str], Awaitable[tuple[int, int]]],
    queue: str,
    position: int,
    model: WaitModel | None = None,
) -> float | None:
    """Convenience for callers holding the repo: ``counts`` is ``AgentRepo.counts``."""
    available, staffed = await counts(queue)
    return estimate_wait_s(position, available, staffed, await stats.average(queue), model)
