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
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from telephony.transfer import ring, stale
from tests.support.outage import form, outage_gateway, proxied_gateway
from tests.support.redis import RedisServer, own_redis  # noqa: F401  (fixture)
from tests.support.redis_proxy import LoseOneReply


@contextlib.asynccontextmanager
async def reserved_then_restarted(own_redis: RedisServer, tmp_path: Path) -> AsyncIterator[tuple[Any, str, str]]:  # noqa: F811
    """A gateway whose Redis dies right after anna's reservation (no ring) and is back: (world, transfer, call)."""
    proxy = LoseOneReply("127.0.0.1", own_redis.port, reply=b":1", then=own_redis.kill)  # the reservation's :1
    async with proxied_gateway(proxy, tmp_path, agent_status="available") as w:
        proxy.dropped = False
        tid, sid = await w.start("reklamacje")  # anna reserved, then Redis dies: no ring
        assert proxy.dropped, "Redis did not die after the reservation"
        own_redis.restart()
        assert await w.recovery.check()
        yield w, tid, sid


async def test_an_agent_reserved_as_redis_died_is_rung_once_it_is_back(
    own_redis: RedisServer,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async with reserved_then_restarted(own_redis, tmp_path) as (w, tid, sid):
        agents = w.gateway.transfer.agents.agents  # type: ignore[union-attr]
        anna = await agents.get("anna")
        assert anna is not None and anna.status == "busy" and anna.reserved_for == tid
        assert await w.status(tid) == "waiting"
        w.twilio.drain()

        await w.signed(f"/twilio/transfer/{tid}/hold", form(sid))  # moments on: maybe a worker about to ring her
        assert not [r for r in w.twilio.drain() if r.kind == "create"]
        anna = await agents.get("anna")
        assert anna is not None and anna.reserved_for == tid  # a fresh reservation is left alone
        monkeypatch.setattr(stale, "STALE_RESERVATION_S", 0.0)  # the reservation is old enough: not what this checks
        await w.signed(f"/twilio/transfer/{tid}/hold", form(sid))  # a tick once Redis is back
        rung = await asyncio.wait_for(w.twilio.next("create"), 5)  # was: nobody rung, anna busy for good
        assert rung.get("To") == "client:anna"
        record = await w.warm.p.store.get(tid)
        assert record is not None and record.status == "ringing" and record.agent_id == "anna"


async def test_a_tick_amid_a_missed_ring_leaves_the_miss_to_count(
    own_redis: RedisServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    """A ring of 40 s (the setting allows up to 120) ends with no answer; a hold tick comes between the transfer's
    move back to waiting and the agent's release. Her reservation is 40 s old and the caller waits, so the tick
    read it as one Redis lost and gave her back unblamed: her missed ring was never counted (an agent away from
    her desk stayed on duty, rung for every caller), the miss's own release found nothing to do."""
    async with outage_gateway(own_redis, tmp_path, agent_status="available", extra={"agent_ring_timeout_s": 40}) as w:
        tid, sid = await w.start("reklamacje")
        call = await w.twilio.next("create")
        agents = w.gateway.transfer.agents.agents  # type: ignore[union-attr]
        await agents.redis.hset(agents._key("anna"), "changed_at", w.warm.now() - 41.0)  # rung 41 s ago
        store = w.warm.p.store
        transition = store.transition
        ticked: list[int] = []

        async def tick_amid(tid_: str, to: str, **kw: object) -> object:
            moved = await transition(tid_, to, **kw)  # type: ignore[arg-type]
            if to == "waiting" and not ticked:
                ticked.append((await w.signed(f"/twilio/transfer/{tid}/hold", form(sid))).status_code)
            return moved

        store.transition = tick_amid  # type: ignore[method-assign]
        await w.signed(f"/twilio/transfer/{tid}/agent/anna/status", form(call.call_sid, CallStatus="no-answer"))
        assert ticked == [200]
        anna = await agents.get("anna")
        assert anna is not None and anna.reserved_for is None
        assert anna.no_answers == 1 or anna.status == "offline", anna  # was: no_answers 0, the miss not counted


async def test_a_worker_slow_between_reserving_and_ringing_does_not_free_the_agent_the_tick_rang(
    own_redis: RedisServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    """The worker that reserved anna stalls over 30 s before saying it rings her (redis-py retrying through a
    failover, the very case 54a0ac6 frees); meanwhile a tick gives the reservation back and rings her itself. The
    slow worker, finding the caller no longer waiting, released anna as if the reservation were still its own: she
    was 'available' while her phone rang for this caller, free to be reserved and rung for another."""
    async with outage_gateway(own_redis, tmp_path, agent_status="available") as w:
        store, agents = w.warm.p.store, w.gateway.transfer.agents.agents  # type: ignore[union-attr]
        add_tried = store.add_tried
        ticked: list[int] = []

        async def stall(tid: str, agent_id: str) -> None:
            if not ticked:  # the first reservation: 31 s pass, a tick comes
                ticked.append(0)
                await agents.redis.hset(agents._key(agent_id), "changed_at", w.warm.now() - 31.0)
                record = await store.get(tid)
                assert record is not None
                ticked[0] = (await w.signed(f"/twilio/transfer/{tid}/hold", form(record.call_sid))).status_code
            await add_tried(tid, agent_id)

        store.add_tried = stall  # type: ignore[method-assign]
        tid, _ = await w.start("reklamacje")
        assert ticked == [200]
        rung = [r for r in w.twilio.drain() if r.kind == "create"]
        assert [r.get("To") for r in rung] == ["client:anna"]  # the tick's ring
        record = await store.get(tid)
        assert record is not None and record.status == "ringing" and record.agent_id == "anna"
        anna = await agents.get("anna")
        assert anna is not None and anna.status == "busy" and anna.reserved_for == tid, anna  # was: available


async def test_a_worker_slow_to_ring_an_agent_freed_meanwhile_does_not_ring_her_unreserved(
    own_redis: RedisServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    """As above, the stall just before the transfer says it rings anna (she is already tried for the caller, so the
    tick that frees her rings nobody). The slow worker then rang her though she was no longer reserved: her phone
    rang for this caller while she was 'available', free to be reserved and rung for another caller at once."""
    async with outage_gateway(own_redis, tmp_path, agent_status="available") as w:
        store, agents = w.warm.p.store, w.gateway.transfer.agents.agents  # type: ignore[union-attr]
        transition = store.transition
        ticked: list[int] = []

        async def stall(tid: str, to: str, **kw: object) -> object:
            if to == "ringing" and not ticked:
                ticked.append(0)
                await agents.redis.hset(agents._key("anna"), "changed_at", w.warm.now() - 31.0)
                record = await store.get(tid)
                assert record is not None
                ticked[0] = (await w.signed(f"/twilio/transfer/{tid}/hold", form(record.call_sid))).status_code
            return await transition(tid, to, **kw)  # type: ignore[arg-type]

        store.transition = stall  # type: ignore[method-assign]
        tid, _ = await w.start("reklamacje")
        assert ticked == [200]
        record = await store.get(tid)
        anna = await agents.get("anna")
        assert record is not None and anna is not None
        if record.status == "ringing":  # rung: only while reserved for this caller
            assert record.agent_id == "anna" and anna.status == "busy" and anna.reserved_for == tid, anna
        else:  # not rung now: she is free and may still be rung for this caller
            assert record.status == "waiting" and anna.status == "available" and "anna" not in record.tried_agents


async def test_two_ticks_at_once_free_a_stale_reservation_not_the_fresh_one_after_it(
    own_redis: RedisServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    """Two workers tick for the same waiting caller at once and both read anna's 31 s old reservation. The first
    frees it and its dispatch reserves anna afresh and rings her; the second, acting on what it read, freed the
    fresh reservation (it is for the same caller): anna 'available' while her phone rang."""
    async with outage_gateway(own_redis, tmp_path, agent_status="available") as w:
        store, agents = w.warm.p.store, w.gateway.transfer.agents.agents  # type: ignore[union-attr]
        add_tried = store.add_tried
        seen: list[object] = []

        async def stall(tid: str, agent_id: str) -> None:
            if not seen:  # the reservation never followed: both workers read it stale
                await agents.redis.hset(agents._key(agent_id), "changed_at", w.warm.now() - 31.0)
                seen.append(await store.get(tid))
                seen.append(await agents.list())
                raise ConnectionError("Redis died after the reservation")
            await add_tried(tid, agent_id)

        store.add_tried = stall  # type: ignore[method-assign]
        await w.start("reklamacje")  # the caller waits in the room (b341ea4)
        record, stale_view = seen
        assert isinstance(record, ring.TransferRecord) and record.status == "waiting"
        await w.signed(f"/twilio/transfer/{record.tid}/hold", form(record.call_sid))  # the first worker's tick
        assert (await w.twilio.next("create")).get("To") == "client:anna"
        listing = agents.list

        async def as_read() -> object:
            agents.list = listing  # type: ignore[method-assign]
            return stale_view

        agents.list = as_read  # type: ignore[method-assign]
        await stale.free_stale(agents, record, w.warm.now())  # the second worker, acting on what it read
        anna = await agents.get("anna")
        assert anna is not None and anna.status == "busy" and anna.reserved_for == record.tid, anna


async def test_a_caller_who_hangs_up_before_the_stale_reservation_is_freed_frees_the_agent(
    own_redis: RedisServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    """Redis dies right after anna's reservation, comes back, and the caller hangs up within the 30 s the hold loop
    waits before calling that reservation stale. Only a waiting caller's tick frees it, and there are no more: the
    transfer never named anna (no ring), so its abandon released nobody and anna stayed busy, reserved for a call
    that was over, until she logged out."""
    async with reserved_then_restarted(own_redis, tmp_path) as (w, tid, sid):
        agents = w.gateway.transfer.agents.agents  # type: ignore[union-attr]
        anna = await agents.get("anna")
        assert anna is not None and anna.reserved_for == tid

        hung_up = {"CallStatus": "completed", "SequenceNumber": "1"}
        assert (await w.signed("/twilio/status", form(sid, **hung_up))).status_code in (200, 204)  # the caller left
        assert await w.status(tid) == "abandoned"
        anna = await agents.get("anna")
        assert anna is not None and anna.status == "available" and anna.reserved_for is None, anna  # was: busy


async def test_a_reservation_left_behind_by_a_call_another_agent_took_is_freed_when_it_ends(
    own_redis: RedisServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    """The same lost reservation, but another agent took the caller within the 30 s: the transfer was connected, so
    no hold tick ever looked at anna again, and she stayed busy, reserved for a call someone else had taken, until
    she logged out (a final read). When that call ends, every agent still reserved for it is given back."""
    async with reserved_then_restarted(own_redis, tmp_path) as (w, tid, _sid):
        agents = w.gateway.transfer.agents.agents  # type: ignore[union-attr]
        connected = await w.warm.p.store.transition(tid, "connected", agent_id="bartek", connected_at=w.warm.now())
        assert connected is not None  # another agent took the caller (the ring's steps are not what this checks)
        assert await w.warm.complete(tid)  # the call ends
        anna = await agents.get("anna")
        assert anna is not None and anna.status == "available" and anna.reserved_for is None, anna  # was: busy
