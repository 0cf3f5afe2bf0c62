"""The dashboard's "Na żywo · HH:MM:SS" (when the figures were last refreshed) is in the line's time zone
(INFOLINIA_TIMEZONE), as every other time the console and the history show: a wallboard PC left on UTC (a
kiosk's default) showed 17:46 beside callbacks "dziś 18:45". Real gateway workers, Redis, headless chromium."""

from __future__ import annotations

import asyncio
from datetime import datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from selenium.webdriver.common.by import By

from tests.support.dashboard_browser import console_errors, log_in
from tests.support.insights import insights_world

# Far from wherever the test machine's (and so the browser's) clock is set: UTC+5:45, no daylight saving.
ZONE = "Asia/Kathmandu"


async def test_the_live_clock_is_in_the_lines_time_zone(redis_url: str, browser: Any, tmp_path: Path) -> None:
    async with insights_world(redis_url, tmp_path, timezone=ZONE) as w:
        before = datetime.now(ZoneInfo(ZONE)).replace(microsecond=0)
        try:
            await asyncio.to_thread(log_in, browser, w.agents_worker.base, "token-szef")  # waits for the first panels
            shown = await asyncio.to_thread(lambda: browser.find_element(By.ID, "live-state").text)
            after = datetime.now(ZoneInfo(ZONE))
            assert console_errors(browser) == []
        finally:  # the page's event stream closed, so the workers stop at once
            await asyncio.to_thread(browser.get, "about:blank")
        assert shown.startswith("Na żywo · "), shown
        clock = time.fromisoformat(shown.removeprefix("Na żywo · "))
        candidates = {datetime.combine(day, clock, ZoneInfo(ZONE)) for day in (before.date(), after.date())}
        assert any(before <= c <= after for c in candidates), (shown, before, after)
