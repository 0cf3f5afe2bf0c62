"""What a chat widget shows when it opens, over real HTTP and a real Redis: ``GET /v1/chat/greeting`` (the
welcome naming the brand, the RODO notice) behind the same API key as ``POST /v1/chat``, in the operator's
wording, starting no conversation; and a chat's first "dzień dobry" answered with that welcome by the real
engine, then "Proszę napisać…" where the phone says "Proszę powiedzieć…" (an operator walkthrough found a chat
that never named the office, nor showed its notice, and spoke to a reader).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from redis.asyncio import Redis

from dialog import catalogue
from telephony.app.build import build_gateway
from telephony.app.factory import gateway_app
from telephony.app.services import Services, build_dialog
from telephony.settings import Settings
from tests.support.access import gateways, key, settings_for
from tests.support.servers import free_port, serve_in_loop

OFFICE = "Urząd Gminy Kórnik"


@pytest.fixture(autouse=True)
def default_wording() -> Iterator[None]:
    """The gateway applies the prompts file to this process's catalogue: the next test starts from the defaults."""
    yield
    catalogue.configure({})


def _sessions(redis_url: str, prefix: str) -> list[str]:
    async def scan() -> list[str]:
        redis = Redis.from_url(redis_url, decode_responses=True)
        try:
            return [k async for k in redis.scan_iter(f"{prefix}session:*")]
        finally:
            await redis.aclose()

    return asyncio.run(scan())


def test_the_greeting_names_the_office_gives_the_notice_and_needs_the_chats_key(redis_url: str, tmp_path: Path) -> None:
    settings = settings_for(redis_url, tmp_path, brand_name=OFFICE)
    with gateways(settings) as (url,):
        assert httpx.get(f"{url}/v1/chat/greeting", timeout=10).status_code == 401  # as POST /v1/chat
        response = httpx.get(f"{url}/v1/chat/greeting", headers=key(), timeout=10)
        assert response.status_code == 200, response.text
        assert response.json() == {
            "greeting": f"Dzień dobry, tu {OFFICE}. Na czacie odpowiada automatyczny asystent. W czym mogę pomóc?",
            "privacy_notice": catalogue.RODO_NOTICE,
            "brand": OFFICE,
        }
        assert "nacisnąć" not in response.text and "Odbiera" not in response.text  # the phone's wording
        lost = httpx.get(f"{url}/v1/chat/{'a' * 64}", headers=key(), timeout=10)
        assert lost.status_code == 404  # the hand-off state route is still there, beside the greeting
    assert _sessions(redis_url, settings.redis_prefix) == []  # opening a widget starts no conversation


def test_the_greeting_and_the_notice_are_the_operators_words(redis_url: str, tmp_path: Path) -> None:
    prompts = tmp_path / "prompts.yaml"
    prompts.write_text(
        "brand: Zielony Ogród\nprompts:\n"
        "  greeting_written: Witamy w Zielonym Ogrodzie! Pisze do Państwa automatyczny asystent.\n"
        "  rodo_notice: Administratorem danych jest Zielony Ogród sp. z o.o.\n",
        encoding="utf-8",
    )
    with gateways(settings_for(redis_url, tmp_path, prompts_path=str(prompts))) as (url,):
        body = httpx.get(f"{url}/v1/chat/greeting", headers=key(), timeout=10).json()
    assert body == {
        "greeting": "Witamy w Zielonym Ogrodzie! Pisze do Państwa automatyczny asystent. W czym mogę pomóc?",
        "privacy_notice": "Administratorem danych jest Zielony Ogród sp. z o.o.",
        "brand": "Zielony Ogród",
    }


@pytest.fixture
async def gateway(redis_url: str) -> AsyncIterator[str]:
    """One gateway built from settings (brand, development mode), the real engine on the demo shop."""
    port, prefix = free_port(), f"greet{uuid.uuid4().hex[:8]}:"
    settings = Settings(
        redis_url=redis_url,
        redis_prefix=prefix,
        public_url=f"http://127.0.0.1:{port}",
        brand_name=OFFICE,
        speech=False,
        log_json=False,
    )
    gateway = build_gateway(settings)
    services = Services(settings, gateway.store, build_dialog(settings, gateway.store))
    redis = Redis.from_url(redis_url, decode_responses=True)
    try:
        async with serve_in_loop(gateway_app(gateway, services), port) as url:
            yield url
    finally:
        keys = [k async for k in redis.scan_iter(f"{prefix}*")]
        if keys:
            await redis.delete(*keys)
        await redis.aclose()


async def test_a_chats_first_hello_gets_the_widgets_greeting_and_misses_ask_to_write(gateway: str) -> None:
    async with httpx.AsyncClient(base_url=gateway, timeout=30) as http:
        opening = (await http.get("/v1/chat/greeting")).json()["greeting"]
        first = (await http.post("/v1/chat", json={"text": "Dzień dobry"})).json()
        assert (first["action"], first["reply"]) == ("answer", opening)  # the office named, as the widget showed
        sid = first["session_id"]
        again = (await http.post("/v1/chat", json={"text": "dzień dobry", "session_id": sid})).json()
        assert again["reply"] == catalogue.HELLO_AGAIN
        miss = (await http.post("/v1/chat", json={"text": "jaka jutro będzie pogoda", "session_id": sid})).json()
        assert miss["action"] == "clarify" and "proszę napisać to innymi słowami" in miss["reply"].lower()
        assert "powiedzieć" not in miss["reply"]
