"""Redis dying right after an agent was reserved for a caller, before the transfer said whom it rings (b341ea4 let
the caller wait in the room for the hold loop to ring once Redis is back): the agent stayed busy, reserved for a
caller who was never rung to her, so the hold loop found nobody free, the caller met the callback offer at the
maximum wait and the agent stayed busy until she logged out. A reservation that never became a ring is given
back by the hold loop's tick once it is clearly stale, and the agent rung.

Real parts: the whole gateway over a real redis-server behind a proxy that kills it right after a chosen reply
(``tests/support/redis_proxy.py``), the Twilio REST stand-in, signed Twilio callbacks over HTTP.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from telephony.transfer import ring
from tests.support.outage import form, proxied_gateway
from tests.support.redis import RedisServer, own_redis  # noqa: F401  (fixture)
from tests.support.redis_proxy import LoseOneReply


async def test_an_agent_reserved_as_redis_died_is_rung_once_it_is_back(
    own_redis: RedisServer,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    proxy = LoseOneReply("127.0.0.1", own_redis.port, reply=b":1", then=own_redis.kill)  # the reservation's :1
    async with proxied_gateway(proxy, tmp_path, agent_status="available") as w:
        proxy.dropped = False
        tid, sid = await w.start("reklamacje")  # anna reserved, then Redis dies: no ring
        assert proxy.dropped, "Redis did not die after the reservation"
        own_redis.restart()
        assert await w.recovery.check()
        agents = w.gateway.transfer.agents.agents  # type: ignore[union-attr]
        anna = await agents.get("anna")
        assert anna is not None and anna.status == "busy" and anna.reserved_for == tid
        assert await w.status(tid) == "waiting"
        w.twilio.drain()

        await w.signed(f"/twilio/transfer/{tid}/hold", form(sid))  # moments on: maybe a worker about to ring her
        assert not [r for r in w.twilio.drain() if r.kind == "create"]
        anna = await agents.get("anna")
        assert anna is not None and anna.reserved_for == tid  # a fresh reservation is left alone
        monkeypatch.setattr(ring, "STALE_RESERVATION_S", 0.0)  # the reservation is old enough: not what this checks
        await w.signed(f"/twilio/transfer/{tid}/hold", form(sid))  # a tick once Redis is back
        rung = await asyncio.wait_for(w.twilio.next("create"), 5)  # was: nobody rung, anna busy for good
        assert rung.get("To") == "client:anna"
        record = await w.warm.p.store.get(tid)
        assert record is not None and record.status == "ringing" and record.agent_id == "anna"
