"""One agent's transcript reads out of a long audit stream (``telephony/agents/audit.py``) on a real redis-server:
found however far back they are, newest first, while no single command asks Redis for more than a page."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from redis.asyncio import Redis

from telephony.agents.audit import PAGE, TranscriptAudit


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
