"""The supervisor dashboard in headless Debian chromium (selenium), step by step. Blocking calls: the
async test runs each step in a thread while its event loop serves the gateway."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

GUARD_S = 30  # an outer bound on waits for things that take milliseconds; never a timing assertion
READ_KPIS = "return Object.fromEntries([...document.querySelectorAll('[data-kpi]')].map(e => [e.dataset.kpi, e.textContent.trim()]));"  # noqa: E501


def log_in(driver: Any, base: str, token: str) -> None:
    driver.get(base + "/agents/dashboard")  # anonymous: sent to the console's login
    wait = WebDriverWait(driver, GUARD_S)
    wait.until(lambda d: d.current_url.endswith("/agents/login"))
    driver.find_element(By.ID, "token").send_keys(token)
    driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait.until(lambda d: d.current_url.rstrip("/").endswith("/agents"))
    driver.get(base + "/agents/dashboard")
    # The first panels pushed, not only the stream open: both set the state "live", and a test that read the
    # page at "open" found "Na żywo" without the refresh time (a flaky failure once the first push took longer).
    wait.until(lambda d: d.execute_script("return document.getElementById('dashboard').dataset.updates"))


def heading(driver: Any) -> tuple[str, str]:
    """The page's heading as shown (the operator's name in it) and the tab's title."""
    return driver.find_element(By.CSS_SELECTOR, "header.top h1").text, driver.title


def kpis(driver: Any) -> dict[str, str]:
    values: dict[str, str] = driver.execute_script(READ_KPIS)
    return values


def until_kpi(driver: Any, name: str, value: str) -> dict[str, str]:
    """Wait until the live page shows ``value`` for ``name`` (an SSE update), then read every figure."""
    WebDriverWait(driver, GUARD_S).until(lambda d: kpis(d).get(name) == value)
    return kpis(driver)


# The figures whose cell runs onto a second line: a text box starting below the first line's bottom.
WRAPPED = """return [...document.querySelectorAll('table.figures td')].filter(td => {
  const range = document.createRange(); range.selectNodeContents(td);
  const boxes = [...range.getClientRects()];
  const firstBottom = Math.min(...boxes.map(b => b.bottom));
  return boxes.some(b => b.top >= firstBottom - 1);
}).map(td => td.innerText);"""


def screenshots(driver: Any, shots: Path, sizes: tuple[tuple[int, int], ...]) -> list[Path]:
    """The page at each size (a wallboard, a laptop, a phone), never wider than the window, no figure wrapped."""
    out = []
    for width, height in sizes:
        driver.set_window_size(width, height)
        wider = "return document.documentElement.scrollWidth - document.documentElement.clientWidth;"
        assert driver.execute_script(wider) <= 0, (width, height)  # wide tables scroll inside their cards
        assert driver.execute_script(WRAPPED) == [], (width, height)  # "0,25" above its "s" on a laptop
        path = shots / f"dashboard-{width}x{height}.png"
        assert driver.save_screenshot(str(path))
        out.append(path)
    return out


def console_errors(driver: Any) -> list[str]:
    return [e["message"] for e in driver.get_log("browser") if e.get("level") == "SEVERE"]
