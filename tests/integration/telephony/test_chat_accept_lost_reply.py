"""An agent's „Przyjmij czat” (``ChatLog.accept``: ringing -> connected) that Redis applied and whose reply was
lost: redis-py sends the script again, which found the chat connected (by this very accept) and refused. Before:
the agent was told the chat was no longer offered to them (409) while it was theirs, and the customer was never
told who joined. The same accept sent again answers what it did; a second accept of its own still answers no."""

from __future__ import annotations

import time
import uuid
from urllib.parse import urlsplit

from redis.asyncio import Redis

from dialog.redis_connect import connect_redis
from telephony.chat.store import ChatLog
from telephony.transfer.record import TransferRecord, chat_key
from telephony.transfer.store import TransferStore
from tests.support.redis_proxy import LoseOneReply


async def test_an_accept_whose_reply_was_lost_still_says_it_took_the_chat(redis_url: str) -> None:
    where = urlsplit(redis_url)
    proxy = LoseOneReply(where.hostname or "127.0.0.1", where.port or 6379)
    prefix = f"accept{uuid.uuid4().hex[:8]}:"
    direct = Redis.from_url(redis_url, decode_responses=True)
    client = connect_redis(f"redis://127.0.0.1:{await proxy.start()}/0")
    store = TransferStore(client, prefix=prefix)
    chats = ChatLog(store)
    try:
        now = time.time()
        record = TransferRecord(
            tid="c1", call_sid=chat_key("s1"), channel="chat", queue="obsluga", reason="requested_human",
            created_at=now, enqueued_at=now, status="ringing", agent_id="anna",
        )  # fmt: skip
        await store.create(record)
        await direct.script_load(chats._accept.script)  # type: ignore[attr-defined]  # no NOSCRIPT round first
        assert await chats.accept(record, "anna", now)  # was: False, "not offered to you"
        assert proxy.dropped  # Redis applied it; the client heard nothing and sent it again
        stored = await store.get("c1")
        assert stored is not None and stored.status == "connected" and stored.agent_id == "anna"
        assert not await chats.accept(record, "anna", now)  # the agent's second click: no second "joined"
    finally:
        await client.aclose()
        await direct.delete(*[k async for k in direct.scan_iter(f"{prefix}*")] or ["-"])
        await direct.aclose()
        proxy.close()
