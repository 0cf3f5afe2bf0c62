"""History in the agent console, in a real headless Debian chromium against the real gateway app (real
HTTP, the suite's real Redis, the real sentence-embedding model for the gaps page):

* the incoming-transfer card tells the agent about the caller's earlier contacts ("Klient dzwonił(a)
  2 dni temu w sprawie skargi lub reklamacji") with the note an agent left then;
* the agent's wrap-up note lands in the conversation's history;
* the history page finds conversations by caller number and by order, an agent seeing only their queues'
  (a supervisor all), with masked transcripts;
* the KB gaps page (supervisors) shows the misses grouped by meaning and offers the YAML download, and
  apart the wordings callers resolved by picking an entry offered after a miss (to add to its questions).

Screenshots go to ``HISTORY_SCREENSHOT_DIR`` (default: the test's tmp folder)."""

from __future__ import annotations

import asyncio
import os
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import Select, WebDriverWait

from dialog.ports import CallerInfo, Miss
from dialog.store import MemoryStore
from telephony.app.factory import create_app
from telephony.app.services import Services
from telephony.history.gaps import MissBook
from telephony.history.store import HistoryStore
from telephony.settings import Settings
from telephony.transfer.record import TransferRecord
from telephony.transfer.store import TransferStore
from tests.support.access import agent, key, settings_for
from tests.support.agents import redis_client, token_of
from tests.support.call import ScriptedDialog
from tests.support.console_browser import fits_a_phone
from tests.support.servers import serve_in_thread

AGENTS = [agent("anna", ["reklamacje"]), agent("ola", ["obsluga"]), agent("szef", ["obsluga"], "supervisor")]
CALLER = "+48600100200"
DAY = 86400.0


def session(sid: str, at: float, turns: list[tuple[str, str]], **extra: Any) -> dict[str, Any]:
    return {"id": sid, "created_at": at, "updated_at": at, "history": [list(t) for t in turns], "slots": {}, **extra}


async def seed(settings: Settings, redis_url: str) -> None:
    """Two days ago the caller complained (an agent noted it); today they call again and are put through to
    Anna, who is now wrapping up that call. Another caller asked about order 48213 (queue obsluga). Misses."""
    redis, prefix, now = redis_client(redis_url), settings.redis_prefix, time.time()
    history = HistoryStore(redis, prefix)
    phone = CallerInfo("phone", CALLER)
    complaint = [("caller", "Chcę zareklamować ekspres, mój PESEL to [PESEL]"), ("bot", "Łączę z działem reklamacji.")]
    await history.saved(session("s-old", now - 2 * DAY - 600, complaint, slots={"transfer_reason": "complaint"},
                                first_request="Chcę zareklamować ekspres"), phone)  # fmt: skip
    await history.add_note("s-old", "kasia", "follow_up", "Wysłano kuriera po ekspres", "reklamacje")
    today = [("caller", "Dzwonię znowu w sprawie ekspresu"), ("bot", "Łączę z konsultantem.")]
    await history.saved(session("s-now", now - 300, today, slots={"transfer_reason": "complaint"}), phone)
    order = [("caller", "Gdzie jest zamówienie 48213?"), ("bot", "Zamówienie 48213 jest w drodze.")]
    await history.saved(session("s-order", now - DAY, order, order_id="48213", kb_given=["status"]),
                        CallerInfo("phone", "+48511222333"))  # fmt: skip
    transfers = TransferStore(redis, prefix=prefix)
    await transfers.create(TransferRecord(
        tid="t-now", call_sid="CA-now", caller=CALLER, queue="reklamacje", reason="complaint", session_id="s-now",
        summary="Klient dzwoni ponownie w sprawie reklamacji ekspresu.", created_at=now - 200, enqueued_at=now - 200,
        status="completed", agent_id="anna", transcript=[{"role": "caller", "text": today[0][1]}],
    ))  # fmt: skip
    await redis.hset(f"{prefix}agent:anna", mapping={"status": "wrap_up", "last_transfer": "t-now"})
    book = MissBook(redis, prefix)
    for text in ["Czy robicie grawerowanie?", "Czy grawerujecie zegarki?", "Czy robicie grawerowanie?",
                 "Czy mogę wypożyczyć odkurzacz?", "Czy jest wypożyczalnia?", "bla bla", "[numer]"]:  # fmt: skip
        await book.record(Miss(text, "phone", now - 3600))
    for text in ["Mogę oddać buty?", "Czy przyjmiecie z powrotem buty?"]:  # picked "zwrot-jak" when offered
        await book.record(Miss(text, "chat", now - 1800, session_id="s-" + text[:4], resolved_as="zwrot-jak"))
    await redis.aclose()


