"""``/playground``: a real headless Debian chromium talks to a real ``infolinia serve`` (speech on, real
Whisper, Piper and Silero) through the same call pipeline as the phone, its microphone fed a real Polish
utterance from the shared eval set (padded with silence, played once).

The page must show the caller's words as recognised, a bot reply, and the turn's timings, and the bot's
audio must have reached the page (its marks came back, or the page would never have moved on), and at a
phone's 390 px nothing is wider than the screen. Screenshots are kept under the test's temporary directory
(``playground.png``, ``playground-390.png``). Outside development mode the page asks for a credential, and
a socket without the page's ticket is refused.
"""

from __future__ import annotations

import re
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
import soundfile as sf
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait
from websockets.sync.client import connect

from tests.support.console_browser import fits_a_phone
from tests.support.console_servers import browser_missing, start_browser
from tests.support.needs import eval_file
from tests.support.paths import EVAL_DIR
from tests.support.servers import Server, free_port, spawn, stop, wait_ready

pytestmark = pytest.mark.models
UTTERANCE = EVAL_DIR / "wav16k" / "nemo" / "nemo_KS0_neutral_85.wav"
SAID = "W bankach można założyć konto osobiste, oszczędnościowe lub kredytowe."


def words(text: str) -> set[str]:
    return set(re.findall(r"\w+", text.lower()))


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """``infolinia serve`` as ``make run`` starts it: loopback, development mode, no Redis, speech on."""
    tmp = tmp_path_factory.mktemp("playground")
    port = free_port()
    env = {"INFOLINIA_LOG_JSON": "false", "INFOLINIA_REDIS_URL": "", "INFOLINIA_TWILIO_AUTH_TOKEN": ""}
    proc = spawn(["telephony.app.cli", "serve", "--port", str(port)], port, env, tmp / "serve.log")
    try:
        wait_ready(proc, "/readyz", timeout_s=300)
        yield proc
    finally:
        stop(proc)


@pytest.fixture
def microphone(tmp_path: Path) -> Path:
    """The eval utterance with 1.5 s of silence before and 6 s after, at 16 kHz (Chromium plays it once)."""
    pcm, rate = sf.read(str(eval_file(UTTERANCE)), dtype="int16")
    silence = np.zeros(int(rate * 1.5), dtype=np.int16)
    path = tmp_path / "caller.wav"
    sf.write(str(path), np.concatenate([silence, pcm, silence, silence, silence, silence]), rate, subtype="PCM_16")
    return path


@pytest.fixture
def browser(microphone: Path) -> Iterator[Any]:
    if reason := browser_missing():
        pytest.fail(reason, pytrace=False)
    flags = (
        "--use-fake-ui-for-media-stream",  # the microphone is allowed without a prompt
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-audio-capture={microphone}%noloop",  # the WAV is the microphone, played once
        "--autoplay-policy=no-user-gesture-required",
    )
    driver, profile = start_browser(flags)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def texts(driver: Any, css: str) -> list[str]:
    return [str(t) for t in driver.execute_script(
        "return Array.from(document.querySelectorAll(arguments[0])).map(e => e.textContent);", css)]  # fmt: skip


def test_a_browser_talks_to_the_phone_pipeline(server: Server, browser: Any, tmp_path: Path) -> None:
    browser.get(server.url + "/playground")
    browser.find_element(By.ID, "btn-call").click()
    wait = WebDriverWait(browser, 120)
    wait.until(lambda d: texts(d, "#transcript li.caller"))
    wait.until(lambda d: len(texts(d, "#transcript li.bot")) >= 2 and texts(d, "#timings tbody tr"))
    browser.save_screenshot(str(tmp_path / "playground.png"))
    sys.stderr.write(f"playground screenshot: {tmp_path / 'playground.png'}\n")
    caller = texts(browser, "#transcript li.caller")[0]
    assert len(words(caller) & words(SAID)) >= len(words(SAID)) // 2, caller  # Whisper base heard most words
    greeting, reply = texts(browser, "#transcript li.bot")[:2]
    assert "Bot:" in greeting and len(reply) > len("Bot:") + 5, (greeting, reply)
    row = texts(browser, "#timings tbody tr td")
    assert row[0].startswith("1") and all(re.fullmatch(r"-?\d+", cell) for cell in row[1:3]), row
    assert browser.execute_script("return document.getElementById('state').dataset.state") == "live"
    fits_a_phone(browser, lambda name: browser.save_screenshot(str(tmp_path / f"{name}.png")), "playground-390",
                 back_to=(1366, 1000))  # fmt: skip  # the six timing columns scroll inside their card
    browser.find_element(By.ID, "btn-hangup").click()
    wait.until(lambda d: d.execute_script("return document.getElementById('state').dataset.state") == "ended")
    assert "Traceback" not in server.log_text()


def test_a_socket_without_the_page_ticket_is_refused(server: Server) -> None:
    url = server.url.replace("http", "ws") + "/playground/ws/forged-ticket-0000000000000000"
    with connect(url) as ws, pytest.raises(Exception) as closed:
        ws.recv(timeout=10)
    assert "1008" in str(closed.value)
    assert httpx.get(server.url + "/playground/static/playground.js", timeout=10).status_code == 200
