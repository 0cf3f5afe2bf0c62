"""A stale reservation freed between the ringing worker's last check and its dial. The worker that reserved anna
stalls past 30 s before it rings (redis-py retrying through a failover); a hold tick reads the caller waiting and
anna's reservation stale, and gives it back just after the worker checked she is still reserved (``still_reserved``)
and just before the dial reached Twilio. Found: anna rung for the caller while 'available', free to be reserved and
rung for another caller at once (the check, then the dial: a window a second worker's release fits into). Now the
check holds the reservation for the ring in one Lua step over the transfer and the agent (the transfer rings her,
she is reserved for it: her reservation's time is the ring's), so a release acting on the reservation as read
before it finds it changed and frees nobody.

Real parts: the whole gateway over a private redis-server, the Twilio REST stand-in, signed callbacks over HTTP; the
stalls are the real steps run in the order a slow worker and a tick can run them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from telephony.transfer import stale
from telephony.transfer.record import TransferRecord
from tests.support.outage import outage_gateway
from tests.support.redis import RedisServer, own_redis  # noqa: F401  (fixture)


async def test_a_tick_between_the_last_check_and_the_dial_frees_nobody_being_rung(
    own_redis: RedisServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    async with outage_gateway(own_redis, tmp_path, agent_status="available") as w:
        store, agents = w.warm.p.store, w.gateway.transfer.agents.agents  # type: ignore[union-attr]
        rest = w.warm.p.rest
        transition, create_call, listing = store.transition, rest.create_call, agents.list
        read: list[Any] = []

        async def stall(tid: str, to: str, **kw: Any) -> Any:
            if to == "ringing" and not read:  # 31 s pass; a tick reads the caller waiting, anna's reservation stale
                await agents.redis.hset(agents._key("anna"), "changed_at", w.warm.now() - 31.0)
                read.extend([await store.get(tid), await agents.list()])
            return await transition(tid, to, **kw)

        async def tick_then_dial(to: str, from_: str, url: str, **extra: Any) -> Any:
            record, view = read

            async def as_read() -> Any:
                agents.list = listing  # type: ignore[method-assign]
                return view

            agents.list = as_read  # type: ignore[method-assign]
            assert isinstance(record, TransferRecord) and record.status == "waiting"
            await stale.free_stale(agents, record, w.warm.now())  # the tick's release, after the worker's check
            return await create_call(to, from_, url, **extra)

        store.transition = stall  # type: ignore[method-assign]
        rest.create_call = tick_then_dial  # type: ignore[method-assign]
        tid, _ = await w.start("reklamacje")
        rung = [r.get("To") for r in w.twilio.drain() if r.kind == "create"]
        assert rung == ["client:anna"]
        record = await store.get(tid)
        assert record is not None and record.status == "ringing" and record.agent_id == "anna"
        anna = await agents.get("anna")
        assert anna is not None and anna.status == "busy" and anna.reserved_for == tid, anna  # was: available
