"""The agents' JSON API over real HTTP: two separate uvicorn processes share the suite's real Redis, the
way two gateway workers do; requests go to either, in parallel."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest

from telephony.agents.callbacks_redis import RedisCallbacks
from telephony.agents.events import AGENT_STATUS, EventBus
from telephony.agents.repo import AgentRepo
from telephony.agents.waits import HandlingStats
from telephony.transfer.record import TransferRecord
from telephony.transfer.store import TransferStore
from tests.support.agents import agents_servers, new_prefix, redis_client, roster, token_of

CLAIMERS = [f"k{i}" for i in range(6)]
AGENTS = [*roster(["anna", "piotr", "ewa"]), *roster(CLAIMERS, queues=("reklamacje",))]


@pytest.fixture(scope="module")
def servers(redis_url: str) -> Iterator[tuple[list[str], str]]:
    prefix = new_prefix()
    with agents_servers(redis_url, prefix, AGENTS) as urls:
        yield urls, prefix


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=10.0) as client:
        yield client


def auth(agent_id: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token_of(agent_id)}"}


async def test_every_route_needs_a_valid_bearer_token(servers: tuple[list[str], str], http: httpx.AsyncClient) -> None:
    (a, _), _ = servers
    for method, path in [("GET", "/v1/agents"), ("GET", "/v1/queues"), ("GET", "/v1/callbacks"),
                         ("GET", "/v1/transfers/x"), ("POST", "/v1/callbacks/x/claim")]:  # fmt: skip
        response = await http.request(method, a + path)
        assert response.status_code == 401 and response.headers["www-authenticate"] == "Bearer"
    wrong = await http.get(f"{a}/v1/agents", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401
    in_url = await http.get(f"{a}/v1/agents", params={"token": token_of("anna")})
    assert in_url.status_code == 401  # tokens are never accepted in URLs
    ok = await http.get(f"{a}/v1/agents", headers=auth("anna"))
    assert ok.status_code == 200 and ok.json()["me"] == "anna"
    listed = {x["id"]: x for x in ok.json()["agents"]}
    assert set(listed) == {a.id for a in AGENTS}
    assert set(listed["anna"]) == {
        "id",
        "name",
        "queues",
        "role",
        "status",
        "idle_since",
    }  # no token hash, no contact


async def test_status_only_your_own_and_every_worker_sees_it(
    servers: tuple[list[str], str], http: httpx.AsyncClient, redis_url: str
) -> None:
    (a, b), prefix = servers
    client = redis_client(redis_url)
    async with EventBus(client, prefix=prefix).subscribe() as events:
        off = await http.put(f"{a}/v1/agents/piotr/status", json={"status": "offline"}, headers=auth("piotr"))
        assert off.status_code == 200 and off.json() == {
            "id": "piotr",
            "status": "offline",
            "previous": "available",
        }
        event = await events.get(5.0)
    assert event is not None and (event.type, event.agent_id, event.data) == (
        AGENT_STATUS,
        "piotr",
        {"status": "offline"},
    )
    seen = (await http.get(f"{b}/v1/agents/me", headers=auth("piotr"))).json()
    assert seen["status"] == "offline"
    other = await http.put(f"{b}/v1/agents/anna/status", json={"status": "offline"}, headers=auth("piotr"))
    assert other.status_code == 403
    bad = await http.put(f"{b}/v1/agents/piotr/status", json={"status": "busy"}, headers=auth("piotr"))
    assert bad.status_code == 422
    await AgentRepo(client, prefix=prefix).reserve("obsluga", exclude={"piotr", "anna"}, transfer_id="t-busy")
    busy = await http.put(f"{a}/v1/agents/ewa/status", json={"status": "available"}, headers=auth("ewa"))
    assert busy.status_code == 409
    back = await http.put(f"{b}/v1/agents/piotr/status", json={"status": "available"}, headers=auth("piotr"))
    assert back.status_code == 200
    await client.aclose()


async def test_queues_and_transfer_context(
    servers: tuple[list[str], str], http: httpx.AsyncClient, redis_url: str
) -> None:
    (a, b), prefix = servers
    client = redis_client(redis_url)
    store = TransferStore(client, prefix=prefix)
    for seconds in (200, 220, 240):
        await HandlingStats(client, prefix=prefix).record("reklamacje", seconds)
    base: dict[str, Any] = {
        "call_sid": "CA1",
        "queue": "reklamacje",
        "reason": "complaint",
        "created_at": 1.0,
    }
    transcript: list[dict[str, Any]] = [
        {"role": "bot", "text": "W czym mogę pomóc?", "heard": True},
        {"role": "caller", "text": "reklamacja"},
    ]
    await store.create(TransferRecord(tid="q-old", enqueued_at=1000.0, **base))
    await store.create(TransferRecord(tid="q-urgent", enqueued_at=2000.0, **{**base, "priority": 5}))
    await store.create(
        TransferRecord(tid="q-new", enqueued_at=3000.0, caller="+48600100200", summary="Reklamacja butów.",
                       transcript=transcript, order_id="48213", **base)
    )  # fmt: skip
    await AgentRepo(client, prefix=prefix).sync_roster(AGENTS)  # idempotent: changes nobody's status
    for claimer in CLAIMERS:
        await http.put(f"{a}/v1/agents/{claimer}/status", json={"status": "offline"}, headers=auth(claimer))
    await http.put(f"{a}/v1/agents/k0/status", json={"status": "available"}, headers=auth("k0"))
    body = (await http.get(f"{b}/v1/queues", headers=auth("k0"))).json()  # k0 serves reklamacje
    queue = next(q for q in body["queues"] if q["queue"] == "reklamacje")
    assert [w["transfer_id"] for w in queue["waiting"]] == ["q-urgent", "q-old", "q-new"]
    assert (queue["available_agents"], queue["staffed_agents"], queue["avg_handling_s"]) == (
        1,
        1,
        211.2,
    )  # EMA(0.2): 200, 204, 211.2
    first, _, third = queue["waiting"]
    assert first["estimate_text"] == "około minuty"  # one free agent: rung at once
    assert third["estimate_text"] == "około sześciu minut"  # 20 s ring + 1.5 x 211.2 s and third["position"] == 3
    context = (await http.get(f"{a}/v1/transfers/q-new", headers=auth("k0"))).json()
    assert context["caller"] == "+48600100200" and context["transcript"] == transcript
    assert (context["order_id"], context["summary"], context["reason"], context["position"]) == (
        "48213", "Reklamacja butów.", "complaint", 3,
    )  # fmt: skip
    assert "call_sid" not in context
    assert (await http.get(f"{a}/v1/transfers/nope", headers=auth("k0"))).status_code == 404
    await client.aclose()


async def test_parallel_claims_over_two_workers_exactly_one_agent_wins(
    servers: tuple[list[str], str], http: httpx.AsyncClient, redis_url: str
) -> None:
    urls, prefix = servers
    client = redis_client(redis_url)
    book = RedisCallbacks(client, prefix=prefix)
    ids = [f"race-{n}" for n in range(8)]
    for n, cid in enumerate(ids):
        await book.add({"id": cid, "queue": "reklamacje", "phone": "+48600100200", "summary": "s",
                        "created_at": f"2025-03-03T10:00:{n:02d}+00:00", "status": "pending"})  # fmt: skip
    calls = [
        http.post(f"{urls[i % 2]}/v1/callbacks/{cid}/claim", headers=auth(agent))
        for cid in ids
        for i, agent in enumerate(CLAIMERS)
    ]
    responses = await asyncio.gather(*calls)
    for n, cid in enumerate(ids):
        mine = responses[n * len(CLAIMERS) : (n + 1) * len(CLAIMERS)]
        codes = sorted(r.status_code for r in mine)
        assert codes == [200] + [409] * (len(CLAIMERS) - 1), cid
        winner = next(CLAIMERS[i] for i, r in enumerate(mine) if r.status_code == 200)
        assert all(r.json()["detail"]["claimed_by"] == winner for r in mine if r.status_code == 409)
        record = await book.get(cid)
        assert record is not None and record["claimed_by"] == winner
    record = await book.get(ids[0])
    assert record is not None
    winner, loser = record["claimed_by"], next(c for c in CLAIMERS if c != record["claimed_by"])
    no = await http.post(f"{urls[1]}/v1/callbacks/{ids[0]}/close", json={"outcome": "x"}, headers=auth(loser))
    assert no.status_code == 409
    done = await http.post(
        f"{urls[0]}/v1/callbacks/{ids[0]}/close", json={"outcome": "oddzwoniono"}, headers=auth(winner)
    )
    assert done.status_code == 200 and done.json()["callback"]["outcome"] == "oddzwoniono"
    closed = (await http.get(f"{urls[1]}/v1/callbacks", params={"status": "closed"}, headers=auth(loser))).json()
    assert [c["id"] for c in closed["callbacks"]] == [ids[0]]
    missing = await http.post(f"{urls[0]}/v1/callbacks/nope/claim", headers=auth(winner))
    assert missing.status_code == 404
    await client.aclose()


async def test_wrap_up_records_the_outcome_and_frees_the_agent(
    servers: tuple[list[str], str], http: httpx.AsyncClient, redis_url: str
) -> None:
    (a, b), prefix = servers
    client = redis_client(redis_url)
    repo, store = AgentRepo(client, prefix=prefix), TransferStore(client, prefix=prefix)
    await store.create(
        TransferRecord(tid="t-wrap", call_sid="CA9", queue="obsluga", reason="urgent", created_at=1.0, enqueued_at=1.0)
    )
    assert (
        await http.post(f"{a}/v1/agents/me/wrap-up", json={"outcome": "x"}, headers=auth("anna"))
    ).status_code == 409
    agent = await repo.reserve("obsluga", exclude={"piotr", "ewa"}, transfer_id="t-wrap")
    assert agent is not None and agent.id == "anna"
    await repo.release("anna", "wrap_up", transfer_id="t-wrap")
    done = await http.post(f"{b}/v1/agents/me/wrap-up", json={"outcome": "rozwiązane"}, headers=auth("anna"))
    assert done.status_code == 200 and done.json()["transfer_id"] == "t-wrap"
    record = await store.get("t-wrap")
    assert record is not None and record.outcome == "rozwiązane"
    state = await repo.get("anna")
    assert state is not None and state.status == "available"
    again = await http.post(f"{a}/v1/agents/me/wrap-up", json={"outcome": "x"}, headers=auth("anna"))
    assert again.status_code == 409
    empty = await http.post(f"{a}/v1/agents/me/wrap-up", json={"outcome": ""}, headers=auth("anna"))
    assert empty.status_code == 422
    await client.aclose()


async def test_the_outcome_call_back_puts_a_callback_on_the_list(
    servers: tuple[list[str], str], http: httpx.AsyncClient, redis_url: str
) -> None:
    """ "Trzeba oddzwonić" created nothing: the promise to call back lived only in the agent's head."""
    (a, _), prefix = servers
    client = redis_client(redis_url)
    repo, store = AgentRepo(client, prefix=prefix), TransferStore(client, prefix=prefix)
    for tid, caller in (("t-cb", "+48600100200"), ("t-chat", None)):
        await store.create(TransferRecord(tid=tid, call_sid="CA8", queue="obsluga", reason="complaint", caller=caller,
                                          summary="Reklamacja czajnika.", created_at=1.0, enqueued_at=1.0))  # fmt: skip
        agent = await repo.reserve("obsluga", exclude={"piotr", "ewa"}, transfer_id=tid)
        assert agent is not None and agent.id == "anna"
        await repo.release("anna", "wrap_up", transfer_id=tid)
        body = {"outcome": "callback", "note": "oddzwonić jutro po 10"}
        done = await http.post(f"{a}/v1/agents/me/wrap-up", json=body, headers=auth("anna"))
        assert done.status_code == 200, done.text
        if caller is None:  # a chat: no number to call
            assert done.json()["callback_id"] is None
            continue
        listed = await http.get(f"{a}/v1/callbacks", headers=auth("anna"))
        mine = [c for c in listed.json()["callbacks"] if c["id"] == done.json()["callback_id"]]
        assert len(mine) == 1 and mine[0]["phone"] == caller and mine[0]["status"] == "pending"
        assert "oddzwonić jutro po 10" in mine[0]["summary"] and mine[0]["queue"] == "obsluga"
    await client.aclose()