@pytest.fixture(scope="module")
def server(redis_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Settings, str]]:
    settings = settings_for(redis_url, tmp_path_factory.mktemp("history-console"), AGENTS)
    services = Services(settings, MemoryStore(), ScriptedDialog())
    with serve_in_thread(create_app(settings, services), lifespan="auto") as url:
        httpx.get(url + "/readyz", timeout=30)  # start-up published the roster
        asyncio.run(seed(settings, redis_url))
        yield settings, url


class Page:
    def __init__(self, driver: Any, url: str, shots: Path) -> None:
        self.d, self.url, self.shots = driver, url, shots
        self.wait = WebDriverWait(driver, 30)
        driver.set_window_size(1280, 900)

    def el(self, css: str) -> Any:
        return self.wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, css)))

    def text(self, css: str) -> str:
        self.el(css)
        return str(self.d.execute_script("return document.querySelector(arguments[0]).innerText.trim();", css))

    def shot(self, name: str) -> None:
        self.shots.mkdir(parents=True, exist_ok=True)
        assert self.d.save_screenshot(str(self.shots / f"{name}.png"))

    def fits_a_phone(self, name: str) -> None:
        fits_a_phone(self.d, self.shot, name, back_to=(1280, 900))

    def log_in(self, who: str) -> None:
        self.d.delete_all_cookies()
        self.d.get(self.url + "/agents/login")
        self.el("#token").send_keys(token_of(who) + Keys.ENTER)
        self.wait.until(ec.url_to_be(self.url + "/agents"))
        # the live stream is open and the panels re-fetched once: nothing replaces them under our hands now
        live = "return document.querySelector('#live-state').dataset.state"
        self.wait.until(lambda d: d.execute_script(live) == "live")
        self.wait.until(lambda d: d.execute_script("return document.querySelector('main').dataset.synced"))

    def act(self, css: str, *keys: str) -> None:
        """Click (or type into) a control, finding it again if a live update replaced it meanwhile."""
        for attempt in range(3):
            try:
                element = self.el(css)
                element.send_keys(*keys) if keys else element.click()
                return
            except StaleElementReferenceException:
                if attempt == 2:
                    raise


def cards_on_a_phone(page: Page) -> None:
    """At 390 px each conversation is a card of labelled lines: its matter and outcome are on the screen
    (in the table they were off to the right, behind a sideways scroll, the date broken over three lines)."""
    page.d.set_window_size(390, 844)
    try:
        script = """const r = document.querySelector(".history-row[data-id='s-old']");
            return Array.from(r.querySelectorAll("td"), td => [td.dataset.label, td.getBoundingClientRect().right,
                getComputedStyle(td, "::before").content]);"""
        cells = page.d.execute_script(script)
        width = page.d.execute_script("return document.documentElement.clientWidth")
        labels = {label: before for label, _, before in cells}
        assert labels["Sprawa"] == '"Sprawa"' and labels["Wynik"] == '"Wynik"'  # each line names what it is
        assert all(right <= width for _, right, _ in cells), cells  # nothing to scroll sideways for
        page.shot("history-2c-cards-390")
    finally:
        page.d.set_window_size(1280, 900)


