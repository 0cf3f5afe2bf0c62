"""History and the KB gaps end to end: the real dialog engine (real KB, real sentence-embedding model)
writes conversations and misses to a real Redis while customers chat over real HTTP; agents and
supervisors read them back through ``GET /v1/history`` and ``GET /v1/gaps`` of the real gateway, and
``infolinia purge`` / ``infolinia gaps --export`` work on what was stored."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
import yaml
from redis.asyncio import Redis

from dialog.engine import DialogEngine
from dialog.engine_log import EngineLogs
from dialog.factory import build_engine
from dialog.gaps import to_kb_yaml
from dialog.ports import CallerInfo, Miss
from dialog.store import MemoryStore
from telephony.app import cli
from telephony.app.build import build_gateway
from telephony.app.factory import create_app
from telephony.app.purge import purge
from telephony.app.services import Services
from telephony.history.gaps import GapsReport, MissBook
from telephony.history.store import HistoryStore
from telephony.settings import Settings
from tests.support.access import API_KEY, agent, key, settings_for
from tests.support.agents import redis_client, token_of
from tests.support.paths import DATA
from tests.support.servers import serve_in_thread

AGENTS = [agent("anna", ["obsluga"]), agent("kasia", ["reklamacje"]), agent("szef", ["obsluga"], "supervisor")]
ENGRAVING = ["Czy robicie grawerowanie?", "Czy grawerujecie zegarki?", "Czy można wygrawerować napis na produkcie?"]
RENTAL = ["Czy mogę wypożyczyć odkurzacz?", "Czy jest wypożyczalnia?"]
CALLER = "+48600100200"


@pytest.fixture(scope="module")
def world(redis_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Settings, str, DialogEngine]]:
    settings = settings_for(redis_url, tmp_path_factory.mktemp("history"), AGENTS)
    redis = redis_client(redis_url)
    engine = build_engine(
        store=MemoryStore(),
        misses=MissBook(redis, settings.redis_prefix),
        history=HistoryStore(redis, settings.redis_prefix),
    )
    services = Services(settings, MemoryStore(), engine)
    with serve_in_thread(create_app(settings, services), lifespan="auto") as url:
        yield settings, url, engine


@pytest.fixture
async def redis(redis_url: str) -> AsyncIterator[Redis]:
    client = redis_client(redis_url)
    yield client
    await client.aclose()


def chat(url: str, text: str, session_id: str | None = None) -> dict[str, Any]:
    body = {"text": text, **({"session_id": session_id} if session_id else {})}
    resp = httpx.post(url + "/v1/chat", json=body, headers=key(API_KEY), timeout=60)
    assert resp.status_code == 200, resp.text
    return dict(resp.json())


def get(url: str, who: str | None, path: str, **params: Any) -> httpx.Response:
    headers = key(token_of(who)) if who else {}
    return httpx.get(url + path, params=params, headers=headers, timeout=120)


def until_misses(url: str, count: int, timeout_s: float = 30.0) -> httpx.Response:
    """``GET /v1/gaps`` once all ``count`` misses are stored (polled: the writes follow the replies)."""
    deadline = time.monotonic() + timeout_s
    while True:
        resp = get(url, "szef", "/v1/gaps")
        assert resp.status_code == 200, resp.text
        if resp.json()["misses"] >= count or time.monotonic() > deadline:
            assert resp.json()["misses"] == count
            return resp
        time.sleep(0.05)


def test_misses_from_real_chats_come_back_grouped_by_meaning(world: tuple[Settings, str, DialogEngine]) -> None:
    _, url, _ = world
    for text in [*ENGRAVING, ENGRAVING[0], *RENTAL]:
        assert chat(url, text)["action"] == "clarify", text
    second = chat(url, "Jaka będzie jutro pogoda?")
    assert chat(url, "A pojutrze?", second["session_id"])["action"] == "transfer"  # two misses: not_understood

    assert get(url, None, "/v1/gaps").status_code == 401
    assert get(url, "anna", "/v1/gaps").status_code == 403  # supervisors only
    resp = until_misses(url, 8)  # recorded in the background, after each reply
    gaps = resp.json()["gaps"]
    assert gaps[0]["count"] == 4 and {q["text"] for q in gaps[0]["questions"]} == set(ENGRAVING)
    assert gaps[0]["questions"][0] == {"text": ENGRAVING[0], "count": 2}
    groups = [{q["text"] for q in g["questions"]} for g in gaps]
    assert set(RENTAL) in groups and {"Jaka będzie jutro pogoda?", "A pojutrze?"} in groups and len(gaps) == 3
    assert [g["transferred"] for g in gaps if "A pojutrze?" in str(g)] == [1]
    assert sum(g["transferred"] for g in gaps) == 1 and all(g["channels"] == {"chat": g["count"]} for g in gaps)

    exported = get(url, "szef", "/v1/gaps", format="yaml", min_count=2)
    entries = yaml.safe_load(exported.text)["entries"]
    assert [len(e["questions"]) for e in entries] == [3, 2, 2] and all(e["answer"] == "" for e in entries)
    tomorrow = time.strftime("%Y-%m-%d", time.localtime(time.time() + 2 * 86400))
    assert get(url, "szef", "/v1/gaps", **{"from": tomorrow}).json()["gaps"] == []
    assert get(url, "szef", "/v1/gaps", **{"from": "wczoraj"}).status_code == 422


async def test_conversations_are_searchable_by_caller_order_and_date_per_role(
    world: tuple[Settings, str, DialogEngine], redis: Redis
) -> None:
    settings, url, engine = world
    served = engine.logs  # its Redis client belongs to the server's event loop: phone turns on this one
    engine.logs = EngineLogs(None, HistoryStore(redis, settings.redis_prefix), time.time)
    try:
        phone = CallerInfo(channel="phone", phone=CALLER)
        first = await engine.handle(None, "Chcę złożyć reklamację, mój PESEL to 90010112345", phone)
        other = await engine.handle(None, "Gdzie jest moje zamówienie 12345?", CallerInfo("phone", "+48 511 222 333"))
        await engine.logs.drain()
    finally:
        engine.logs = served
    assert first.action == "transfer" and first.transfer is not None and first.transfer.queue == "reklamacje"

    everything = get(url, "szef", "/v1/history", caller="600 100 200").json()["conversations"]
    assert [c["id"] for c in everything] == [first.session_id]
    record = everything[0]
    assert (record["channel"], record["outcome"], record["reason"], record["queue"]) == (
        "phone", "transferred", "complaint", "reklamacje",
    )  # fmt: skip
    said = " ".join(line["text"] for line in record["transcript"])
    assert "90010112345" not in said and "to [numer]" in said  # masked, as the session store keeps it
    assert get(url, "kasia", "/v1/history", caller=CALLER).json()["conversations"][0]["id"] == first.session_id
    assert get(url, "anna", "/v1/history", caller=CALLER).json()["conversations"] == []  # not her queue
    assert get(url, None, "/v1/history").status_code == 401

    by_order = get(url, "szef", "/v1/history", order="12345").json()["conversations"]
    assert [c["id"] for c in by_order] == [other.session_id] and by_order[0]["order_id"] == "12345"
    today = datetime.now(ZoneInfo(settings.timezone)).strftime("%Y-%m-%d")  # the operator's day, not UTC's
    dated = get(url, "szef", "/v1/history", **{"from": today, "to": today}).json()["conversations"]
    assert {first.session_id, other.session_id} <= {c["id"] for c in dated}
    assert get(url, "szef", "/v1/history", to="2020-01-01").json()["conversations"] == []
    audit = get(url, "szef", "/v1/audit").json()
    assert any(row.get("kind") == "history" for row in audit.get("reads", audit.get("entries", [])))


async def test_notes_ratings_bounds_and_retention(redis: Redis, tmp_path: Path, redis_url: str) -> None:
    settings = settings_for(redis_url, tmp_path, AGENTS, retention_history_days=1)
    clock = [time.time() - 3 * 86400]
    store = HistoryStore(redis, settings.redis_prefix, max_items=3, clock=lambda: clock[0])
    for n in range(4):
        session = {"id": f"s{n}", "created_at": clock[0] + n, "history": [["caller", f"pytanie {n}"]], "slots": {}}
        await store.saved(session, CallerInfo("phone", CALLER))
    assert [r["id"] for r in await store.search(caller=CALLER)] == ["s3", "s2", "s1"]  # bounded: s0 dropped
    assert await store.get("s0") is None
    assert await store.add_note("s3", "kasia", "solved", "wymiana butów", "reklamacje")
    assert await store.set_rating("s3", 5) and not await store.set_rating("nope", 4)
    with pytest.raises(ValueError):
        await store.set_rating("s3", 6)
    kept = await store.get("s3")
    assert kept is not None and kept["rating"] == 5 and kept["notes"][0]["note"] == "wymiana butów"
    assert kept["queue"] == "reklamacje"
    book = MissBook(redis, settings.redis_prefix, max_items=2)
    for n in range(3):
        await book.record(Miss(f"pytanie {n}", "chat", clock[0] + n))
    assert [m.text for m in await book.between()] == ["pytanie 1", "pytanie 2"]
    await book.withdraw(Miss("pytanie 1", "chat", clock[0] + 1))
    assert [m.text for m in await book.between()] == ["pytanie 2"]
    await book.record(Miss("pytanie 3", "chat", clock[0] + 3))

    report = await purge(settings, dry_run=False, redis=redis)  # three days old, one day kept
    assert sorted(report.deleted["history"]) == ["s1", "s2", "s3"] and len(report.deleted["gap misses"]) == 2
    assert await store.search() == [] and await book.between() == []


def test_gaps_command_exports_kb_entries(tmp_path: Path, redis_url: str, capsys: Any) -> None:
    settings = settings_for(redis_url, tmp_path, AGENTS)

    async def record() -> None:
        client = redis_client(redis_url)
        for text in [*ENGRAVING, ENGRAVING[1], "Jaka będzie jutro pogoda?", "bla bla"]:
            await MissBook(client, settings.redis_prefix).record(Miss(text, "phone", time.time()))
        await client.aclose()

    asyncio.run(record())
    out = tmp_path / "kb-additions.yaml"
    env = {"INFOLINIA_REDIS_URL": redis_url, "INFOLINIA_REDIS_PREFIX": settings.redis_prefix}
    with pytest.MonkeyPatch.context() as mp:
        for name, value in env.items():
            mp.setenv(name, value)
        assert cli.main(["gaps", "--export", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "6 questions not understood, 2 groups by meaning" in printed
    assert "×  (0 transferred)  " in printed and "przełączono" not in printed  # one language: a walkthrough saw both
    assert '   1×  naming no topic (noise, numbers, unclear words; no KB entry): "bla bla"' in printed
    entries = yaml.safe_load(out.read_text(encoding="utf-8"))["entries"]
    assert len(entries) == 1 and entries[0]["questions"][0] == ENGRAVING[1]  # asked twice: first


async def test_the_gateway_wires_history_and_misses_into_the_engine_and_the_console(
    redis_url: str, tmp_path: Path
) -> None:
    """The composition root: the engine start-up builds reports to the same stores the routes read."""
    settings = settings_for(redis_url, tmp_path, AGENTS)
    gateway = build_gateway(settings)
    try:
        engine = await gateway.start()
        assert gateway.history is not None and gateway.transfer is not None
        logs = engine.dialog.logs  # type: ignore[attr-defined]
        assert logs.misses is gateway.history.gaps.book and logs.history is gateway.history.store
        assert gateway.transfer.agents.history is gateway.history.store
    finally:
        await gateway.close()


async def test_a_miss_the_caller_resolves_by_picking_an_offered_entry_is_no_gap(redis: Redis, redis_url: str) -> None:
    """'Mogę oddać buty?' is not understood; the two nearest entries are offered, the customer picks the second:
    the recorded miss now names that entry, the gaps report lists it apart (a wording for that entry's
    questions, also in the YAML export as a comment) and not among the questions the KB lacks."""
    prefix = f"t{time.monotonic_ns()}:"
    book = MissBook(redis, prefix)
    engine = build_engine(store=MemoryStore(), misses=book)
    chat_caller = CallerInfo("chat")
    offer = await engine.handle(None, "Mogę oddać buty?", chat_caller)
    assert offer.expects == "choice"
    picked = await engine.handle(offer.session_id, "to drugie", chat_caller)
    assert picked.action == "answer" and picked.kb_id is not None
    await engine.logs.drain()
    [miss] = await book.between()
    assert miss.text == "Mogę oddać buty?" and miss.resolved_as == picked.kb_id
    report = GapsReport(book)
    assert await report.gaps() == []
    [resolved] = await report.resolved()
    assert resolved.entry_id == picked.kb_id and resolved.questions == [("Mogę oddać buty?", 1)]
    exported = to_kb_yaml([], resolved=[resolved])
    assert f"# Dopisz do pytań wpisu '{picked.kb_id}'" in exported and "#   - Mogę oddać buty?" in exported
    assert yaml.safe_load(exported)["entries"] == []


async def test_a_follow_up_not_understood_is_stored_with_its_topic_and_grouped_by_it(redis: Redis) -> None:
    """'a jak z tym psem?' after a delivery question is a gap about delivery, not one more "a jak z tym…?"."""
    book = MissBook(redis, f"t{time.monotonic_ns()}:")
    engine = build_engine(store=MemoryStore(), misses=book)
    chat_caller = CallerInfo("chat")
    sid = (await engine.handle(None, "Ile trwa dostawa?", chat_caller)).session_id
    assert (await engine.handle(sid, "a jak z tym psem?", chat_caller)).action == "clarify"
    await engine.logs.drain()
    [miss] = await book.between()  # through Redis and back
    assert (miss.text, miss.context, miss.said) == (
        "a jak z tym psem?",
        "Ile trwa dostawa?",
        "Ile trwa dostawa, a jak z tym psem?",
    )
    [gap] = await GapsReport(book).gaps()
    assert gap.questions == [("Ile trwa dostawa, a jak z tym psem?", 1)]


def test_the_history_page_has_no_order_number_where_no_orders_source_is_configured(
    world: tuple[Settings, str, DialogEngine], redis_url: str, tmp_path: Path
) -> None:
    """A clinic's walkthrough: its agents' history page offered a "Numer zamówienia" search and column."""
    _, shop_url, _ = world  # the demo KB and its demo orders
    clinic = settings_for(redis_url, tmp_path, AGENTS, kb_path=str(DATA / "domain_klinika_kb.yaml"))
    with serve_in_thread(create_app(clinic, Services(clinic, MemoryStore(), build_engine())), lifespan="auto") as url:
        for base, orders in ((shop_url, True), (url, False)):
            with httpx.Client(base_url=base, timeout=30) as szef:
                assert szef.post("/agents/login", data={"token": token_of("szef")}).status_code == 303
                page = szef.get("/agents/history").text
                assert ('id="q-order"' in page) is orders and ("<th>Zamówienie</th>" in page) is orders
