"""Redis dies under an agent's open console (real chromium, a private redis-server killed): a button pressed
then says it failed (the live badge and the screen reader's announcement), and opening the console again
shows the Polish 503 page, not JSON. ``GUARD_S`` only bounds a hang; nothing here is timed."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from tests.support.outage import outage_gateway
from tests.support.redis import RedisServer, own_redis  # noqa: F401  (fixture)

GUARD_S = 30
FAILED = "Nie udało się: serwer chwilowo nie odpowiada. Spróbuj ponownie za chwilę."
REFUSED = "Nie udało się. Odśwież stronę i spróbuj ponownie."
BRAND = "Wodociągi Miejskie"


def _log_in(driver: Any, base: str) -> None:
    driver.get(base + "/agents/login")
    driver.find_element(By.ID, "token").send_keys("token-anna" + Keys.ENTER)
    wait = WebDriverWait(driver, GUARD_S)
    live = "const e = document.getElementById('live-state'); return e && e.dataset.state"
    wait.until(lambda d: d.execute_script(live) == "live")
    wait.until(lambda d: d.execute_script("return document.querySelector('main').dataset.synced"))


def _refused_action(driver: Any) -> tuple[str, str]:
    """A button whose action the server refuses (a 404, as for a page out of date): the agent is told it
    failed, and the badge does not claim the server is down."""
    driver.execute_script("document.getElementById('btn-available').form.action = '/agents/no-such-action'")
    driver.find_element(By.ID, "btn-available").send_keys(Keys.SPACE)
    announced = "return document.getElementById('announcer').textContent"
    WebDriverWait(driver, GUARD_S).until(lambda d: d.execute_script(announced) == REFUSED)
    state = driver.execute_script("return document.getElementById('live-state').dataset.state")
    driver.refresh()  # the form as the server renders it again
    WebDriverWait(driver, GUARD_S).until(
        lambda d: d.execute_script("return document.querySelector('main').dataset.synced")
    )
    return str(state), str(driver.find_element(By.ID, "live-state").text)


def _press_available(driver: Any) -> str:
    driver.find_element(By.ID, "btn-available").send_keys(Keys.SPACE)
    announced = "return document.getElementById('announcer').textContent"
    WebDriverWait(driver, GUARD_S).until(lambda d: d.execute_script(announced) == FAILED)
    return str(driver.find_element(By.ID, "live-state").text)


def _reopen(driver: Any, base: str, shots: Path) -> str:
    driver.get(base + "/agents")
    driver.set_window_size(390, 844)
    assert driver.save_screenshot(str(shots / "console-outage-390.png"))
    driver.set_window_size(1280, 800)
    return str(driver.find_element(By.TAG_NAME, "main").text)


async def test_an_agent_is_told_when_redis_is_down(
    own_redis: RedisServer,  # noqa: F811
    browser: Any,
    tmp_path: Path,
) -> None:
    async with outage_gateway(own_redis, tmp_path, extra={"brand_name": BRAND}) as w:
        await asyncio.to_thread(_log_in, browser, w.base)
        state, _ = await asyncio.to_thread(_refused_action, browser)
        assert state == "live"  # refused is not "the server is down"
        own_redis.kill()
        badge = await asyncio.to_thread(_press_available, browser)
        assert badge in ("serwer nie odpowiada", "ponowne łączenie…")  # the live stream may notice first
        page = await asyncio.to_thread(_reopen, browser, w.base, tmp_path)
        assert "Konsola jest chwilowo niedostępna" in page and "detail" not in page
        assert BRAND.upper() in page.upper()  # whose console it is, even while Redis is down (CSS: capitals)
