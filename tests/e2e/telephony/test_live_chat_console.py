"""Live chat in the agent console, in a real headless Debian chromium: two gateway workers built from
Settings over the suite's real Redis; the customer writes to one, the agent's browser is on the other."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from tests.support.live_chat import AUTH, threaded_workers

pytestmark = pytest.mark.redis


@pytest.mark.parametrize("twilio_token", [AUTH, ""], ids=["with-twilio", "chat-only-no-twilio-token"])
def test_agent_accepts_a_chat_and_answers_it_in_a_real_browser(
    redis_url: str, browser: Any, tmp_path: Path, twilio_token: str
) -> None:
    """The same scenario with and without ``INFOLINIA_TWILIO_AUTH_TOKEN``: a chat hand-off needs no Twilio."""
    from tests.support.chat_browser import ChatConsoleDriver

    shots = Path(os.environ.get("CONSOLE_SCREENSHOT_DIR") or tmp_path)
    with threaded_workers(redis_url, tmp_path, {"anna": "Anna Nowak"}, twilio_token) as (customer, agents, _):
        ChatConsoleDriver(browser, customer, agents, shots).run_chat_scenario()


def test_odrzuc_declines_the_offered_chat_in_a_real_browser(redis_url: str, browser: Any, tmp_path: Path) -> None:
    from tests.support.chat_browser import ChatConsoleDriver

    agents = {"anna": "Anna Nowak", "bartek": "Bartek Wiśniewski"}
    with threaded_workers(redis_url, tmp_path, agents) as (customer, agents_url, _):
        ChatConsoleDriver(browser, customer, agents_url, tmp_path).run_decline_scenario()


def test_the_tab_title_counts_new_lines_of_a_chat_longer_than_the_panel(
    redis_url: str, browser: Any, tmp_path: Path
) -> None:
    """Past the panel's last 100 lines each new one pushes the oldest off: the title counted the customer's lines
    on the panel, which then stayed the same, and an agent in another tab was not told the customer wrote."""
    from tests.support.chat_browser import ChatConsoleDriver

    lifted = {"rate_limit_handoff": "1000/minute", "rate_limit_ip": "1000/minute"}  # a chat longer than the panel
    with threaded_workers(redis_url, tmp_path, {"anna": "Anna Nowak"}, **lifted) as (customer, agents, _):
        ChatConsoleDriver(browser, customer, agents, tmp_path).run_long_chat_scenario()
