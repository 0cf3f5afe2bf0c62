"""A live chat's message (``ChatLog.append``) when Redis stored it and its reply was lost: redis-py sends the
script again. It pushed the message a second time, so the agent read the customer's line twice and every
later ``seq`` was one off. The same append sent again answers the seq it got; a new append is a new message.
A real redis-server behind ``tests/support/redis_proxy.LoseOneReply``, the project's client with its retries."""

from __future__ import annotations

import asyncio
import uuid
from urllib.parse import urlsplit

from redis.asyncio import Redis

from dialog.redis_connect import connect_redis
from telephony.chat.store import ChatLog
from telephony.transfer.store import TransferStore
from tests.support.redis_proxy import LoseOneReply

GUARD_S = 10.0


async def test_an_append_sent_again_after_its_reply_was_lost_is_stored_once(redis_url: str) -> None:
    where = urlsplit(redis_url)
    proxy = LoseOneReply(where.hostname or "127.0.0.1", where.port or 6379)
    client = connect_redis(f"redis://127.0.0.1:{await proxy.start()}/0")
    direct = Redis.from_url(redis_url, decode_responses=True)
    prefix = f"chatlost{uuid.uuid4().hex[:8]}:"
    log = ChatLog(TransferStore(client, prefix=prefix))
    await direct.script_load(log._append.script)  # type: ignore[attr-defined]  # the first EVALSHA is the append
    try:
        async with asyncio.timeout(GUARD_S):
            first = await log.append("t1", "customer", "Pralka nie wiruje.", 100.0)
        assert proxy.dropped  # Redis pushed it; the client heard nothing and sent it again
        assert first["seq"] == 1
        second = await log.append("t1", "agent", "Sprawdzę to.", 101.0, agent="anna")
        window = await log.window("t1")
        assert [(m["seq"], m["text"]) for m in window.messages] == [(1, "Pralka nie wiruje."), (2, "Sprawdzę to.")]
        assert second["seq"] == 2 and window.customers == 1  # counted once too
        again = await log.append("t1", "customer", "Pralka nie wiruje.", 102.0)  # the same words, a new message
        assert again["seq"] == 3 and len(await log.since("t1")) == 3
    finally:
        await client.aclose()
        await direct.delete(*[k async for k in direct.scan_iter(f"{prefix}*")] or ["-"])
        await direct.aclose()
        proxy.close()