def audit_log_page(page: Page, url: str) -> None:
    """The supervisor opens the audit log from the console (it was only JSON at /v1/audit): Anna's reads
    of the transcripts she was shown are there, with her name, where from and the Polish local time;
    narrowed to an agent who read nothing, an empty state that says so."""
    page.act("#link-audit")
    page.wait.until(ec.url_to_be(url + "/agents/audit"))
    rows = page.d.find_elements(By.CSS_SELECTOR, "#audit-table .audit-row")
    anna = [r.text for r in rows if r.get_attribute("data-agent") == "anna"]
    assert any("Agent anna historia rozmów s-old" in t for t in anna)  # read through the API first (once)
    assert any("Agent anna przekazanie do konsultanta t-now konsola" in t for t in anna)  # the card she was shown
    assert re.match(r"\d\d\.\d\d\.20\d\d \d\d:\d\d:\d\d", page.text("#audit-table .audit-row td"))
    page.shot("history-5-audit-log")
    page.fits_a_phone("history-5-audit-log-390")
    Select(page.el("#q-agent")).select_by_value("ola")
    page.act("#btn-audit")
    page.wait.until(ec.url_to_be(url + "/agents/audit?agent=ola"))
    assert page.text("#audit-empty") == "Ten konsultant nie otwierał zapisów rozmów."


def supervisor_moves_between_pages(page: Page, url: str) -> None:
    """A supervisor goes history -> dashboard -> KB gaps -> dashboard -> history by the pages' own links
    (the dashboard linked no history, history and gaps no dashboard: the way was back through the console)."""
    page.d.get(url + "/agents/history")
    for link, lands_on in [("#link-dashboard", "/agents/dashboard"), ("#link-gaps", "/agents/gaps"),
                           ("#link-dashboard", "/agents/dashboard"), ("#link-history", "/agents/history")]:  # fmt: skip
        page.act(link)
        page.wait.until(ec.url_to_be(url + lands_on))


def an_agent_sees_only_her_queues(page: Page, url: str) -> None:
    """Anna (queue obsluga) finds no other queue's conversation, and no supervisor's page or link."""
    page.d.get(url + "/agents/history?order=48213")
    assert "Brak rozmów" in page.text("#history-empty")  # queue obsluga: not Anna's
    assert not page.d.find_elements(By.CSS_SELECTOR, "#link-dashboard, #link-gaps")  # not hers either
    page.d.get(url + "/agents/gaps")
    assert "kierownika" in page.text("#gaps-forbidden")
    page.d.get(url + "/agents/audit")
    assert "kierownika" in page.text("#audit-forbidden")


def supervisor_searches_every_queue(page: Page, url: str) -> None:
    """The supervisor finds another queue's conversation by its order; a wrong date range is said in Polish."""
    page.d.get(url + "/agents/history?order=48213")
    assert [r.get_attribute("data-id") for r in page.d.find_elements(By.CSS_SELECTOR, ".history-row")] == ["s-order"]
    page.shot("history-3-supervisor-by-order")
    page.d.get(url + "/agents/history?start=2026-12-08&end=2026-12-01")  # a range backwards: said, in Polish
    assert page.text("#history-error").startswith("Data „Od” jest późniejsza niż data „Do”")
    page.d.get(url + "/agents/history?start=1.12.2026")
    assert page.text("#history-error").startswith("Nieprawidłowa data „Od”")
    assert not page.d.find_elements(By.CSS_SELECTOR, "#history-empty")  # no search ran: no "nothing found"
    page.shot("history-3b-bad-date")


