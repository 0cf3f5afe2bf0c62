"""The bot's p95 on the supervisor dashboard, through the real gateway and Redis: the bot's reply times are kept
in bins only, so its p95 is known to be at most a bin's upper bound, or more than the last bound. The page said
the bound as if measured: one 0.1 s reply read "0,25 s", one 14 s reply "20 s" (twice the last bound)."""

from __future__ import annotations

import re
from pathlib import Path

import httpx

from telephony.insights.kpis import KpiStore
from tests.support.insights import insights_world


def _bot_p95(page: str, channel: str) -> str:
    row = re.search(rf'<tr class="row-{channel}">(.*?)</tr>', page, re.S)
    assert row is not None, channel
    return re.findall(r"<td[^>]*>(.*?)</td>", row.group(1), re.S)[-2].strip()


async def test_the_bots_p95_reads_as_the_bound_it_is(redis_url: str, tmp_path: Path) -> None:
    async with insights_world(redis_url, tmp_path) as w:
        kpis = KpiStore(w.redis, prefix=w.prefix)
        await kpis.write("phone", {"conversations": 1, "turn:0": 1}, kpis.clock())  # a reply within 0.25 s
        await kpis.write("speaker", {"conversations": 1, "turn:12": 1}, kpis.clock())  # over 10 s
        async with httpx.AsyncClient(base_url=w.agents_worker.base, timeout=10) as szef:
            assert (await szef.post("/agents/login", data={"token": "token-szef"})).status_code == 303
            page = (await szef.get("/agents/dashboard")).text
        assert (_bot_p95(page, "phone"), _bot_p95(page, "speaker"), _bot_p95(page, "chat")) == (
            "≤ 0,25 s",  # was "0,25 s"
            "&gt; 10 s",  # was "20 s"
            "–",
        )
        chart = re.search(r'<h2 id="h-lat">.*?</section>', page, re.S)
        assert chart is not None  # the 7-day chart: today's bar (every channel: 2 replies, the p95 past 10 s)
        assert re.findall(r'<text class="val"[^>]*>(.*?)</text>', chart.group(0))[-1] == "&gt; 10 s"  # was "20 s"
        stats = (await w.agent("GET", "/v1/stats?channel=speaker", "szef")).json()["channels"]["speaker"]["turn"]
        assert (stats["p95_s"], stats["exact"]) == (20.0, False)  # the API's figure: the bin's, flagged inexact


BAR = re.compile(r'<rect class="([^"]*)" x="[^"]*" y="([^"]*)" width="[^"]*" height="([^"]*)"/>')


async def test_the_7_day_p95_chart_caps_a_bar_past_the_last_bound_at_its_top(redis_url: str, tmp_path: Path) -> None:
    """A p95 past 10 s is known only as "> 10 s": its bar stops at the chart's top, as tall as a day at 10 s,
    marked as beyond it. It was drawn at the bin's upper bound, 20 s, so a day at 10 s stood half as tall."""
    async with insights_world(redis_url, tmp_path) as w:
        kpis = KpiStore(w.redis, prefix=w.prefix)
        await kpis.write("chat", {"conversations": 1, "turn:11": 1}, kpis.clock() - 86400)  # yesterday: ≤ 10 s
        await kpis.write("chat", {"conversations": 1, "turn:12": 1}, kpis.clock())  # today: over 10 s
        async with httpx.AsyncClient(base_url=w.agents_worker.base, timeout=10) as szef:
            assert (await szef.post("/agents/login", data={"token": "token-szef"})).status_code == 303
            page = (await szef.get("/agents/dashboard")).text
        chart = re.search(r'<h2 id="h-lat">.*?</section>', page, re.S)
        assert chart is not None
        bars = BAR.findall(chart.group(0))[-2:]
        labels = re.findall(r'<text class="val"[^>]*>(.*?)</text>', chart.group(0))[-2:]
        assert labels == ["≤ 10 s", "&gt; 10 s"]
        (yesterday, y_top, y_height), (today, t_top, t_height) = bars
        assert (yesterday, today) == ("bar", "bar over")  # the one past the last bound says so
        assert (t_top, t_height) == (y_top, y_height) == ("22.0", "134.0")  # both at the top: was 67.0 and 134.0
