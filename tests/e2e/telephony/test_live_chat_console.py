"""Live chat in the agent console, in a real headless Debian chromium: two gateway workers built from
Settings over the suite's real Redis; the customer writes to one, the agent's browser is on the other."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from tests.support.live_chat import threaded_workers

pytestmark = pytest.mark.redis


def test_agent_accepts_a_chat_and_answers_it_in_a_real_browser(redis_url: str, browser: Any, tmp_path: Path) -> None:
    from tests.support.chat_browser import ChatConsoleDriver

    shots = Path(os.environ.get("CONSOLE_SCREENSHOT_DIR") or tmp_path)
    with threaded_workers(redis_url, tmp_path, {"anna": "Anna Nowak"}) as (customer, agents, _):
        ChatConsoleDriver(browser, customer, agents, shots).run_chat_scenario()