def kb_gaps_page(page: Page, url: str) -> None:
    """The questions the bot could not answer, grouped, the noise last, the resolved ones apart; a download."""
    page.d.get(url + "/agents/gaps")
    heads = [th.text for th in page.d.find_elements(By.CSS_SELECTOR, "#gaps-table thead th")]
    assert heads == ["Ile razy", "Przełączono do konsultanta", "Jak pytano"]  # „Przełączono” said not to whom
    rows = page.d.find_elements(By.CSS_SELECTOR, "#gaps-table .gap-row")
    assert len(rows) == 3 and rows[0].text.startswith("3 0 Czy robicie grawerowanie? (2×)")
    assert "wypożycz" in rows[1].text
    noise = page.el("#gaps-table .gap-noise")  # words naming no topic: counted, last, not a KB entry
    assert noise.text.startswith("2 0 Bez pytania") and "bla bla" in noise.text and "[numer]" in noise.text
    assert "7 pytań w 2 grupach" in page.text("main")
    resolved = page.text("#resolved-table")  # understood after the two nearest entries were offered
    assert "zwrot-jak" in resolved and "Mogę oddać buty?" in resolved and "Czy przyjmiecie" in resolved
    page.shot("history-4-kb-gaps")
    page.fits_a_phone("history-4-kb-gaps-390")
    download = page.el("#gaps-download").get_attribute("href")
    assert download.endswith("/agents/gaps.yaml?days=7")


def test_history_in_the_console(server: tuple[Settings, str], browser: Any, tmp_path: Path) -> None:
    _, url = server
    page = Page(browser, url, Path(os.environ.get("HISTORY_SCREENSHOT_DIR") or tmp_path))
    page.log_in("anna")
    card = page.text("#transfer-earlier")
    assert "Klient dzwonił(a) 2 dni temu w sprawie skargi lub reklamacji" in card
    assert "Wysłano kuriera po ekspres" in card
    assert "Dzwonię znowu" not in card  # the call on the card is not its own earlier contact
    page.shot("history-1-card-earlier-contacts")

    page.act("#outcome-first")
    page.act("#wrapup-note", "Kurier odbierze ekspres w piątek")
    page.act("#btn-wrapup")
    page.wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#transfer-empty"))
    noted = httpx.get(url + "/v1/history", params={"caller": CALLER}, headers=key(token_of("anna")), timeout=30)
    latest = noted.json()["conversations"][0]
    assert latest["id"] == "s-now" and latest["notes"][-1]["note"] == "Kurier odbierze ekspres w piątek"

    page.act("#link-history")
    page.el("#q-caller").send_keys("600 100 200" + Keys.ENTER)
    page.wait.until(lambda d: "caller=600" in d.current_url)
    rows = page.d.find_elements(By.CSS_SELECTOR, "#history-results .history-row")
    assert [r.get_attribute("data-id") for r in rows] == ["s-now", "s-old"]
    assert "Kurier odbierze ekspres w piątek" in page.text("#history-results")
    # whose note: the agent's name as the console and the dashboard say it, not their roster id ("anna"); an
    # agent no longer on the roster ("kasia") by the id that is all there is
    assert "Notatka (Agent anna): Sprawa rozwiązana" in page.text(".history-row[data-id='s-now']")
    assert "Notatka (kasia): Wymaga dalszych działań" in page.text(".history-row[data-id='s-old']")
    page.d.find_element(By.CSS_SELECTOR, ".history-row[data-id='s-old'] summary").click()
    assert "[PESEL]" in page.text(".history-row[data-id='s-old'] .transcript")
    page.shot("history-2-search-by-caller")
    page.fits_a_phone("history-2-search-by-caller-390")
    assert re.fullmatch(r"\d\d\.\d\d\.20\d\d \d\d:\d\d", page.text(".history-row[data-id='s-old'] td"))  # 07.12.2026
    cards_on_a_phone(page)
    an_agent_sees_only_her_queues(page, url)

    page.log_in("szef")
    audit_log_page(page, url)
    supervisor_moves_between_pages(page, url)
    supervisor_searches_every_queue(page, url)
    kb_gaps_page(page, url)
