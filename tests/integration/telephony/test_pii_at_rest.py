"""Personal data at rest (issue 12, item 9), on a real redis-server: a caller's card number, PESEL, IBAN
and e-mail are readable nowhere in Redis and nowhere in the agents API, after a chat and after a phone
transfer that became a callback; the order id and the caller's own number stay (an agent needs them), and
the dialog still uses what the caller said in the turn they said it."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from redis.asyncio import Redis

from dialog import build_engine
from dialog.store import RedisStore
from telephony.chat.api import build_chat_router
from telephony.console.api import build_agents_router
from telephony.console.deps import AgentsDeps, build_agents_deps
from tests.support.pii import ORDER, SAID, answer_offer, readable, stored_texts, transfer_with_pii
from tests.support.transfer import CALLER, agent

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture
async def chat(redis_url: str, tmp_path: Path) -> AsyncIterator[tuple[httpx.AsyncClient, Redis, str]]:
    """``POST /v1/chat`` in-process over the engine, its sessions in a real Redis under a private prefix.
    The orders include a 9-digit order number, shaped like a phone number."""
    orders = json.loads((Path("dialog/data/orders.json")).read_text(encoding="utf-8"))
    orders["orders"].append({"id": "601234567", "status": "shipped", "carrier": "DPD", "phone": "+48600999888"})
    path = tmp_path / "orders.json"
    path.write_text(json.dumps(orders), encoding="utf-8")
    prefix = f"pii-{uuid.uuid4().hex[:8]}:"
    store = RedisStore(redis_url, prefix=prefix)
    engine = build_engine(orders_path=path, store=store)

    async def get_dialog() -> Any:
        return engine

    app = FastAPI()
    app.include_router(build_chat_router(get_dialog))
    redis = Redis.from_url(redis_url, decode_responses=True)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://chat") as http:
        yield http, redis, prefix
    keys = [k async for k in redis.scan_iter(f"{prefix}*")]
    if keys:
        await redis.delete(*keys)
    await redis.aclose()
    await store.close()


async def _say(http: httpx.AsyncClient, text: str, session_id: str | None) -> dict[str, Any]:
    response = await http.post("/v1/chat", json={"session_id": session_id, "text": text})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_a_chat_stores_no_card_pesel_iban_or_email_and_keeps_the_order_id(chat: Any) -> None:
    http, redis, prefix = chat
    first = await _say(http, f"Jaki jest status zamówienia {ORDER}?", None)
    assert first["order_id"] == ORDER and ORDER in first["reply"]
    second = await _say(http, SAID, first["session_id"])
    assert second["action"] == "transfer"
    summary = second["transfer"]["summary"]
    assert readable([summary]) == [] and "[karta …1111]" in summary and "[PESEL]" in summary

    stored = await stored_texts(redis, prefix)
    assert readable(stored) == []
    session = json.loads(await redis.get(f"{prefix}session:{first['session_id']}"))
    assert session["order_id"] == ORDER
    said = [text for role, text in session["history"] if role == "caller"]
    assert said[0] == f"Jaki jest status zamówienia {ORDER}?"  # the order id an agent needs stays
    assert "[karta …1111]" in said[1] and "[IBAN …2874]" in said[1] and "[e-mail]" in said[1]


async def test_a_number_given_in_this_turn_works_and_only_the_order_id_is_kept_readable(chat: Any) -> None:
    """A 9-digit order number looks like a phone number: it is looked up in the turn it is said, and kept
    in the stored history because it is the order; the phone number said next is masked."""
    http, redis, prefix = chat
    first = await _say(http, "Jaki jest status zamówienia 601 234 567?", None)
    assert first["order_id"] == "601234567" and "601234567" in first["reply"]
    await _say(http, "A mój telefon to 601 234 568, dziękuję", first["session_id"])
    session = json.loads(await redis.get(f"{prefix}session:{first['session_id']}"))
    said = [text for role, text in session["history"] if role == "caller"]
    assert said[0] == "Jaki jest status zamówienia 601 234 567?"
    assert said[1] == "A mój telefon to [telefon …568], dziękuję"


async def _agents_api(env: Any) -> tuple[httpx.AsyncClient, AgentsDeps]:
    deps = build_agents_deps(env.redis, prefix=env.prefix)
    await deps.agents.sync_roster([agent("ola", "offline", ("obsluga",))])

    async def get_deps() -> AgentsDeps:
        return deps

    app = FastAPI()
    app.include_router(build_agents_router(get_deps))
    headers = {"Authorization": "Bearer ola"}
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://api", headers=headers), deps


async def test_a_transfer_and_its_callback_keep_no_card_pesel_iban_or_email(setup: Any) -> None:
    env = await setup([])  # nobody staffs the queue: straight to the callback offer
    tid, sid = await transfer_with_pii(env)
    await answer_offer(env, tid, sid, "1")  # "call me back"
    api, _ = await _agents_api(env)
    async with api:
        transfer = await api.get(f"/v1/transfers/{tid}")
        callbacks = await api.get("/v1/callbacks")
    assert transfer.status_code == 200 and callbacks.status_code == 200
    assert readable([transfer.text, callbacks.text]) == []
    record, [callback] = transfer.json(), callbacks.json()["callbacks"]
    assert record["caller"] == CALLER and record["order_id"] == ORDER  # what an agent needs stays
    assert callback["phone"] == CALLER and f"Zamówienie {ORDER}" in callback["summary"]
    assert "[karta …1111]" in record["summary"] and "[PESEL]" in record["transcript"][-1]["text"]
    assert record["transcript"][1]["text"] == f"zamówienie {ORDER}"
    assert readable(await stored_texts(env.redis, env.prefix)) == []
