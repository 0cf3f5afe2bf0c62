"""One agent's transcript reads out of a long audit stream (``telephony/agents/audit.py``) on a real redis-server:
found however far back they are, newest first, while no single command asks Redis for more than a page."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from redis.asyncio import Redis

from telephony.agents.audit import PAGE, SCAN_CAP, AuditPage, TranscriptAudit, stream_id


async def test_one_agent_s_reads_are_paged_out_of_a_long_stream(
    redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    redis = Redis.from_url(redis_url, decode_responses=True)
    audit = TranscriptAudit(redis, prefix=f"audit-{uuid.uuid4().hex}:")
    async with redis.pipeline(transaction=False) as pipe:
        for i in range(3):  # anna's reads are the oldest
            pipe.xadd(
                audit.stream, {"at": "2026-12-07T05:00:00+00:00", "agent": "anna", "kind": "history", "id": f"a{i}"}
            )
        for i in range(2 * PAGE + 7):
            pipe.xadd(
                audit.stream, {"at": "2026-12-07T05:00:00+00:00", "agent": "bob", "kind": "history", "id": f"b{i}"}
            )
        await pipe.execute()
    asked: list[Any] = []
    xrevrange = redis.xrevrange

    async def counted(name: str, max: str = "+", min: str = "-", count: int | None = None) -> Any:
        asked.append(count)
        return await xrevrange(name, max=max, min=min, count=count)

    monkeypatch.setattr(redis, "xrevrange", counted)
    assert [e["id"] for e in await audit.entries(10, "anna")] == ["a2", "a1", "a0"]
    assert asked and all(c is not None and c <= PAGE for c in asked)  # never the whole stream in one reply
    assert [e["id"] for e in await audit.entries(2, "anna")] == ["a2", "a1"]
    assert [e["id"] for e in await audit.entries(3)] == [f"b{2 * PAGE + 6}", f"b{2 * PAGE + 5}", f"b{2 * PAGE + 4}"]
    await redis.aclose()


async def _fill(audit: TranscriptAudit, anna: int, bob: int) -> list[str]:
    """``anna`` reads (the oldest) then ``bob`` of bob's; returns every stream id, oldest first."""
    async with audit.redis.pipeline(transaction=False) as pipe:
        for i in range(anna):
            pipe.xadd(
                audit.stream, {"at": "2026-12-07T05:00:00+00:00", "agent": "anna", "kind": "history", "id": f"a{i}"}
            )
        for i in range(bob):
            pipe.xadd(
                audit.stream, {"at": "2026-12-07T05:00:00+00:00", "agent": "bob", "kind": "history", "id": f"b{i}"}
            )
        return [str(i) for i in await pipe.execute()]


async def test_a_rare_agent_s_search_stops_at_the_scan_cap_and_goes_on_from_where_it_stopped(
    redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A rare agent among many entries: each request reads at most ``SCAN_CAP`` of them (it used to walk the
    whole 90-day stream), says it stopped, and the next request starts after the last entry it read."""
    redis = Redis.from_url(redis_url, decode_responses=True)
    audit = TranscriptAudit(redis, prefix=f"audit-{uuid.uuid4().hex}:")
    ids = await _fill(audit, 2, 2 * SCAN_CAP + 100)
    newest_first = ids[::-1]
    read: list[int] = []
    xrevrange = redis.xrevrange

    async def counted(name: str, max: str = "+", min: str = "-", count: int | None = None) -> Any:
        rows = await xrevrange(name, max=max, min=min, count=count)
        read.append(len(rows))
        return rows

    monkeypatch.setattr(redis, "xrevrange", counted)
    first = await audit.page(200, "anna")
    assert first == AuditPage([], newest_first[SCAN_CAP - 1], capped=True) and sum(read) == SCAN_CAP
    read.clear()
    second = await audit.page(200, "anna", first.older)
    assert second == AuditPage([], newest_first[2 * SCAN_CAP - 1], capped=True) and sum(read) == SCAN_CAP
    third = await audit.page(200, "anna", second.older)
    assert [e["id"] for e in third.entries] == ["a1", "a0"] and (third.older, third.capped) == (None, False)
    assert await audit.entries(200, "anna") == []  # the API's list: the newest SCAN_CAP entries only
    await redis.aclose()


async def test_a_full_page_goes_on_after_its_last_entry_shown(redis_url: str) -> None:
    redis = Redis.from_url(redis_url, decode_responses=True)
    audit = TranscriptAudit(redis, prefix=f"audit-{uuid.uuid4().hex}:", scan_cap=50)
    ids = await _fill(audit, 3, 20)
    two = await audit.page(2, "anna")
    assert [e["id"] for e in two.entries] == ["a2", "a1"] and two.older == ids[1] and not two.capped
    rest = await audit.page(2, "anna", two.older)
    assert [e["id"] for e in rest.entries] == ["a0"] and rest.older is None
    everyone = await audit.page(10)
    assert [e["id"] for e in everyone.entries] == [f"b{i}" for i in range(19, 9, -1)] and everyone.older == ids[13]
    assert stream_id(ids[0]) == ids[0] and stream_id("+") is None and stream_id("1-2 OR x") is None
    await redis.aclose()


async def test_a_cursor_redis_cannot_page_back_from_is_no_cursor(redis_url: str) -> None:
    """Stream ids that match the form but that Redis refuses ("ERR Invalid stream ID" past 64 bits, "invalid
    end ID" for 0-0): once a bare 500 on the audit page, now read as no cursor (the newest entries)."""
    redis = Redis.from_url(redis_url, decode_responses=True)
    audit = TranscriptAudit(redis, prefix=f"audit-{uuid.uuid4().hex}:")
    await _fill(audit, 1, 1)
    for refused in ("99999999999999999999-0", "0-18446744073709551616", "0-0"):
        assert stream_id(refused) is None, refused
    assert stream_id("18446744073709551615-0") == "18446744073709551615-0"
    newest = await audit.page(5, None, stream_id("0-0"))
    assert len(newest.entries) == 2
    await redis.aclose()
