"""Agents see and act only on their queues; a supervisor sees all and reads the audit log of who read which
transcript. The real gateway over real HTTP and a real Redis (two workers: the audit is shared)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest

from telephony.agents.audit import TranscriptAudit
from telephony.agents.callbacks_redis import RedisCallbacks
from telephony.settings import Settings
from telephony.transfer.record import TransferRecord
from telephony.transfer.store import TransferStore
from tests.support.access import agent, gateways, key, settings_for
from tests.support.agents import redis_client, token_of

AGENTS = [agent("anna", ["obsluga"]), agent("kasia", ["reklamacje"]), agent("szef", ["obsluga"], "supervisor")]
TRANSCRIPT = [{"role": "bot", "text": "W czym mogę pomóc?"}, {"role": "caller", "text": "Reklamacja butów"}]


@pytest.fixture(scope="module")
def world(redis_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Settings, list[str]]]:
    settings = settings_for(redis_url, tmp_path_factory.mktemp("roles"), AGENTS)
    with gateways(settings, count=2) as urls:
        yield settings, urls


@pytest.fixture
async def records(world: tuple[Settings, list[str]], redis_url: str) -> AsyncIterator[None]:
    """A complaint (reklamacje) and a question (obsluga): a transfer and a callback each, with transcripts."""
    settings, _ = world
    client, prefix = redis_client(redis_url), settings.redis_prefix
    store, callbacks = TransferStore(client, prefix=prefix), RedisCallbacks(client, prefix=prefix)
    for tid, queue in (("t-rek", "reklamacje"), ("t-obs", "obsluga")):
        base: dict[str, Any] = {"call_sid": f"CA-{tid}", "queue": queue, "reason": "complaint"}
        await store.create(
            TransferRecord(
                tid=tid, created_at=1.0, enqueued_at=1.0, caller="+48600100200", transcript=TRANSCRIPT, **base
            )
        )
    for cid, queue in (("cb-rek", "reklamacje"), ("cb-obs", "obsluga")):
        await callbacks.add({"id": cid, "queue": queue, "phone": "+48600100200", "summary": f"summary {cid}",
                             "created_at": "2026-01-05T10:00:00+00:00", "transcript": TRANSCRIPT})  # fmt: skip
    yield
    await client.aclose()


def get(url: str, who: str, path: str) -> httpx.Response:
    return httpx.get(url + path, headers=key(token_of(who)), timeout=30)


def post(url: str, who: str, path: str, **kw: Any) -> httpx.Response:
    return httpx.post(url + path, headers=key(token_of(who)), timeout=30, **kw)


@pytest.mark.usefixtures("records")
def test_an_agent_cannot_read_another_queue_s_transfer(world: tuple[Settings, list[str]]) -> None:
    _, (a, b) = world
    assert get(a, "anna", "/v1/transfers/t-rek").status_code == 404  # as if it did not exist
    assert get(a, "anna", "/v1/transfers/t-obs").json()["transcript"] == TRANSCRIPT
    assert get(b, "kasia", "/v1/transfers/t-rek").json()["caller"] == "+48600100200"
    assert get(b, "szef", "/v1/transfers/t-rek").status_code == 200  # a supervisor sees every queue


@pytest.mark.usefixtures("records")
def test_callbacks_of_other_queues_are_neither_listed_nor_claimed_nor_closed(world: tuple[Settings, list[str]]) -> None:
    _, (a, b) = world
    assert [c["id"] for c in get(a, "anna", "/v1/callbacks").json()["callbacks"]] == ["cb-obs"]
    assert post(a, "anna", "/v1/callbacks/cb-rek/claim").status_code == 404
    assert post(b, "kasia", "/v1/callbacks/cb-rek/claim").status_code == 200
    closing = post(a, "anna", "/v1/callbacks/cb-rek/close", json={"outcome": "resolved"})
    assert closing.status_code == 404
    assert {c["id"] for c in get(b, "szef", "/v1/callbacks").json()["callbacks"]} == {"cb-obs"}  # cb-rek claimed
    assert {c["id"] for c in get(b, "szef", "/v1/callbacks?status=claimed").json()["callbacks"]} == {"cb-rek"}


@pytest.mark.usefixtures("records")
def test_queues_an_agent_sees_and_a_supervisor_sees(world: tuple[Settings, list[str]]) -> None:
    _, (a, _b) = world
    assert [q["queue"] for q in get(a, "anna", "/v1/queues").json()["queues"]] == ["obsluga"]
    assert {"obsluga", "reklamacje"} <= {q["queue"] for q in get(a, "szef", "/v1/queues").json()["queues"]}


@pytest.mark.usefixtures("records")
def test_the_console_shows_only_the_agent_s_queues(world: tuple[Settings, list[str]]) -> None:
    _, (a, _b) = world
    with httpx.Client(base_url=a, timeout=30) as anna:
        assert anna.post("/agents/login", data={"token": token_of("anna")}).status_code == 303
        panels = anna.get("/agents/panels").json()
        assert "summary cb-obs" in panels["callbacks"] and "summary cb-rek" not in panels["callbacks"]
        assert "reklamacje" not in panels["queues"]
        refused = anna.post("/agents/callbacks/cb-rek/claim", headers={"x-requested-with": "fetch"})
        assert refused.status_code == 409 and refused.json()["ok"] is False


async def test_who_read_which_transcript_is_audited_for_supervisors(
    world: tuple[Settings, list[str]], records: None, redis_url: str
) -> None:
    settings, (a, b) = world
    audit = TranscriptAudit(redis_client(redis_url), prefix=settings.redis_prefix)
    await audit.redis.delete(audit.stream, *[k async for k in audit.redis.scan_iter(f"{audit.prefix}audit:*")])
    for url in (a, b):  # twice, on both workers: recorded once (the console refetches after every event)
        assert get(url, "kasia", "/v1/transfers/t-rek").status_code == 200
    get(a, "anna", "/v1/callbacks")
    assert get(a, "anna", "/v1/audit").status_code == 403
    entries = get(b, "szef", "/v1/audit").json()["entries"]
    reads = sorted((e["agent"], e["kind"], e["id"], e["via"]) for e in entries)
    assert reads == [("anna", "callback", "cb-obs", "api"), ("kasia", "transfer", "t-rek", "api")]
    mine = get(b, "szef", "/v1/audit?agent=kasia").json()["entries"]
    assert [e["id"] for e in mine] == ["t-rek"] and mine[0]["at"].startswith("20")
    assert await audit.redis.ttl(audit.stream) > 0  # the stream itself expires when nobody reads anything
    await audit.redis.aclose()


async def test_audit_entries_older_than_the_retention_are_trimmed(redis_url: str) -> None:
    client = redis_client(redis_url)
    audit = TranscriptAudit(client, prefix="test-audit-retention:", retention_s=86400)
    await client.delete(audit.stream)
    await client.xadd(audit.stream, {"agent": "old", "kind": "transfer", "id": "t0", "via": "api"}, id="1000-0")
    assert await audit.record("anna", "transfer", "t1", "api")
    assert [e["agent"] for e in await audit.entries()] == ["anna"]
    await client.delete(audit.stream, *[k async for k in client.scan_iter("test-audit-retention:*")])
    await client.aclose()
