"""The chat sweep reads the records of every busy agent's hand-off (``HandoffCore.sweep_away``) on every worker
every few seconds: one Redis round trip per record made 50 busy agents 50 round trips per sweep per worker. The
records are read in one pipeline now, whatever their number (and still in order, the missing ones left out)."""

from __future__ import annotations

import time

import pytest
from redis.asyncio import Redis
from redis.asyncio.connection import Connection

from telephony.transfer.record import TransferRecord
from telephony.transfer.store import TransferStore

BUSY = 50


async def test_the_records_of_fifty_busy_agents_are_read_in_one_round_trip(
    redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    redis = Redis.from_url(redis_url, decode_responses=True)
    store = TransferStore(redis, prefix="away-load:")
    now = time.time()
    for i in range(BUSY):
        await store.create(
            TransferRecord(tid=f"t{i}", call_sid=f"CA{i}", queue="obsluga", reason="requested_human",
                           created_at=now, enqueued_at=now)
        )  # fmt: skip
    sent = 0
    original = Connection.send_packed_command

    async def counted(self: Connection, *args: object, **kwargs: object) -> None:
        nonlocal sent
        sent += 1
        await original(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Connection, "send_packed_command", counted)
    tids = [f"t{i}" for i in reversed(range(BUSY))] + ["gone"]
    records = await store.records(tids)
    monkeypatch.undo()
    assert [r.tid for r in records] == tids[:-1]  # in the order asked, the one that is not there left out
    assert sent == 1, f"{sent} round trips for {BUSY} records"
    await redis.aclose()
