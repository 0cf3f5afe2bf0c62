"""Redis dies while the only agent on duty is being rung for a caller on hold: she picks up during the outage and is
told of a technical problem, her leg's status callbacks are only acknowledged, and Redis comes back 5 s later with
its data. The hold loop gives the ring up once Twilio can no longer report on it (``ring_overdue``); she is free
again, and she must be rung again for the caller. Before: she stayed among the agents "tried" for that caller, so
nobody was rung and the caller held on with an agent free, to the callback offer at the maximum wait.

Real parts: the whole gateway over a private redis-server killed and restarted, the Twilio REST stand-in, signed
Twilio callbacks over HTTP (``tests/support/outage.py``).
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from dialog import catalogue
from telephony.transfer.ring import RING_GRACE_S
from tests.support.outage import bearer, form, outage_gateway, proxied_gateway, twiml
from tests.support.redis import RedisServer, own_redis  # noqa: F401  (fixture)
from tests.support.redis_proxy import LoseOneReply


async def test_the_only_agent_is_rung_again_after_a_ring_lost_to_an_outage(
    own_redis: RedisServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    async with outage_gateway(own_redis, tmp_path, agent_status="available") as w:
        tid, sid = await w.start("reklamacje")
        rung = await w.twilio.next("create")
        own_redis.kill()
        leg = twiml(await w.signed(f"/twilio/transfer/{tid}/agent/anna", form(rung.call_sid)))
        assert catalogue.AGENT_TECHNICAL_PROBLEM in (leg.findtext("Say") or "")
        ended = form(rung.call_sid, CallStatus="completed")
        assert (await w.signed(f"/twilio/transfer/{tid}/agent/anna/status", ended)).status_code == 200
        await asyncio.sleep(5)
        own_redis.restart()
        assert await w.recovery.check()

        record = await w.warm.p.store.get(tid)
        assert record is not None and record.status == "ringing" and isinstance(record.rang_at, float)  # type: ignore[attr-defined]
        overdue = w.warm.cfg.agent_ring_timeout_s + RING_GRACE_S + 1
        await w.warm.p.store.update(tid, rang_at=record.rang_at - overdue)  # type: ignore[attr-defined]
        hold = twiml(await w.signed(f"/twilio/transfer/{tid}/hold", form(sid)))
        assert hold.find("Redirect") is not None
        again = await asyncio.wait_for(w.twilio.next("create"), 5)  # was: nobody rung, anna idle
        assert again.get("To") == rung.get("To")
        record = await w.warm.p.store.get(tid)
        assert record is not None and record.status == "ringing" and record.agent_id == "anna"


async def test_redis_dying_as_a_caller_enters_the_room_leaves_them_waiting_there(
    own_redis: RedisServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    """Redis stored the transfer and died before the first agent was rung, the caller already moved into the room.
    Before: the hand-over raised, so the call's fail-safe pulled the caller out to the fallback number over REST
    while the record waited on in the queue: once Redis was back an agent would be rung into an empty room. Now the
    caller stays in the room, where the hold loop speaks while Redis is down and rings the agent once it is back."""
    proxy = LoseOneReply("127.0.0.1", own_redis.port, commands=(b"PUBLISH",), then=own_redis.kill)  # after "waiting"
    async with proxied_gateway(proxy, tmp_path, agent_status="available") as w:
        proxy.dropped = False
        tid, sid = await w.start("reklamacje")  # was: raised (ConnectionError)
        assert proxy.dropped
        hold = twiml(await w.signed(f"/twilio/transfer/{tid}/hold", form(sid)))
        assert catalogue.HOLD_PRESS_STAR in " ".join(el.text or "" for el in hold.iter("Say"))
        await asyncio.sleep(5)
        own_redis.restart()
        assert await w.recovery.check()
        twiml(await w.signed(f"/twilio/transfer/{tid}/hold", form(sid)))
        rung = await asyncio.wait_for(w.twilio.next("create"), 5)
        assert rung.get("To") == "client:anna" and await w.status(tid) == "ringing"


async def test_a_caller_on_hold_through_an_outage_keeps_their_place_and_reaches_the_agent(
    own_redis: RedisServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    """Held (the seventh probe): while Redis is down the hold tick still answers at once, with words (the star key,
    in Twilio's voice) and music; Redis back with its data 8 s later, the agents' queue lists the caller at their
    place and the agent who finishes wrap-up is rung for them."""
    async with outage_gateway(own_redis, tmp_path, agent_status="wrap_up") as w:
        tid, sid = await w.start("reklamacje")
        own_redis.kill()
        hold = twiml(await w.signed(f"/twilio/transfer/{tid}/hold", form(sid)))
        assert catalogue.HOLD_PRESS_STAR in " ".join(el.text or "" for el in hold.iter("Say"))
        assert (await w.http.get(f"{w.base}/v1/queues", headers=bearer("anna"))).status_code == 503
        await asyncio.sleep(8)
        own_redis.restart()
        assert await w.recovery.check()
        queues = (await w.http.get(f"{w.base}/v1/queues", headers=bearer("anna"))).json()["queues"]
        waiting = [c for q in queues for c in q["waiting"]]
        assert [(c["transfer_id"], c["position"]) for c in waiting] == [(tid, 1)]
        done = await w.http.post(f"{w.base}/v1/agents/me/wrap-up", json={"outcome": "resolved"}, headers=bearer("anna"))
        assert done.status_code == 200
        rung = await asyncio.wait_for(w.twilio.next("create"), 5)
        assert rung.get("To") == "client:anna" and await w.status(tid) == "ringing"
