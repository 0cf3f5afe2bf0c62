"""``infolinia serve`` as an operator first runs it: a roster and Redis, no Twilio token, no internet.

One real ``infolinia serve`` process (speech off: no models needed for these pages) and a real headless
Debian chromium: the server starts (it used to exit naming a class), says in its log that phone transfers
are off because INFOLINIA_TWILIO_AUTH_TOKEN is not set, and the console and agents API work. ``/`` is a
Polish landing page with the status and links; ``/docs`` renders the API list from local assets only.
Screenshots are kept under the test's temporary directory (``landing.png``, ``docs.png``).
"""

from __future__ import annotations

import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.console_servers import AGENTS, browser_session, write_roster
from tests.support.servers import Server, free_port, spawn, stop, wait_ready

pytestmark = pytest.mark.redis
ANNA = AGENTS["anna"]["token"]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, redis_url: str) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("site")
    port = free_port()
    env = {
        "INFOLINIA_REDIS_URL": redis_url,
        "INFOLINIA_REDIS_PREFIX": f"test-site-{uuid.uuid4().hex[:8]}:",
        "INFOLINIA_AGENTS_PATH": str(write_roster(tmp / "agents.yaml")),
        "INFOLINIA_SPEECH": "false",
        "INFOLINIA_TWILIO_AUTH_TOKEN": "",
        "INFOLINIA_LOG_JSON": "false",
    }
    proc = spawn(["telephony.app.cli", "serve", "--port", str(port)], port, env, tmp / "serve.log")
    try:
        wait_ready(proc, "/readyz", timeout_s=120)
        yield proc
    finally:
        stop(proc)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with browser_session() as driver:
        yield driver


def test_serve_starts_without_twilio_and_says_which_setting_turns_transfers_on(server: Server) -> None:
    log = server.log_text()
    assert "INFOLINIA_TWILIO_AUTH_TOKEN is not set: phone transfers to agents are off" in log
    assert "TransferAudio" not in log and "Traceback" not in log
    me = httpx.get(server.url + "/v1/agents/me", headers={"Authorization": f"Bearer {ANNA}"}, timeout=10)
    assert me.status_code == 200 and me.json()["name"] == "Anna Nowak"
    login = httpx.post(server.url + "/agents/login", data={"token": ANNA}, timeout=10)
    assert login.status_code == 303  # the console logs an agent in
    assert httpx.get(server.url + "/twilio/audio/hold-music.wav", timeout=10).status_code == 404  # no transfer


def test_landing_page_in_chromium(server: Server, browser: Any, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By

    browser.get(server.url + "/")
    assert browser.execute_script("return document.documentElement.lang") == "pl"
    assert browser.find_element(By.ID, "state").get_attribute("data-state") == "ready"
    assert browser.find_element(By.ID, "state").text == "Gotowa do pracy"
    assert browser.find_element(By.ID, "brand").text == "Sklep Demo"
    phone = browser.find_element(By.ID, "feature-phone")
    assert phone.get_attribute("data-on") == "false" and "INFOLINIA_TWILIO_AUTH_TOKEN" in phone.text
    assert browser.find_element(By.ID, "feature-console").get_attribute("data-on") == "true"
    transfers = browser.find_element(By.ID, "feature-transfers")
    assert transfers.get_attribute("data-on") == "false"
    assert "INFOLINIA_TWILIO_AUTH_TOKEN" in transfers.text and "INFOLINIA_REDIS_URL" not in transfers.text  # set
    assert browser.find_element(By.ID, "demo-note").is_displayed()
    links = {a.get_attribute("id"): a.get_attribute("href") for a in browser.find_elements(By.CSS_SELECTOR, "nav a")}
    assert links == {f"link-{p}": f"{server.url}/{p}" for p in ("agents", "playground", "docs", "healthz", "readyz")}
    assert "z przekazaniem do konsultanta" in browser.find_element(By.ID, "feature-chat").text  # no Twilio needed
    color = browser.execute_script("return getComputedStyle(document.querySelector('h1')).color")
    assert color == "rgb(11, 92, 173)"  # the stylesheet loaded (from this server)
    assert same_origin_only(browser, server.url)
    assert_no_console_errors(browser)
    shot(browser, tmp_path, "landing")
    browser.find_element(By.ID, "link-agents").click()
    assert browser.current_url == server.url + "/agents/login"


def test_playground_page_names_the_operator(server: Server, browser: Any, tmp_path: Path) -> None:
    """Found by a water utility's walkthrough: the landing page, console and dashboard named the office, the
    browser talk page (the one shown to the staff first) said only "Infolinia"."""
    from selenium.webdriver.common.by import By

    browser.get(server.url + "/playground")
    assert browser.title == "Rozmowa w przeglądarce · Sklep Demo · Infolinia"
    assert browser.find_element(By.ID, "brand").text == "Sklep Demo"
    assert browser.find_element(By.TAG_NAME, "h1").text == "Rozmowa z botem w przeglądarce Sklep Demo"
    assert_no_console_errors(browser)
    shot(browser, tmp_path, "playground")


def test_docs_render_the_api_list_offline(server: Server, browser: Any, tmp_path: Path) -> None:
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(server.url + "/docs")
    paths = "return Array.from(document.querySelectorAll('.opblock-summary-path'), e => e.innerText.trim())"
    WebDriverWait(browser, 30).until(lambda d: len(d.execute_script(paths)) > 5)
    shown = set(browser.execute_script(paths))
    assert {"/v1/chat", "/v1/agents/me", "/v1/queues"} <= {p.replace("\u200b", "") for p in shown}
    assert same_origin_only(browser, server.url)
    assert_no_console_errors(browser)
    shot(browser, tmp_path, "docs")


def same_origin_only(browser: Any, origin: str) -> bool:
    """Every resource the page loaded came from the gateway itself (no CDN)."""
    urls = browser.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
    others = [u for u in urls if not u.startswith(origin + "/")]
    assert others == [], others
    return True


def assert_no_console_errors(browser: Any) -> None:
    assert [e for e in browser.get_log("browser") if e["level"] == "SEVERE"] == []


def shot(browser: Any, tmp_path: Path, name: str) -> None:
    path = tmp_path / f"{name}.png"
    assert browser.save_screenshot(str(path))
    print(f"screenshot: {path}", file=sys.stderr)


def test_a_first_day_history_page_says_nothing_is_kept_yet(server: Server, browser: Any, tmp_path: Path) -> None:
    """A fresh install: the history page's empty state names no search criteria nobody gave; a search by
    a caller's last digits (which finds nothing: numbers match whole) says how to search."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    browser.delete_all_cookies()
    browser.get(server.url + "/agents/login")
    browser.find_element(By.ID, "token").send_keys(ANNA + Keys.ENTER)
    WebDriverWait(browser, 30).until(lambda d: d.current_url == server.url + "/agents")
    browser.get(server.url + "/agents/history")
    assert browser.find_element(By.ID, "h-results").text == "Ostatnie rozmowy"
    assert browser.find_element(By.ID, "history-empty").text == "Nie ma jeszcze rozmów przekazanych do Twoich kolejek."
    shot(browser, tmp_path, "history-first-day")
    browser.get(server.url + "/agents/history?order=48213")
    assert browser.find_element(By.ID, "history-empty").text == "Brak rozmów spełniających kryteria."
    browser.get(server.url + "/agents/history?caller=200")  # the last digits only: says how to search instead
    said = browser.find_element(By.ID, "history-empty").text
    assert said.startswith("Brak rozmów spełniających kryteria.")
    assert "Numer klienta trzeba wpisać w całości: 9 cyfr, np. 600 100 200" in said
