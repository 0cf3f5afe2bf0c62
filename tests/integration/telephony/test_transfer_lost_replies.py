"""A warm transfer's status moves (compare-and-set scripts) whose reply Redis lost: Redis applied the move, the
connection broke before the answer, and redis-py sent the script again, which found the status already moved
(by itself) and refused. The step then read as stale: the agent who pressed 1 was told the caller had gone
and hung up, while the record said connected, so the caller was left in the room with music and nobody.

Real parts: the whole gateway over a real redis-server behind a proxy that loses exactly one reply
(``tests/support/redis_proxy.py``), the Twilio REST stand-in, signed Twilio callbacks over HTTP.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from tests.support.outage import Outage, form, outage_gateway, twiml
from tests.support.redis import RedisServer, own_redis  # noqa: F401  (fixture)
from tests.support.redis_proxy import LoseOneReply


@dataclass
class _Proxied:
    """What ``outage_gateway`` reads of a redis-server: its URL, here the proxy's."""

    url: str


@asynccontextmanager
async def _gateway_behind(proxy: LoseOneReply, tmp_path: Path, **kwargs: Any) -> AsyncIterator[Outage]:
    port = await proxy.start()
    proxy.dropped = True  # disarmed until the step under test
    try:
        async with outage_gateway(cast(RedisServer, _Proxied(f"redis://127.0.0.1:{port}/0")), tmp_path, **kwargs) as w:
            yield w
    finally:
        proxy.close()


async def test_an_agents_1_whose_reply_was_lost_still_bridges_the_caller(
    own_redis: RedisServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    proxy = LoseOneReply("127.0.0.1", own_redis.port, reply=b"*")  # the transition answers {1, previous}
    async with _gateway_behind(proxy, tmp_path, agent_status="available") as w:
        tid, _ = await w.start("reklamacje")  # anna is free: rung at once
        rung = await w.twilio.next("create")
        leg = form(rung.call_sid or "CA" + "9" * 32, Digits="1")
        proxy.dropped = False  # the next script reply (ringing -> connected) is lost once
        joined = twiml(await w.signed(f"/twilio/transfer/{tid}/agent/anna/answer", leg))
        assert proxy.dropped, "the proxy lost the transition's reply"
        conference = joined.find("Dial/Conference")  # was: the "caller gone" prompt and a hang-up
        assert conference is not None and conference.text == f"room-{tid}", ET.tostring(joined)
        assert await w.status(tid) == "connected"
