"""The dashboard's "Rozmowy z botem teraz" during a rolling update, through the real gateway workers and Redis:
workers of the previous release count their calls in one shared counter (``<prefix>kpi:active``, field
``phone``, HINCRBY through ``ADD_ONCE``, no TTL) that the new workers never read, so the old workers' calls
vanished from the tile the moment a new worker answered it. The old counter is added while it moves; once it has
not moved for ``LEGACY_STALE_S`` it is only what killed workers never ended (the old bug), and is left out."""

from __future__ import annotations

from pathlib import Path

from telephony.insights.kpis import KpiStore
from telephony.insights.live_calls import LEGACY_STALE_S
from telephony.insights.recorder import InsightMetrics
from tests.support.clock import FakeClock
from tests.support.insights import InsightsWorld, insights_world


async def _phone_now(w: InsightsWorld) -> int:
    response = await w.agent("GET", "/v1/stats/live", "szef")
    assert response.status_code == 200, response.text
    return int(response.json()["in_progress"]["phone"])


async def test_an_old_workers_calls_stay_on_the_tile_during_a_rolling_update(redis_url: str, tmp_path: Path) -> None:
    async with insights_world(redis_url, tmp_path) as w:
        new = w.agents_worker.gateway
        assert isinstance(new.metrics, InsightMetrics) and new.kpis is not None
        clock = FakeClock(new.kpis.clock())
        new.kpis.clock = clock
        old = KpiStore(w.redis, prefix=w.prefix)  # the previous release wrote its calls so:
        active = f"{w.prefix}kpi:active"

        async def old_call(delta: int) -> None:
            await old.increment(active, {"phone": delta}, 0)

        await old_call(+1)
        await old_call(+1)
        new.metrics.call_started()
        assert await _phone_now(w) == 3  # was 1: the old workers' two calls vanished
        await old_call(-1)
        clock.t += LEGACY_STALE_S - 60  # a long call on an old worker: the counter still moved lately enough
        await new.metrics.refresh_gauges()
        assert await _phone_now(w) == 2
        await old_call(-1)  # the old workers' last call ended: 0, the same as no counter for an HINCRBY
        assert await _phone_now(w) == 1 and not await w.redis.exists(active)
        await old_call(+1)  # an old worker still running takes a call after that: counted again
        assert await _phone_now(w) == 2


async def test_a_counter_left_by_killed_old_workers_leaves_the_tile(redis_url: str, tmp_path: Path) -> None:
    async with insights_world(redis_url, tmp_path) as w:
        new = w.agents_worker.gateway
        assert isinstance(new.metrics, InsightMetrics) and new.kpis is not None
        clock = FakeClock(new.kpis.clock())
        new.kpis.clock = clock
        active = f"{w.prefix}kpi:active"
        await KpiStore(w.redis, prefix=w.prefix).increment(active, {"phone": 4}, 0)  # 4 calls never ended
        assert await _phone_now(w) == 4  # for now these may be an old worker's calls
        clock.t += LEGACY_STALE_S + 1  # not moved for that long: no old worker is counting in it any more
        await new.metrics.refresh_gauges()
        assert await _phone_now(w) == 0  # it was 4 for good with the shared counter
        assert await w.redis.ttl(active) > 0  # and it goes away by itself (it had no TTL)
