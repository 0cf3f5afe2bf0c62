"""The browser scenario of the console test, step by step (selenium on headless Debian chromium).

An agent logs in on worker B with the keyboard, goes available, receives a transfer that the product's
``WarmTransfer`` queues and rings (Twilio's side played by ``console_twilio.TwilioSide``), reads the
summary, caller number, reason, order and the bot conversation, keeps the transcript through the call
(answered on the phone with 1), finishes wrap-up with an outcome, then claims and closes a callback.
Every state the page shows is cross-checked through the JSON API on worker A.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from selenium.common.exceptions import (
    ElementClickInterceptedException,
    ElementNotInteractableException,
    StaleElementReferenceException,
)
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import Select, WebDriverWait

from telephony.console.view import local_time
from tests.support.console_servers import AGENTS, BRAND
from tests.support.console_ticks import the_wait_ticks
from tests.support.console_twilio import TwilioSide
from tests.support.servers import Server

TOKEN = AGENTS["anna"]["token"]
TRANSFER = {
    "caller": "+48601234567",
    "queue": "reklamacje",
    "reason": "complaint",
    "priority": 1,
    "summary": "Klient reklamuje ekspres z zamówienia 12345: przecieka po tygodniu.",
    "order_id": "12345",
    "transcript": [
        {"role": "bot", "text": "Dzień dobry, w czym mogę pomóc?", "status": "heard", "heard": ""},
        {"role": "caller", "text": "Chcę złożyć reklamację ekspresu, cieknie."},
        {
            "role": "bot",
            "text": "Przykro mi. Łączę z konsultantem.",
            "status": "interrupted",
            "heard": "Przykro mi.",
        },
    ],
}


NO_OUTCOME = ("/agents/wrap-up", "/close")  # the posts refused on purpose, no outcome chosen
DRAFTS = "return Object.keys(sessionStorage).filter(k => k.startsWith('infolinia-draft:'));"
_REPLACED = (StaleElementReferenceException, ElementNotInteractableException, ElementClickInterceptedException)


def fits_a_phone(driver: Any, shot: Callable[[str], None], name: str, back_to: tuple[int, int]) -> None:
    """At a phone's 390 px nothing is wider than the screen (no sideways scrolling, nothing cut: a wide table
    scrolls inside its panel); the screenshot ``name`` shows it, then the window goes ``back_to`` its size."""
    driver.set_window_size(390, 844)
    try:
        script = "return document.documentElement.scrollWidth - document.documentElement.clientWidth;"
        assert driver.execute_script(script) <= 0
        shot(name)
    finally:
        driver.set_window_size(*back_to)


class ConsoleDriver:
    def __init__(self, driver: Any, a: Server, b: Server, twilio: TwilioSide, shots: Path) -> None:
        self.d, self.a, self.b, self.twilio, self.shots = driver, a, b, twilio, shots
        self.wait = WebDriverWait(driver, 15)

    def run_scenario(self) -> None:
        self.log_in()
        self.go_available()
        tid = self.receive_transfer()
        self.talk_and_wrap_up(tid)
        self.handle_callback()
        self.check_console_log()
        self.log_out()

    # -- helpers --

    def api(self, path: str) -> Any:
        response = httpx.get(self.a.url + path, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10)
        assert response.status_code == 200, response.text
        return response.json()

    def el(self, css: str) -> Any:
        return self.wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, css)))

    def until_attr(self, css: str, attr: str, value: str) -> None:
        """Read in one script call: panels are replaced live, so a found element may go stale."""
        script = "const e = document.querySelector(arguments[0]); return e && e.getAttribute(arguments[1]);"
        self.wait.until(lambda d: d.execute_script(script, css, attr) == value)

    def attr(self, css: str, name: str) -> str | None:
        self.el(css)
        script = "return document.querySelector(arguments[0]).getAttribute(arguments[1]);"
        value = self.d.execute_script(script, css, name)
        return None if value is None else str(value)

    def text(self, css: str) -> str:
        self.el(css)
        return str(self.d.execute_script("return document.querySelector(arguments[0]).innerText.trim();", css))

    def texts(self, css: str) -> list[str]:
        script = "return Array.from(document.querySelectorAll(arguments[0]), e => e.innerText.trim());"
        return list(self.d.execute_script(script, css))

    def usable(self, css: str) -> Any:
        """The control once it is shown and enabled (present is not enough: a panel that was just replaced,
        on a loaded machine, may not be laid out yet)."""
        return self.wait.until(ec.element_to_be_clickable((By.CSS_SELECTOR, css)))

    def press(self, css: str, keys: str) -> None:
        """Type into / press a control, finding it again if a live update replaced it meanwhile."""
        self.retry(lambda: self.usable(css).send_keys(keys))

    def click(self, css: str) -> None:
        self.retry(lambda: self.usable(css).click())

    def choose(self, css: str, value: str) -> None:
        self.retry(lambda: Select(self.el(css)).select_by_value(value))

    def retry(self, action: Callable[[], object]) -> None:
        for attempt in range(3):
            try:
                action()
                return
            except _REPLACED:  # a live update swapped or covered the control between finding and using it
                if attempt == 2:
                    raise

    def until_focused(self, element_id: str) -> None:
        self.wait.until(lambda d: d.execute_script("return document.activeElement.id") == element_id)

    def fits_a_phone(self, name: str) -> None:
        fits_a_phone(self.d, self.shot, name, back_to=(1280, 800))

    def shot(self, name: str) -> None:
        self.shots.mkdir(parents=True, exist_ok=True)
        assert self.d.save_screenshot(str(self.shots / f"{name}.png"))

    # -- steps --

    def log_in(self) -> None:
        self.d.get(self.b.url + "/agents")
        self.wait.until(ec.url_to_be(self.b.url + "/agents/login"))
        assert (
            self.text("#main .brand") == f"INFOLINIA · {BRAND}"
        )  # whose line, before logging in (not a bare INFOLINIA)
        self.shot("login")
        field = self.d.switch_to.active_element  # autofocus: the token field
        assert field.get_attribute("id") == "token"
        field.send_keys("zly-token" + Keys.ENTER)
        assert "Nieprawidłowy token" in self.text("#login-error")
        self.d.switch_to.active_element.send_keys(TOKEN + Keys.ENTER)
        self.wait.until(ec.url_to_be(self.b.url + "/agents"))
        assert TOKEN not in self.d.current_url
        cookie = self.d.get_cookie("infolinia_console")
        assert cookie["httpOnly"] and cookie["sameSite"] == "Strict" and TOKEN not in cookie["value"]
        assert self.d.execute_script("return document.cookie") == ""  # invisible to scripts
        assert self.text("#agent-name") == "Anna Nowak"
        self.until_attr("#live-state", "data-state", "live")  # the SSE stream is open
        self.wait.until(lambda d: d.execute_script("return document.querySelector('main').dataset.synced"))
        self.names_the_operator()

    def names_the_operator(self) -> None:
        """Whose line this console serves, in the top bar and the tab's title, as the dashboard names it; a
        long name wraps inside the bar on a phone instead of pushing the page sideways."""
        assert self.text("header.topbar .brand") == f"Infolinia konsola konsultanta {BRAND}"
        assert self.text("#brand") == BRAND
        assert self.d.title == f"Konsola konsultanta · {BRAND} · Infolinia"
        self.shot("console")
        self.fits_a_phone("console-390")

    def go_available(self) -> None:
        self.until_attr("#agent-status", "data-status", "offline")
        self.press("#btn-available", Keys.SPACE)  # keyboard: focus the button and press space
        self.until_attr("#agent-status", "data-status", "available")
        assert self.attr("#btn-available", "aria-pressed") == "true"
        assert "Czekasz na klienta" in self.text("#transfer-empty")
        assert self.api("/v1/agents/me")["status"] == "available"  # seen by the other worker too

    def receive_transfer(self) -> str:
        tid = self.twilio.start_transfer(TRANSFER)
        self.leg = self.twilio.next_agent_call()  # anna was free: the transfer rang her phone
        self.until_attr("#transfer", "data-status", "ringing")  # pushed over SSE from the calling worker
        assert self.text("#transfer-summary") == TRANSFER["summary"]
        assert self.text("#transfer-caller") == "+48 601 234 567"
        assert self.attr("#transfer-caller a", "href") == "tel:+48601234567"
        assert self.text("#transfer-reason") == "Skarga lub reklamacja"
        assert "12345" in self.text("#transfer-order")
        lines = self.texts("#transfer-transcript li")
        assert len(lines) == 3
        assert "Chcę złożyć reklamację ekspresu, cieknie." in lines[1] and lines[1].startswith("KLIENT")
        assert "Przykro mi." in lines[2] and "przerwane przez klienta" in lines[2]
        assert "Łączę z konsultantem" not in lines[2]  # the caller never heard it
        assert self.d.execute_script("return document.getElementById('announcer').textContent").startswith(
            "Przychodzące połączenie"
        )
        assert self.api("/v1/agents/me")["status"] == "busy"
        the_wait_ticks(self.d, self.wait)  # „czekał(a) 0 s” counts on while the phone rings
        assert "odbierz i naciśnij 1" in self.text("#transfer-hint")  # no button here: the phone is answered
        self.shot("ringing")
        return tid

    def talk_and_wrap_up(self, tid: str) -> None:
        self.twilio.agent_accepts(self.leg)  # the phone rings; anna answers and presses 1
        self.until_attr("#transfer", "data-status", "connected")
        assert self.text("#transfer-status") == "Rozmowa w toku"
        assert len(self.texts("#transfer-transcript li")) == 3
        self.twilio.room_ends(tid)
        self.el("#wrapup-form")
        assert self.api("/v1/agents/me")["status"] == "wrap_up"
        assert self.text("#transfer-summary") == TRANSFER["summary"]  # context stays for the notes
        assert len(self.texts("#transfer-transcript li")) == 3
        assert self.attr("#btn-available", "disabled") is not None
        self.shot("wrap-up")
        outcomes = "return [...document.querySelectorAll('#wrapup-form input[name=outcome]')].map(e => e.value);"
        assert "callback" in self.d.execute_script(outcomes)  # a caller has a number to call back (a chat has not)
        self.nothing_without_an_outcome("#btn-wrapup", "#wrapup-error", "rozmowy z listy, zanim zakończysz obsługę.")
        assert (
            self.api("/v1/agents/me")["status"] == "wrap_up" and self.api(f"/v1/transfers/{tid}").get("outcome") is None
        )
        self.press("#outcome-first", Keys.SPACE)  # radio chosen with the keyboard
        self.press("#wrapup-note", "Wysłano kuriera po ekspres.")
        self.reload_keeps_the_draft()
        self.press("#btn-wrapup", Keys.ENTER)
        self.until_attr("#agent-status", "data-status", "available")
        self.until_focused("panel-transfer")  # the form went: focus stays in its panel, not back at the top
        assert not self.d.find_elements(By.CSS_SELECTOR, "#wrapup-form")
        assert self.api("/v1/agents/me")["status"] == "available"
        record = self.api(f"/v1/transfers/{tid}")
        assert record["outcome"] == "resolved" and record["wrap_up_note"] == "Wysłano kuriera po ekspres."
        assert self.d.execute_script(DRAFTS) == []  # sent: nothing kept for a later page

    def reload_keeps_the_draft(self) -> None:
        """F5 in the middle of the wrap-up: the chosen outcome and the note typed so far are still there
        (a reload used to lose both)."""
        self.wait.until(lambda d: d.execute_script(DRAFTS))  # typed, kept for this tab
        self.d.refresh()
        self.el("#wrapup-form")
        note = "return document.getElementById('wrapup-note').value"
        self.wait.until(lambda d: d.execute_script(note) == "Wysłano kuriera po ekspres.")
        assert self.d.execute_script("return document.getElementById('outcome-first').checked")

    def handle_callback(self) -> None:
        body = {
            "queue": "obsluga",
            "phone": "+48600100200",
            "summary": "Prosi o telefon w sprawie faktury.",
            "created_at": "2025-01-07T09:30:00+00:00",
            "transcript": TRANSFER["transcript"],
        }
        cid = self.twilio.new_callback(body)
        item = f"#callback-{cid}"
        assert "Prosi o telefon w sprawie faktury." in self.text(item)  # arrived live
        assert "+48 600 100 200" in self.text(item)
        # when the customer asked, said so: a bare "07.01 10:30" beside the number read as when to call
        assert "zgłoszone 07.01 10:30" in self.text(item)  # 09:30 UTC, in the agents' time zone (Europe/Warsaw)
        self.fits_a_phone("callbacks-390")
        self.press(f"#claim-{cid}", Keys.ENTER)
        self.el(f"#close-{cid}")
        self.until_focused(f"cb-outcome-{cid}")  # keyboard: the next step, the outcome, has the focus
        assert self.api("/v1/callbacks?status=claimed")["callbacks"][0]["claimed_by"] == "anna"
        self.shot("callback")
        assert self.d.execute_script(f"return document.getElementById('cb-outcome-{cid}').value") == ""
        self.nothing_without_an_outcome(
            f"#close-{cid}", f"#cb-error-{cid}", "oddzwonienia z listy, zanim je zamkniesz."
        )
        assert self.api("/v1/callbacks?status=claimed")["callbacks"][0]["id"] == cid  # not closed „rozwiązana”
        self.choose(f"#cb-outcome-{cid}", "no_answer")
        self.click(f"#close-{cid}")  # nobody answered: back in the list for another try, not closed
        self.wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, f"#cb-attempts-{cid}"))
        after = self.api("/v1/callbacks?status=pending")["callbacks"][0]["retry_after"]
        shown = self.text(item)  # "dziś 15:10", or the date when the gap crosses midnight (an evening run failed)
        assert any(f"Klient nie odebrał: 1 raz; kolejna próba od {when}" in shown for when in _local(after))
        assert self.el(f"#claim-{cid}")
        assert self.api("/v1/callbacks?status=closed")["callbacks"] == []
        self.click(f"#claim-{cid}")
        self.choose(f"#cb-outcome-{cid}", "resolved")
        self.click(f"#close-{cid}")
        self.wait.until(lambda d: not d.find_elements(By.CSS_SELECTOR, item))
        closed = self.api("/v1/callbacks?status=closed")["callbacks"]
        assert [(c["id"], c["outcome"], c["failed_attempts"]) for c in closed] == [(cid, "resolved", 1)]

    def nothing_without_an_outcome(self, button: str, error: str, rest: str) -> None:
        """A hasty click with no outcome chosen records nothing (it recorded the first one, „Sprawa
        rozwiązana”): the server refuses, and the form says why, in Polish."""
        self.click(button)
        self.wait.until(lambda d: d.execute_script("return document.querySelector(arguments[0]).innerText", error))
        assert self.text(error) == "Wybierz wynik " + rest

    def check_console_log(self) -> None:
        """No script errors and no Content-Security-Policy violations on the page."""
        severe = [e for e in self.d.get_log("browser") if e["level"] == "SEVERE"]
        expected = [e for e in severe if e["source"] == "network" and "/agents/login - " in e["message"]]
        assert len(expected) == 1 and "401" in expected[0]["message"]  # the wrong token, on purpose
        refused = [e for e in severe if any(f"{p} - " in e["message"] and "409" in e["message"] for p in NO_OUTCOME)]
        assert len(refused) == 2  # no outcome chosen, on purpose: the wrap-up and the callback
        expected += refused
        assert [e for e in severe if e not in expected] == []

    def log_out(self) -> None:
        self.d.find_element(By.CSS_SELECTOR, "form.logout button").click()
        self.wait.until(ec.url_to_be(self.b.url + "/agents/login?wylogowano"))  # the page says it (a bare form did not)
        assert self.text("#logged-out") == "Wylogowano. Nie przyjmujesz już połączeń."
        self.d.get(self.b.url + "/agents")  # the session is gone: back to a plain login, no notice
        self.wait.until(ec.url_to_be(self.b.url + "/agents/login"))
        assert not self.d.find_elements(By.ID, "logged-out")


def _local(iso: str) -> set[str]:
    """How the console words ``iso`` in the agents' time zone, as the page was drawn a moment ago or now (a run
    at midnight reads either)."""
    before = datetime.now(UTC) - timedelta(minutes=1)
    return {local_time(iso, "Europe/Warsaw"), local_time(iso, "Europe/Warsaw", before)}
