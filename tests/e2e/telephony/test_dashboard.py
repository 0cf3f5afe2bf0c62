"""The supervisor dashboard in real Debian chromium: after the scripted day (``infolinia bench day``'s script,
through the real gateway, Redis and Twilio's part on the wire; the stand-in dialog keeps it quick), every
figure the page shows is what the script did; it updates live over SSE; an agent without the supervisor
role is refused; screenshots at wallboard and laptop sizes (``DASHBOARD_SCREENSHOT_DIR`` keeps them)."""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path
from typing import Any

import httpx

from dialog.ports import Miss
from telephony.devtools.day import DAY, VOCABULARY, expected, make_available, run_day
from telephony.devtools.day_world import DayWorld, day_world, token
from tests.support.dashboard_browser import console_errors, heading, kpis, log_in, screenshots, until_kpi
from tests.support.insights import PhoneDialog

SIZES = ((1920, 1080), (1280, 800), (390, 844))


async def test_the_dashboard_shows_the_scripted_day_and_updates_live(
    redis_url: str, browser: Any, tmp_path: Path
) -> None:
    shots = Path(os.environ.get("DASHBOARD_SCREENSHOT_DIR") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    async with day_world(redis_url, VOCABULARY, PhoneDialog) as w:
        assert await run_day(w) == []
        await _questions_the_bot_missed(w)
        await asyncio.to_thread(log_in, browser, w.base, token("szef"))
        assert w.gateway.shop is not None and w.gateway.shop.brand.name == "Sklep Demo"  # the demo KB's
        brand = await asyncio.to_thread(heading, browser)  # whose line this is, as the greeting names it
        assert brand == ("Panel kierownika Sklep Demo", "Panel kierownika · Sklep Demo · Infolinia")
        shown = await asyncio.to_thread(kpis, browser)
        _the_days_figures_per_channel(shown)
        assert shown["today.phone.callbacks"] == "1/1"
        assert (shown["agent.anna.answered"], shown["agent.bartek.answered"]) == ("1", "1")
        assert shown["agent.anna.csat"] == "3,00 (1)" and shown["agent.bartek.csat"] == "2,00 (1)"  # decimal comma
        assert shown["live.waiting"] == "0" and shown["live.in_progress"] == "1"  # the chat left open with the bot
        booked = sum(1 for c in DAY if c.ending == "booked")  # the speaker's callback; the phone one was made
        assert shown["live.callbacks_due"] == str(booked) == "1"
        assert shown["live.kb_misses"] == "2"  # today's, less the one an offered entry resolved
        total = sum(f["conversations"] for f in expected().values())
        assert shown["today.total.conversations"] == str(total)
        paths = await asyncio.to_thread(screenshots, browser, shots, SIZES)
        assert all(p.stat().st_size > 10_000 for p in paths)

        # live: a new chat and an agent going available show up without reloading the page
        await w.chat("Jakie są koszty dostawy?")
        await make_available(w, "bartek")  # out of the day's wrap-up, which the API no longer ends without outcome
        now = await asyncio.to_thread(
            until_kpi, browser, "today.chat.conversations", str(expected()["chat"]["conversations"] + 1)
        )
        assert now["live.agents_available"] == "1" and now["today.total.conversations"] == str(total + 1)
        await asyncio.to_thread(_misses_link_to_the_gaps_page, browser, w.base)
        assert console_errors(browser) == []

        await _refused_to_an_agent_and_linked_for_the_supervisor(w)
        # the same refusal in the browser: a Polish page with the way back, no script errors
        refused_shot = await asyncio.to_thread(_refused_page, browser, w.base, token("anna"), shots)
        assert refused_shot.stat().st_size > 5_000
        errors = [e for e in console_errors(browser) if "status of 403" not in e]  # the page's own status
        assert errors == []


def _the_days_figures_per_channel(shown: dict[str, str]) -> None:
    """Each channel's figures on the page are the scripted day's (``expected``), the rating with a comma."""
    for channel, figures in expected().items():
        for name in ("conversations", "contained", "transferred", "abandoned", "csat_count"):
            assert shown[f"today.{channel}.{name}"] == str(figures[name]), (channel, name)
        avg = figures["csat_avg"]
        assert shown[f"today.{channel}.csat_avg"] == ("–" if avg is None else f"{avg:.2f}".replace(".", ","))


async def _refused_to_an_agent_and_linked_for_the_supervisor(w: DayWorld) -> None:
    """An agent without the supervisor role gets a Polish page (not JSON) and no link to it on her console;
    the supervisor's console links the dashboard and the KB gaps."""
    async with httpx.AsyncClient(base_url=w.base) as http:
        login = await http.post("/agents/login", data={"token": token("anna")})
        assert login.status_code == 303
        refused = await http.get("/agents/dashboard")
        assert refused.status_code == 403 and refused.headers["content-type"].startswith("text/html")
        assert "Panel kierownika jest dostępny dla kierownika zmiany" in refused.text  # a page, not JSON
        assert 'id="link-history"' in (await http.get("/agents")).text
        assert 'id="link-dashboard"' not in (await http.get("/agents")).text
    async with httpx.AsyncClient(base_url=w.base) as http:  # the supervisor's console links both pages
        assert (await http.post("/agents/login", data={"token": token("szef")})).status_code == 303
        console = (await http.get("/agents")).text
        assert 'id="link-dashboard"' in console and 'id="link-gaps"' in console


async def _questions_the_bot_missed(w: DayWorld) -> None:
    """Two questions today the bot could not answer, one it could once the caller picked an offered entry
    (no gap), one three days old (not today's)."""
    assert w.gateway.history is not None
    book, now = w.gateway.history.gaps.book, time.time()
    for miss in (
        Miss("Czy robicie grawerowanie?", "phone", now - 60),
        Miss("Czy grawerujecie zegarki?", "chat", now - 30),
        Miss("Mogę oddać buty?", "chat", now - 20, resolved_as="zwrot-jak"),
        Miss("Czy jest wypożyczalnia?", "chat", now - 3 * 86400),
    ):
        await book.record(miss)


def _misses_link_to_the_gaps_page(driver: Any, base: str) -> None:
    """The supervisor follows the figure to the questions themselves (and comes back)."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    driver.find_element(By.ID, "tile-gaps").click()
    WebDriverWait(driver, 30).until(lambda d: d.current_url == base + "/agents/gaps?period=today")
    assert "Czy robicie grawerowanie?" in driver.find_element(By.ID, "main").text
    driver.back()
    WebDriverWait(driver, 30).until(lambda d: d.current_url == base + "/agents/dashboard")


def _refused_page(driver: Any, base: str, agent_token: str, shots: Path) -> Path:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    driver.delete_all_cookies()  # the supervisor's session goes; an agent logs in
    driver.get(base + "/agents/login")
    driver.find_element(By.ID, "token").send_keys(agent_token)
    driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    WebDriverWait(driver, 30).until(lambda d: d.current_url.rstrip("/").endswith("/agents"))
    driver.get(base + "/agents/dashboard")
    text = driver.find_element(By.ID, "dashboard-forbidden").text
    assert "Panel kierownika jest dostępny dla kierownika zmiany" in text and "konsoli" in text
    driver.set_window_size(1280, 800)
    path = shots / "dashboard-forbidden.png"
    assert driver.save_screenshot(str(path))
    return path
