"""The dashboard's "Pytania bez odpowiedzi dziś" and the gaps page its figure links to agree, through the real
gateway over real HTTP and a real Redis: both count since the local midnight (the link used to open the last
24 hours, so a question asked yesterday evening was listed under a figure that did not count it)."""

from __future__ import annotations

import re
import time
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest

from dialog.ports import Miss
from telephony.console.history_pages import gaps_period
from telephony.history.gaps import MissBook
from telephony.history.when import day_start
from tests.support.access import agent, gateways, settings_for
from tests.support.agents import redis_client, token_of

TODAY, YESTERDAY = "Czy robicie grawerowanie?", "Czy jest wypożyczalnia?"
TILE = re.compile(r'<a href="([^"]*)" id="tile-gaps">')


async def test_the_kb_misses_tile_opens_the_gaps_of_today(redis_url: str, tmp_path: Path) -> None:
    settings = settings_for(redis_url, tmp_path, [agent("szef", ["obsluga"], "supervisor")])
    now = time.time()
    midnight = day_start(now, ZoneInfo(settings.timezone))
    redis = redis_client(redis_url)
    book = MissBook(redis, settings.redis_prefix)
    await book.record(Miss(TODAY, "chat", (midnight + now) / 2))  # after midnight, whenever the test runs
    await book.record(Miss(YESTERDAY, "phone", midnight - 1))  # within the last 24 h, but yesterday
    with gateways(settings) as (url,), httpx.Client(base_url=url, timeout=120) as browser:
        assert browser.post("/agents/login", data={"token": token_of("szef")}).status_code == 303
        board = browser.get("/agents/dashboard").text
        assert re.search(r'data-kpi="live.kb_misses">1<', board)  # the tile: today's one question
        link = TILE.findall(board)[0]
        assert link == "/agents/gaps?period=today"
        today = browser.get(link)
        assert today.status_code == 200 and TODAY in today.text and YESTERDAY not in today.text
        assert "1 pytanie w 1 grupie" in today.text and "nie zrozumiał: dziś (od północy)" in today.text
        assert 'href="/agents/gaps.yaml?period=today"' in today.text
        assert YESTERDAY not in browser.get("/agents/gaps.yaml?period=today").text
        last_day = browser.get("/agents/gaps?days=1").text  # the last 24 hours: both, as the heading says
        assert TODAY in last_day and YESTERDAY in last_day and "ostatnie 24 godziny" in last_day
        assert browser.get("/agents/gaps?period=yesterday").status_code == 422
    await redis.aclose()


@pytest.mark.parametrize(("days", "title"), [(1, "ostatnie 24 godziny"), (7, "ostatnie 7 dni")])
def test_a_period_of_days_is_the_last_days_until_now(days: int, title: str) -> None:
    period = gaps_period(1_765_000_000.0, "Europe/Warsaw", days, None)
    assert (period.since, period.title, period.query) == (1_765_000_000.0 - days * 86400, title, f"days={days}")


def test_today_starts_at_the_local_midnight() -> None:
    noon_warsaw = 1_765_105_200.0  # 2025-12-07 11:00 UTC = 12:00 in Warsaw
    period = gaps_period(noon_warsaw, "Europe/Warsaw", 7, "today")
    assert period.since == noon_warsaw - 12 * 3600 and period.query == "period=today"
