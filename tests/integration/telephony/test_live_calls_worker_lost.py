"""The dashboard's "Rozmowy z botem teraz" (phone calls in progress) when a worker dies mid-call, through the real
gateway workers and Redis: its calls are not ended by it (no ``call_ended``: killed, its machine lost), so a shared
counter kept them forever; the tile then never went back to 0. Each worker's count lives as long as it says so."""

from __future__ import annotations

from pathlib import Path

from telephony.call.deps import CallReport
from telephony.insights.recorder import InsightMetrics
from tests.support.clock import FakeClock
from tests.support.insights import InsightsWorld, insights_world


async def _phone_now(w: InsightsWorld) -> int:
    response = await w.agent("GET", "/v1/stats/live", "szef")
    assert response.status_code == 200, response.text
    return int(response.json()["in_progress"]["phone"])


async def test_a_dead_workers_calls_leave_the_in_progress_tile(redis_url: str, tmp_path: Path) -> None:
    async with insights_world(redis_url, tmp_path) as w:
        dead, alive = w.chat_worker.gateway, w.agents_worker.gateway
        clock = FakeClock(alive.kpis.clock())  # type: ignore[union-attr]
        for gateway in (dead, alive):
            assert isinstance(gateway.metrics, InsightMetrics) and gateway.kpis is not None
            gateway.kpis.clock = clock
            gateway.metrics.call_started()  # one call on each worker
        assert await _phone_now(w) == 2
        assert dead._gauges is not None
        dead._gauges.cancel()  # the worker is gone: no call_ended, no word from it any more
        clock.t += 120  # a couple of minutes later the living worker has refreshed its figures
        assert isinstance(alive.metrics, InsightMetrics)
        await alive.metrics.refresh_gauges()
        assert await _phone_now(w) == 1  # was 2, for good
        # the hash's TTL is refreshed by the living worker every 15 s: the dead one's field goes when read, not then
        assert list(await w.redis.hgetall(f"{w.prefix}kpi:calls")) == [alive.kpis.calls.worker]  # type: ignore[union-attr]
        alive.metrics.call_ended(CallReport("CA-alive", None, "transferred", [], []))
        assert await _phone_now(w) == 0
