"""The sweep judges a connected chat's customer away on a record it read, then marks it (``ChatLog.away``): a
stamp of the customer's landing between the two (their stream ticking, a message) was overwritten by the mark,
and the agent read 'Klient nie jest już połączony z czatem.' about a customer who was writing, then 'Klient
wrócił do czatu.' a tick later. The mark is refused now when the customer was stamped since the judged read."""

from __future__ import annotations

import time

from redis.asyncio import Redis

from telephony.chat.store import ChatLog
from telephony.transfer.record import TransferRecord
from telephony.transfer.store import TransferStore


async def test_a_customer_stamped_after_the_sweep_read_is_not_marked_away(redis_url: str) -> None:
    redis = Redis.from_url(redis_url, decode_responses=True)
    store, now = TransferStore(redis, prefix="away-stamp:"), time.time()
    await store.create(
        TransferRecord(tid="t1", call_sid="chat:s1", queue="obsluga", reason="requested_human", created_at=now,
                       enqueued_at=now, channel="chat", status="connected", agent_id="anna", connected_at=now)
    )  # fmt: skip
    await store.update("t1", customer_seen_at=now + 1.5)
    judged = await store.get("t1")  # the sweep's read: unseen for the grace (its clock far on)
    assert judged is not None
    await store.update("t1", customer_seen_at=now + 90.25)  # the customer's stream ticks: they are there
    assert await ChatLog(store).away(judged, now + 95) is False
    latest = await store.get("t1")
    assert latest is not None and getattr(latest, "customer_away_at", None) is None
    unchanged = await store.get("t1")  # a read after the latest stamp may still mark (the next sweep judges it)
    assert unchanged is not None and await ChatLog(store).away(unchanged, now + 200) is True
    await redis.aclose()
