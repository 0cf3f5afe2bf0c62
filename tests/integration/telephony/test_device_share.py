"""The device API's share of the recognizer, through the gateway's own app (in-process HTTP on the test's
event loop, so a phone turn and the HTTP device turns meet at the same recognizer): a full share answers 503
with Retry-After, and a phone turn goes before the device turns waiting."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest

from dialog.store import MemoryStore
from telephony.access.lanes import RecognizerLanes
from telephony.app.build import build_gateway
from telephony.app.factory import gateway_app
from telephony.app.services import Services
from telephony.settings import Settings
from tests.support.call import ScriptedDialog
from tests.support.speech import GatedRecognizer, ToneSynthesizer, text_to_pcm


@pytest.fixture
async def device_api() -> AsyncIterator[tuple[httpx.AsyncClient, RecognizerLanes, GatedRecognizer]]:
    settings = Settings.model_validate({"speech": True})  # development mode: no key needed here
    recognizer = GatedRecognizer()
    lanes = RecognizerLanes(recognizer, slots=1, queue=1, wait_s=60)
    services = Services(settings, MemoryStore(), ScriptedDialog(), recognizer, ToneSynthesizer(), lanes=lanes)
    gateway = build_gateway(settings)
    app = gateway_app(gateway, services)
    await gateway.start(services)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8080", timeout=60) as client:
        yield client, lanes, recognizer
    await gateway.close()


def device_turn(client: httpx.AsyncClient, text: str) -> asyncio.Task[httpx.Response]:
    body = text_to_pcm(text).astype("<i2").tobytes()
    request = client.post(
        "/v1/voice/turn?rate=16000", content=body, headers={"content-type": "application/octet-stream"}
    )
    return asyncio.ensure_future(request)


async def test_a_full_device_share_answers_503_and_a_phone_turn_still_goes_first(
    device_api: tuple[httpx.AsyncClient, RecognizerLanes, GatedRecognizer],
) -> None:
    client, lanes, recognizer = device_api
    first = device_turn(client, "d0")
    await recognizer.wait_until(lambda: recognizer.started == ["d0"])
    second = device_turn(client, "d1")
    await recognizer.wait_until(lambda: lanes.device.in_use() == (1, 1))
    full = await device_turn(client, "d2")
    assert full.status_code == 503 and int(full.headers["retry-after"]) >= 1
    assert "d2" not in recognizer.arrived
    phone = asyncio.ensure_future(lanes.phone.transcribe(text_to_pcm("p"), 8000))  # what a call's turn uses
    await recognizer.wait_until(lambda: "p" in recognizer.arrived)
    recognizer.release("d0")
    await recognizer.wait_until(lambda: len(recognizer.started) == 2)
    assert recognizer.started == ["d0", "p"]
    recognizer.release("p")
    recognizer.release("d1")
    assert (await phone).text == "p"
    answers = [await first, await second]
    assert [r.status_code for r in answers] == [200, 200]
    assert [r.json()["transcript"] for r in answers] == ["d0", "d1"]
