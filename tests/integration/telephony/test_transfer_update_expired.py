"""A transfer record that expires between ``update``'s check and its write (a final read of the session's diff):
the write recreated it, a few fields with no status and no TTL, kept in Redis for good. The check and the write
are one step now."""

from __future__ import annotations

import time

from redis.asyncio import Redis

from telephony.transfer.record import TransferRecord
from telephony.transfer.store import TransferStore


async def test_a_record_that_expires_as_it_is_updated_is_not_recreated(redis_url: str) -> None:
    redis = Redis.from_url(redis_url, decode_responses=True)
    store = TransferStore(redis, prefix="upd-expired:")
    now = time.time()
    await store.create(
        TransferRecord(tid="t1", call_sid="CA1", queue="obsluga", reason="requested_human", created_at=now,
                       enqueued_at=now)
    )  # fmt: skip
    original_exists = redis.exists

    async def expires_as_checked(*keys: str) -> int:
        found = await original_exists(*keys)
        await redis.delete(*keys)  # its TTL ran out just after the check
        return int(found)

    redis.exists = expires_as_checked  # type: ignore[method-assign]
    updated = await store.update("t1", agent_call_sid="CA2")
    redis.exists = original_exists  # type: ignore[method-assign]
    key = "upd-expired:transfer:t1"
    whole = await redis.hget(key, "status") is not None and await redis.ttl(key) > 0
    assert whole or not await redis.exists(key), updated  # never a half-made record kept for good (no TTL)
    await redis.aclose()
