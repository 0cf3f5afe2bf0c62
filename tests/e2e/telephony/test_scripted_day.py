"""The scripted day (``infolinia bench day``): calls, chats and speaker conversations through the real
gateway, the real dialog engine, a real Redis and Twilio's part on the wire; then ``/v1/stats`` must show
exactly what the script did, channel by channel, agent by agent, and so must the Prometheus gauges."""

from __future__ import annotations

from telephony.devtools.day import DAY, VOCABULARY, compare, expected, run_day, supervisor_stats
from telephony.devtools.day_world import day_world
from telephony.exposition import parse_exposition
from telephony.insights.recorder import InsightMetrics


async def test_a_scripted_day_shows_exactly_what_the_script_did(redis_url: str) -> None:
    async with day_world(redis_url, VOCABULARY) as w:
        assert await run_day(w) == []  # every contact ended as scripted
        stats = await supervisor_stats(w)
        assert compare(stats) == []
        want = expected()
        assert [stats["channels"][c]["conversations"] for c in ("phone", "chat", "speaker")] == [5, 4, 2]
        assert want["phone"]["csat_avg"] == 4.0 and stats["channels"]["phone"]["csat_count"] == 3
        assert stats["total"]["conversations"] == len(DAY)
        assert stats["channels"]["chat"]["transfers_by_reason"] == {"requested_human": 2}

        # every rating lands in the history too, the phone survey's included (they were lost: the call
        # record named the session id offered at /twilio/voice, not the one the engine opened)
        history = await w.agent("GET", "/v1/history", "szef")
        rated = sorted((c["channel"], c["rating"]) for c in history.json()["conversations"] if c["rating"])
        scores = sorted((c.channel, c.score) for c in DAY if c.score is not None and c.channel != "speaker")
        assert rated == scores == [("chat", 2), ("chat", 5), ("phone", 3), ("phone", 4), ("phone", 5)]

        metrics = w.gateway.metrics
        assert isinstance(metrics, InsightMetrics)
        await metrics.refresh_gauges()
        scrape = parse_exposition((await w.http.get(f"{w.base}/metrics")).text, ["infolinia_kpi_today"])
        for channel, figures in want.items():
            for name in ("conversations", "contained", "transferred", "csat_count"):
                assert scrape[f"infolinia_kpi_today{{channel={channel},kpi={name}}}"] == figures[name], (channel, name)
