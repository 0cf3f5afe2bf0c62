"""The dashboard's agent response times are the samples' own: one agent answering after 21 s showed as
"30 s / 30 s" (the upper bound of its histogram bin). Now each answer is also counted per whole second, so
p50 / p90 are exact; hours recorded before that (bins only) are estimated within the bin and say so ("≈").
Real gateway workers, Redis, headless chromium."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

from telephony.insights.kpis import KpiStore
from tests.support.dashboard_browser import console_errors, log_in, until_kpi
from tests.support.insights import insights_world


async def test_agent_response_percentiles_are_exact_or_marked_approximate(
    redis_url: str, browser: Any, tmp_path: Path
) -> None:
    async with insights_world(redis_url, tmp_path) as w:
        kpis = KpiStore(w.redis, prefix=w.prefix)
        kpis.waited("phone", "obsluga", "answered", 21.0, "anna")  # as the phone's queue records an answer
        await kpis.flush()
        await kpis.write("chat", {"agent_frt:2": 1}, time.time())  # a bucket written with bins only (20-30 s)
        try:
            await asyncio.to_thread(log_in, browser, w.agents_worker.base, "token-szef")
            shown = await asyncio.to_thread(until_kpi, browser, "today.phone.agent_frt", "21 s / 21 s")
            assert shown["today.chat.agent_frt"] == "≈ 25 s / ≈ 29 s", shown
            assert console_errors(browser) == []
        finally:  # the page's event stream closed, so the workers stop at once
            await asyncio.to_thread(browser.get, "about:blank")
