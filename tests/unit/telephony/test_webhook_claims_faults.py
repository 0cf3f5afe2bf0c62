"""A voice webhook's claim (``telephony/twilio/claims.py``) when Redis ran the take but its reply was lost: a real
redis-server behind ``tests/support/redis_proxy.LoseOneReply``, the project's client with its retries.

A review found the retry reading the claim its own first run had set as another worker's: the call's only
webhook was treated as a copy, and the key stayed for its whole TTL."""

from __future__ import annotations

import asyncio
import uuid
from urllib.parse import urlsplit

from redis.asyncio import Redis

from dialog.redis_connect import connect_redis
from telephony.twilio.claims import WebhookClaims
from tests.support.redis_proxy import LoseOneReply

GUARD_S = 10.0


async def test_a_take_sent_again_after_its_reply_was_lost_is_this_webhooks_claim(redis_url: str) -> None:
    where = urlsplit(redis_url)
    proxy = LoseOneReply(where.hostname or "127.0.0.1", where.port or 6379)
    port = await proxy.start()
    client, direct, other = (
        connect_redis(f"redis://127.0.0.1:{port}/0"),
        Redis.from_url(redis_url),
        Redis.from_url(redis_url),
    )
    prefix, sid = f"c{uuid.uuid4().hex[:8]}:", "CA" + uuid.uuid4().hex
    claims = WebhookClaims(client, prefix)
    await direct.script_load(claims._take_script.script)  # type: ignore[union-attr]  # the first EVALSHA is the take
    try:
        async with asyncio.timeout(GUARD_S):
            claim = await claims.claim(sid)
        assert proxy.dropped  # the first reply was lost: this was the retry
        assert claim is not None and claim.shared  # was None: the call's webhook answered as a copy
        assert await direct.get(claims._key(sid)) == claim.token.encode()
        assert await WebhookClaims(other, prefix).claim(sid) is None  # still one claim: another worker's copy waits
        await claims.done(claim)
        assert not await direct.exists(claims._key(sid))  # given back: no key left for the TTL
    finally:
        for each in (client, direct, other):
            await each.aclose()
        proxy.close()
