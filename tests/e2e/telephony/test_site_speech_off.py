"""The landing page of a gateway with speech off (``INFOLINIA_SPEECH=false``) and a Twilio token set.

An operator's walkthrough: such a gateway answers no phone call (``GatewayDeps.phone_call`` raises "speech is
off", and no transfer announcement can be rendered), yet ``/`` said "Połączenia telefoniczne (Twilio):
włączone" and "Przekazywanie rozmów telefonicznych konsultantom: włączone", because it looked at the token
alone. ``infolinia check`` said "text chat only, no phone" at the same time. One real ``infolinia serve`` and
a real headless Debian chromium.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.telephony.test_site import assert_no_console_errors, shot
from tests.support.console_servers import browser_session, write_roster
from tests.support.servers import Server, free_port, spawn, stop, wait_ready

pytestmark = pytest.mark.redis


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, redis_url: str) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("site-speech-off")
    port = free_port()
    env = {
        "INFOLINIA_REDIS_URL": redis_url,
        "INFOLINIA_REDIS_PREFIX": f"test-site-nospeech-{uuid.uuid4().hex[:8]}:",
        "INFOLINIA_AGENTS_PATH": str(write_roster(tmp / "agents.yaml")),
        "INFOLINIA_SPEECH": "false",
        "INFOLINIA_TWILIO_AUTH_TOKEN": "a-token-of-a-real-line",
        "INFOLINIA_LOG_JSON": "false",
    }
    proc = spawn(["telephony.app.cli", "serve", "--port", str(port)], port, env, tmp / "serve.log")
    try:
        wait_ready(proc, "/readyz", timeout_s=120)
        yield proc
    finally:
        stop(proc)


def test_the_landing_page_says_phone_calls_are_off_with_speech_off(server: Server, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By

    with browser_session() as browser:
        browser.get(server.url + "/")
        assert browser.find_element(By.ID, "state").text == "Gotowa do pracy"
        phone = browser.find_element(By.ID, "feature-phone")
        assert phone.get_attribute("data-on") == "false", phone.text
        assert "wyłączone — mowa wyłączona (INFOLINIA_SPEECH=false)" in phone.text
        assert "INFOLINIA_TWILIO_AUTH_TOKEN" not in phone.text  # it is set: not what to fix
        transfers = browser.find_element(By.ID, "feature-transfers")
        assert transfers.get_attribute("data-on") == "false", transfers.text
        assert "INFOLINIA_SPEECH=false" in transfers.text and "INFOLINIA_TWILIO_AUTH_TOKEN" not in transfers.text
        assert "z przekazaniem do konsultanta" in browser.find_element(By.ID, "feature-chat").text  # chats still are
        playground = browser.find_element(By.ID, "link-playground").find_element(By.XPATH, "..")
        assert "mowa wyłączona (INFOLINIA_SPEECH=false)" in playground.text
        assert_no_console_errors(browser)
        shot(browser, tmp_path, "landing-speech-off")
