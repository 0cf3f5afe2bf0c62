"""``TransferStore.update_unset`` (leaving in wrap-up: ``logged_out`` only where no outcome was written) when
Redis applied it and its reply was lost: redis-py sends the script again, which found the field set (by itself)
and answered 0, so the leaving request skipped the history note of the outcome it had just written: the
conversation's record said ``logged_out`` and its history said nothing (a review). The same call sent again
answers what it did; another writer's value still answers 0."""

from __future__ import annotations

import uuid
from urllib.parse import urlsplit

from redis.asyncio import Redis

from dialog.redis_connect import connect_redis
from telephony.transfer.store import TransferStore
from tests.support.redis_proxy import LoseOneReply


async def test_an_update_unset_whose_reply_was_lost_still_says_it_wrote(redis_url: str) -> None:
    where = urlsplit(redis_url)
    proxy = LoseOneReply(where.hostname or "127.0.0.1", where.port or 6379)
    prefix = f"unset{uuid.uuid4().hex[:8]}:"
    direct = Redis.from_url(redis_url, decode_responses=True)
    client = connect_redis(f"redis://127.0.0.1:{await proxy.start()}/0")
    store = TransferStore(client, prefix=prefix)
    try:
        await direct.hset(f"{prefix}transfer:t1", mapping={"tid": '"t1"', "status": '"completed"'})
        await direct.script_load(store._set_unset.script)  # type: ignore[attr-defined]  # no NOSCRIPT round first
        assert await store.update_unset("t1", "outcome", "logged_out")  # was: False, the note skipped
        assert proxy.dropped  # Redis wrote it; the client heard nothing and sent it again
        assert await direct.hget(f"{prefix}transfer:t1", "outcome") == '"logged_out"'
        assert not await store.update_unset("t1", "outcome", "logged_out")  # another leaving request: no
        assert not await store.update_unset("gone", "outcome", "logged_out")
    finally:
        await client.aclose()
        await direct.delete(*[k async for k in direct.scan_iter(f"{prefix}*")] or ["-"])
        await direct.aclose()
        proxy.close()
