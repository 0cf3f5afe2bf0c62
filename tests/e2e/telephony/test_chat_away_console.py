"""A chat customer who left a chat connected to an agent, in the agent's console in a real headless Debian
chromium (two gateway workers over the suite's real Redis, as ``test_live_chat_console.py``): once unseen for
``INFOLINIA_CHAT_GONE_AFTER_S`` the chat panel shows the customer away and the chat's line, live over the
console's stream, the chat still open for the agent; the customer's next poll brings them back on the panel."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from redis import Redis
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from dialog import catalogue
from tests.support.live_chat import threaded_workers

pytestmark = pytest.mark.redis

GONE_S = 60.0  # the setting's floor: a worker judges nobody for a whole grace after it is ready


def test_the_console_shows_a_connected_customer_who_left_and_came_back(
    redis_url: str, browser: Any, tmp_path: Path
) -> None:
    from tests.support.chat_browser import ChatConsoleDriver

    with threaded_workers(redis_url, tmp_path, {"anna": "Anna Nowak"}, chat_gone_after_s=GONE_S) as (
        customer,
        agents,
        prefix,
    ):
        shots = Path(os.environ.get("CONSOLE_SCREENSHOT_DIR") or tmp_path)
        ui = ChatConsoleDriver(browser, customer, agents, shots)
        ui.log_in_as("token-anna")
        ui.press("#btn-available", Keys.SPACE)
        ui.until_attr("#agent-status", "data-status", "available")
        sid, tid = ui.customer_asks_for_a_person()
        ui.accept(tid)
        assert not ui.d.find_elements("css selector", "#chat-away")

        long_ago = json.dumps(time.time() - 10 * GONE_S)  # the customer's tab closed long ago, after the accept
        with Redis.from_url(redis_url, decode_responses=True) as redis:
            redis.hset(f"{prefix}transfer:{tid}", mapping={"connected_at": long_ago, "customer_seen_at": long_ago})
        patient = WebDriverWait(ui.d, GONE_S + 30)  # the workers' own grace after they were ready, then a sweep
        patient.until(lambda d: d.find_elements("css selector", "#chat-away"))
        assert catalogue.CHAT_CUSTOMER_AWAY in ui.text("#chat-log")
        assert ui.attr("#transfer", "data-status") == "connected"  # not ended: the agent decides
        ui.shot("chat-customer-away")

        assert httpx.get(f"{customer}/v1/chat/{sid}", timeout=10).status_code == 200  # the customer's page polls
        ui.wait.until(lambda d: catalogue.CHAT_CUSTOMER_BACK in ui.text("#chat-log"))
        ui.wait.until(lambda d: not d.find_elements("css selector", "#chat-away"))
        ui.end_and_wrap_up(tid)
