"""The playground page stops the bot's audio when the talk ends: a real headless Debian chromium runs the
real page (template and ``playground.js``) against a small real WebSocket server that plays the gateway.

The gateway sends audio up to ``INFOLINIA_PLAYOUT_LEAD_S`` ahead and records a reply cut at the hang-up,
so the page must not play on: after "Rozłącz", or when the server ends the talk (``done``), no source is
left scheduled (``main.dataset.playing``) and a mark still pending is dropped, never answered.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi import FastAPI, Request, WebSocket, WebSocketDisconnect
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

import telephony.playground
from tests.support.console_servers import browser_missing, start_browser
from tests.support.servers import serve_in_thread

PAGE_DIR = Path(telephony.playground.__file__).parent
RATE = 8000


def tone(seconds: float) -> bytes:
    """The bot's 8 kHz int16 audio: a quiet 440 Hz tone (silence would play the same; a tone is honest)."""
    t = np.arange(int(RATE * seconds)) / RATE
    return (np.sin(2 * np.pi * 440 * t) * 3000).astype(np.int16).tobytes()


def gateway(received: list[dict[str, Any]], over: threading.Event) -> FastAPI:
    """The page, its static files, and ``/ws/{how}``: ``hangup`` sends 10 s of audio and a mark, then waits
    for the page; ``done`` sends 0.5 s of audio, a mark and the end of the talk, then listens 2 s more
    (time for a mark the page should have dropped). The page's JSON messages land in ``received``;
    ``over`` is set when the server is done with the socket."""
    app = FastAPI()
    templates = Jinja2Templates(directory=PAGE_DIR / "templates")
    app.mount("/static", StaticFiles(directory=PAGE_DIR / "static"), name="static")

    @app.get("/playground/{how}", response_class=HTMLResponse)
    async def page(request: Request, how: str) -> Response:
        context = {"ticket": "t", "static": "/static", "ws_path": f"/ws/{how}", "brand": None}
        return templates.TemplateResponse(request, "playground.html", context)

    @app.websocket("/ws/{how}")
    async def talk(ws: WebSocket, how: str) -> None:
        try:
            await converse(ws, how)
        finally:
            over.set()

    async def converse(ws: WebSocket, how: str) -> None:
        await ws.accept()
        await ws.receive_text()  # the page's "start"
        await ws.send_bytes(tone(10.0 if how == "hangup" else 0.5))
        await ws.send_text(json.dumps({"type": "mark", "name": "t1-2"}))
        if how == "done":
            await ws.send_text(json.dumps({"type": "event", "kind": "done", "ended": "drained"}))
        try:
            async with asyncio.timeout(None if how == "hangup" else 2.0):
                while True:
                    message = await ws.receive()
                    if message["type"] == "websocket.disconnect":
                        return
                    if message.get("text"):
                        received.append(json.loads(message["text"]))
        except (TimeoutError, WebSocketDisconnect):
            pass
        await ws.close()

    return app


@pytest.fixture
def browser() -> Iterator[Any]:
    if reason := browser_missing():
        pytest.fail(reason, pytrace=False)
    flags = ("--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
             "--autoplay-policy=no-user-gesture-required")  # fmt: skip
    driver, profile = start_browser(flags)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def page_state(driver: Any) -> tuple[str, str]:
    """(the talk's state, how many bot sources are scheduled)."""
    state, playing = driver.execute_script(
        "const m = document.getElementById('main');"
        "return [document.getElementById('state').dataset.state, m.dataset.playing || '0'];"
    )
    return str(state), str(playing)


def test_hanging_up_stops_the_queued_bot_audio(browser: Any) -> None:
    received: list[dict[str, Any]] = []
    with serve_in_thread(gateway(received, threading.Event())) as url:
        browser.get(url + "/playground/hangup")
        browser.find_element(By.ID, "btn-call").click()
        wait = WebDriverWait(browser, 20)
        wait.until(lambda d: page_state(d) == ("live", "1"))  # 10 s of bot audio scheduled
        browser.find_element(By.ID, "btn-hangup").click()
        assert page_state(browser)[1] == "0"  # stopped on the click itself, 10 s before it would have ended
        wait.until(lambda d: page_state(d) == ("ended", "0"))  # "ended" waits for the close handshake (onclose)
        wait.until(lambda d: any(m.get("type") == "hangup" for m in received))
    assert not [m for m in received if m.get("type") == "mark"], received


def test_the_server_ending_the_talk_stops_audio_and_drops_pending_marks(browser: Any) -> None:
    received: list[dict[str, Any]] = []
    over = threading.Event()
    with serve_in_thread(gateway(received, over)) as url:
        browser.get(url + "/playground/done")
        browser.find_element(By.ID, "btn-call").click()
        WebDriverWait(browser, 20).until(lambda d: page_state(d)[0] == "ended")
        assert page_state(browser) == ("ended", "0")
        assert over.wait(10)  # the server listened 2 s (> the 0.5 s the mark waited for), then closed
    assert not [m for m in received if m.get("type") == "mark"], received  # the 0.5 s mark was never answered
