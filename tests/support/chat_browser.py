"""The browser scenario of the live-chat console test (selenium on headless Debian chromium): an agent
logs in on the agents' worker, goes available, gets a chat the customer asked for on the other worker,
reads the bot's summary and conversation, accepts, reads the customer's message as it arrives, answers
with the keyboard (Enter sends), ends the chat and finishes wrap-up with an outcome. The customer's side
is plain HTTP (``POST /v1/chat``, ``GET /v1/chat/{id}``), and every state is cross-checked over the API.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as ec

from telephony.console.panels import PANEL_MESSAGES
from tests.support.console_browser import ConsoleDriver
from tests.support.live_chat import SUMMARY, bearer


class Site:
    def __init__(self, url: str) -> None:
        self.url = url


class ChatConsoleDriver(ConsoleDriver):
    """``ConsoleDriver``'s helpers; ``a`` is the customer's worker, ``b`` the agents'."""

    def __init__(self, driver: Any, customer: str, agents: str, shots: Path) -> None:
        super().__init__(driver, Site(customer), Site(agents), None, shots)  # type: ignore[arg-type]

    def api(self, path: str, agent_id: str = "anna") -> Any:
        response = httpx.get(self.b.url + path, headers=bearer(agent_id), timeout=10)
        assert response.status_code == 200, response.text
        return response.json()

    def customer(self, text: str, session_id: str | None = None) -> dict[str, Any]:
        body = {"text": text, **({"session_id": session_id} if session_id else {})}
        response = httpx.post(self.a.url + "/v1/chat", json=body, timeout=10)
        assert response.status_code == 200, response.text
        result: dict[str, Any] = response.json()
        return result

    def run_chat_scenario(self) -> None:
        self.log_in_as("token-anna")
        self.until_attr("#agent-status", "data-status", "offline")
        self.press("#btn-available", Keys.SPACE)
        self.until_attr("#agent-status", "data-status", "available")
        sid, tid = self.customer_asks_for_a_person()
        self.reloaded_while_offered()
        self.written_while_waiting(sid)
        self.accept(tid)
        self.talk(sid)
        self.written_while_away(sid)
        self.log_out_refused(tid)
        self.end_and_wrap_up(tid)
        self.log_out_off_duty()

    def run_long_chat_scenario(self) -> None:
        """A chat of more lines than the console's panel shows; the customer writes while the agent is away."""
        self.log_in_as("token-anna")
        self.press("#btn-available", Keys.SPACE)
        self.until_attr("#agent-status", "data-status", "available")
        sid, tid = self.customer_asks_for_a_person()
        self.accept(tid)
        for i in range(PANEL_MESSAGES + 10):
            self.customer(f"linia {i}.", sid)
        self.wait.until(lambda d: f"linia {PANEL_MESSAGES + 9}." in self.text("#chat-log"))
        assert len(self.texts("#chat-log li")) == PANEL_MESSAGES  # and the join line, 10 of the customer's: older
        assert self.text("#chat-older").startswith("Wcześniejszych wiadomości: 11 ")
        self.written_while_away(sid)
        self.more_than_the_panel_written_while_away(sid)

    def log_out_refused(self, tid: str) -> None:
        """„Wyloguj” during a chat: refused with a visible alert, the chat goes on (nobody else would answer)."""
        self.click("form.logout button")
        self.wait.until(lambda d: d.current_url.endswith("/agents?wyloguj=rozmowa"))
        assert "Zakończ ją, zanim się wylogujesz" in self.text("#logout-refused")
        self.until_attr("#transfer", "data-status", "connected")
        assert self.api(f"/v1/chats/{tid}")["status"] == "connected"

    def log_out_off_duty(self) -> None:
        """„Wyloguj” after the chat: the login page, and the agent is off duty (nothing offered to them)."""
        self.click("form.logout button")
        self.wait.until(ec.url_to_be(self.b.url + "/agents/login?wylogowano"))
        assert self.text("#logged-out") == "Wylogowano. Nie przyjmujesz już połączeń."  # a bare form said nothing
        assert self.api("/v1/agents/me")["status"] == "offline"

    def run_decline_scenario(self) -> None:
        """„Odrzuć” declines (its own formaction, not the form's accept): the chat goes to bartek, anna is
        free, and the customer is never told that anna joined."""
        self.log_in_as("token-anna")
        self.press("#btn-available", Keys.SPACE)
        self.until_attr("#agent-status", "data-status", "available")
        put = httpx.put(self.b.url + "/v1/agents/bartek/status", json={"status": "available"}, headers=bearer("bartek"))
        assert put.status_code == 200, put.text  # free after anna: she is the longest idle, offered first
        sid, tid = self.customer_asks_for_a_person()
        self.click("#btn-chat-decline")
        self.wait.until(lambda d: self.api("/v1/agents/me")["status"] == "available")
        self.wait.until(lambda d: not d.find_elements(By.CSS_SELECTOR, "#transfer"))
        record = self.api(f"/v1/chats/{tid}", "bartek")
        assert (record["status"], record["agent_id"]) == ("ringing", "bartek")
        messages = httpx.get(f"{self.a.url}/v1/chat/{sid}", timeout=10).json()["messages"]
        assert not [m for m in messages if "przejmuje" in m["text"]]

    def log_in_as(self, token: str) -> None:
        """Keys go to the focused field once the login page is there (typing earlier loses them)."""
        self.d.get(self.b.url + "/agents")
        self.wait.until(ec.url_to_be(self.b.url + "/agents/login"))
        self.wait.until(lambda d: d.switch_to.active_element.get_attribute("id") == "token")  # autofocus
        self.d.switch_to.active_element.send_keys(token + Keys.ENTER)
        self.wait.until(ec.url_to_be(self.b.url + "/agents"))
        self.until_attr("#live-state", "data-state", "live")

    def customer_asks_for_a_person(self) -> tuple[str, str]:
        sid = self.customer("Gdzie jest moja paczka?")["session_id"]
        queued = self.customer("Chcę rozmawiać z konsultantem, paczka nie dotarła", sid)
        assert queued["handoff"]["status"] == "waiting"
        tid = str(queued["handoff"]["transfer_id"])
        self.until_attr("#transfer", "data-status", "ringing")  # offered over SSE from the other worker
        assert self.attr("#transfer", "data-channel") == "chat"
        assert self.text("#transfer-summary") == SUMMARY
        assert self.text("#transfer-status") == "Nowy czat: przyjmij, aby odpisać"
        lines = self.texts("#transfer-transcript li")
        assert "Gdzie jest moja paczka?" in lines[0] and "paczka nie dotarła" in lines[2]
        announced = self.d.execute_script("return document.getElementById('announcer').textContent")
        assert announced.startswith("Nowy czat")
        assert self.d.title.startswith("● Czat · ")  # a tab in the background shows that something rings
        self.shot("chat-offered")
        return sid, tid

    def reloaded_while_offered(self) -> None:
        """F5 during the offer: the page comes back ringing and so does the tab's "●" (it came back plain:
        the title followed only changes seen by this page, and a reload sees none)."""
        self.d.refresh()
        self.until_attr("#transfer", "data-status", "ringing")
        self.wait.until(lambda d: d.execute_script("return document.querySelector('main').dataset.synced"))
        assert self.d.title.startswith("● Czat · ")

    def written_while_waiting(self, sid: str) -> None:
        """What the customer adds while the offer stands shows on the offer card, line breaks kept."""
        assert self.customer("Jeszcze jedno:\nto był prezent.", sid)["action"] == "agent"
        self.wait.until(lambda d: "to był prezent" in self.text("#chat-log"))
        assert self.attr("#transfer", "data-status") == "ringing"
        text = ".msg-customer .text"
        assert (
            self.d.execute_script(f"return getComputedStyle(document.querySelector('{text}')).whiteSpace") == "pre-wrap"
        )
        assert "Jeszcze jedno:\nto był prezent." in self.texts(text)

    def accept(self, tid: str) -> None:
        self.press("#btn-chat-accept", Keys.ENTER)  # keyboard: the message box has the focus once accepted
        self.until_attr("#transfer", "data-status", "connected")
        self.wait.until(lambda d: d.execute_script("return document.activeElement.id") == "chat-text")
        assert "Rozmowę przejmuje konsultant: Anna." in self.text("#chat-log")
        assert self.api(f"/v1/chats/{tid}")["status"] == "connected"

    def talk(self, sid: str) -> None:
        reply = self.customer("Numer zamówienia 48213, od tygodnia bez zmian.", sid)
        assert reply["action"] == "agent"
        self.wait.until(lambda d: "48213" in self.text("#chat-log"))  # arrived live
        self.press("#chat-text", "Sprawdzam u przewoźnika, proszę o chwilę.")
        self.press("#chat-text", Keys.ENTER)  # Enter sends
        self.wait.until(lambda d: "Sprawdzam u przewoźnika" in self.text("#chat-log"))
        assert (
            self.attr("#chat-text", "id") == "chat-text"
            and self.d.execute_script("return document.getElementById('chat-text').value") == ""
        )  # cleared for the next line
        state = httpx.get(f"{self.a.url}/v1/chat/{sid}", timeout=10).json()
        assert ("agent", "Sprawdzam u przewoźnika, proszę o chwilę.") in [
            (m["from"], m["text"]) for m in state["messages"]
        ]
        self.shot("chat-connected")

    def written_while_away(self, sid: str) -> None:
        """The agent looks at another tab; the customer writes twice: the console's tab title counts it
        ("(2) Nowe wiadomości", read without bringing the tab forward); back in the tab, it is seen."""
        console = self.d.current_window_handle
        self.d.switch_to.new_window("tab")
        try:
            self.customer("Halo?", sid)
            self.wait.until(lambda d: self.console_title().startswith("(1) Nowa wiadomość · "))
            self.customer("Czy ktoś tam jest?", sid)
            self.wait.until(lambda d: self.console_title().startswith("(2) Nowe wiadomości · "))
        finally:
            self.d.close()
            self.d.switch_to.window(console)
        # the count cleared: the title is the console's again, with the operator's name (the demo KB's brand)
        self.wait.until(lambda d: d.title == "Konsola konsultanta · Sklep Demo · Infolinia")

    def more_than_the_panel_written_while_away(self, sid: str) -> None:
        """More lines than the panel shows, all written while the agent is in another tab: the title said at
        most "(100)", the customer's lines on the panel; it counts every one the agent has not seen."""
        console = self.d.current_window_handle
        self.d.switch_to.new_window("tab")
        try:
            for i in range(PANEL_MESSAGES + 5):
                self.customer(f"jeszcze {i}.", sid)
            self.wait.until(lambda d: self.console_title().startswith(f"({PANEL_MESSAGES + 5}) Nowe wiadomości · "))
        finally:
            self.d.close()
            self.d.switch_to.window(console)
        self.wait.until(lambda d: d.title == "Konsola konsultanta · Sklep Demo · Infolinia")

    def console_title(self) -> str:
        """The console tab's title while another tab is in front (CDP: looking would bring it forward)."""
        pages = self.d.execute_cdp_cmd("Target.getTargets", {})["targetInfos"]
        return next(str(p["title"]) for p in pages if p["type"] == "page" and p["url"] == self.b.url + "/agents")

    def outcomes(self) -> list[str]:
        """The wrap-up form's outcome keys, in order."""
        found: list[str] = self.d.execute_script(
            "return [...document.querySelectorAll('#wrapup-form input[name=outcome]')].map(e => e.value);"
        )
        return found

    def end_and_wrap_up(self, tid: str) -> None:
        self.click("#btn-chat-end")
        self.el("#wrapup-form")
        assert self.api("/v1/agents/me")["status"] == "wrap_up"
        assert self.text("#transfer-status") == "Czat zakończony"
        assert not self.d.find_elements(By.CSS_SELECTOR, "#chat-text")
        self.shot("chat-wrap-up")
        # no "Trzeba oddzwonić" for a chat: it has no number, so choosing it only said afterwards that no callback
        # was added (what the agent meant never happened); the phone's wrap-up offers it (console_browser)
        assert self.outcomes() == ["resolved", "follow_up", "forwarded", "dropped"]
        self.nothing_without_an_outcome("#btn-wrapup", "#wrapup-error", "rozmowy z listy, zanim zakończysz obsługę.")
        assert self.api(f"/v1/transfers/{tid}").get("outcome") is None  # a hasty click chose nothing for the agent
        self.press("#outcome-first", Keys.SPACE)
        self.press("#btn-wrapup", Keys.ENTER)
        self.until_attr("#agent-status", "data-status", "available")
        record = self.api(f"/v1/transfers/{tid}")
        assert (record["status"], record["channel"], record["outcome"]) == ("completed", "chat", "resolved")
        severe = [e for e in self.d.get_log("browser") if e["level"] == "SEVERE"]
        refused = [e for e in severe if "/agents/wrap-up - " in e["message"] and "409" in e["message"]]
        assert len(refused) == 1 and [e for e in severe if e not in refused] == []  # no script errors, no CSP
