"""A warm transfer's status moves (compare-and-set scripts) whose reply Redis lost: Redis applied the move, the
connection broke before the answer, and redis-py sent the script again, which found the status already moved
(by itself) and refused. The step then read as stale: the agent who pressed 1 was told the caller had gone
and hung up, while the record said connected, so the caller was left in the room with music and nobody.

Real parts: the whole gateway over a real redis-server behind a proxy that loses exactly one reply
(``tests/support/redis_proxy.py``), the Twilio REST stand-in, signed Twilio callbacks over HTTP.
"""

from __future__ import annotations

import asyncio
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from dialog import catalogue
from telephony.devtools.faults_world import FALLBACK
from tests.support.outage import Outage, form, proxied_gateway, spoken, twiml
from tests.support.redis import RedisServer, own_redis  # noqa: F401  (fixture)
from tests.support.redis_proxy import LoseOneReply


async def test_an_agents_1_whose_reply_was_lost_still_bridges_the_caller(
    own_redis: RedisServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    proxy = LoseOneReply("127.0.0.1", own_redis.port, reply=b"*")  # the transition answers {1, previous}
    async with proxied_gateway(proxy, tmp_path, agent_status="available") as w:
        tid, _ = await w.start("reklamacje")  # anna is free: rung at once
        rung = await w.twilio.next("create")
        leg = form(rung.call_sid or "CA" + "9" * 32, Digits="1")
        proxy.dropped = False  # the next script reply (ringing -> connected) is lost once
        joined = twiml(await w.signed(f"/twilio/transfer/{tid}/agent/anna/answer", leg))
        assert proxy.dropped, "the proxy lost the transition's reply"
        conference = joined.find("Dial/Conference")  # was: the "caller gone" prompt and a hang-up
        assert conference is not None and conference.text == f"room-{tid}", ET.tostring(joined)
        assert await w.status(tid) == "connected"


async def _rest_moved(w: Outage, sid: str) -> str:
    """The TwiML the caller ``sid`` was last moved to over REST ('' when never)."""
    moves = [r.get("Twiml") for r in w.twilio.history if r.kind == "update" and r.call_sid == sid and r.get("Twiml")]
    return moves[-1] if moves else ""


@pytest.mark.parametrize("leg_end", ["while_down", "after_back"])
async def test_redis_dying_right_after_an_agents_1_strands_nobody(
    own_redis: RedisServer,  # noqa: F811
    tmp_path: Path,
    leg_end: str,
) -> None:
    """Redis took the agent's claim (ringing -> connected) and died before the bridge's TwiML was written: the agent
    is told of a technical problem and hangs up, so the room never starts. The end of their leg comes while Redis is
    down (acknowledged only: the record stays connected, the agent busy) or once it is back (the transfer completed,
    the agent in wrap-up). Either way the caller was still in the room when Redis came back (5 s later, with its
    data) and heard hold music for ever: no word, no agent, the star key hung up on them. Now a hold tick well past
    the claim with no bridge tells them and moves them to the fallback number, and frees the agent."""
    proxy = LoseOneReply("127.0.0.1", own_redis.port, reply=b"*2\r\n:1", then=own_redis.kill)
    async with proxied_gateway(proxy, tmp_path, agent_status="available") as w:
        tid, sid = await w.start("reklamacje")
        rung = await w.twilio.next("create")
        agent_sid, agents = rung.call_sid, w.gateway.transfer.agents.agents  # type: ignore[union-attr]
        proxy.dropped = False
        leg = twiml(await w.signed(f"/twilio/transfer/{tid}/agent/anna/answer", form(agent_sid, Digits="1")))
        assert catalogue.AGENT_TECHNICAL_PROBLEM in (leg.findtext("Say") or "") and leg.find("Hangup") is not None
        ended = form(agent_sid, CallStatus="completed")
        if leg_end == "while_down":
            assert (await w.signed(f"/twilio/transfer/{tid}/agent/anna/status", ended)).status_code == 200
        await asyncio.sleep(5)
        own_redis.restart()
        assert await w.recovery.check()
        if leg_end == "after_back":
            assert (await w.signed(f"/twilio/transfer/{tid}/agent/anna/status", ended)).status_code == 200
        assert await w.status(tid) == ("connected" if leg_end == "while_down" else "completed")

        if leg_end == "while_down":  # moments after the claim the agent may be joining: music
            hold = twiml(await w.signed(f"/twilio/transfer/{tid}/hold", form(sid)))
            assert hold.find("Redirect") is not None and FALLBACK not in await _rest_moved(w, sid)
        record = await w.warm.p.store.get(tid)
        assert record is not None and record.connected_at is not None
        await w.warm.p.store.update(tid, connected_at=record.connected_at - 60)  # a minute on, still no bridge
        hold = twiml(await w.signed(f"/twilio/transfer/{tid}/hold", form(sid)))
        words = [el for el in hold.iter("Play") if el.text != w.warm.p.audio.music_url] + list(hold.iter("Say"))
        assert words and hold.find("Redirect") is not None, ET.tostring(hold)  # was: music alone, for ever
        assert FALLBACK in await _rest_moved(w, sid)
        anna = await agents.get("anna")
        assert anna is not None and anna.status in ("available", "wrap_up") and anna.reserved_for is None
        star = twiml(await w.signed(f"/twilio/transfer/{tid}/after-room", form(sid, DialCallStatus="completed")))
        assert spoken(star) and star.findtext("Dial") == FALLBACK  # was: hung up


async def test_an_agents_reservation_whose_reply_was_lost_still_rings_them(
    own_redis: RedisServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    """Before: the reservation sent again found the agent busy (by itself) and skipped her: nobody was rung, and
    she stayed busy, reserved for a caller who never reached her, until she logged out."""
    proxy = LoseOneReply("127.0.0.1", own_redis.port)  # the reservation answers :1
    async with proxied_gateway(proxy, tmp_path, agent_status="available") as w:
        proxy.dropped = False
        tid, _ = await w.start("reklamacje")  # anna is free: reserved, then rung
        assert proxy.dropped, "the proxy lost the reservation's reply"
        rung = await asyncio.wait_for(w.twilio.next("create"), 5)  # was: no ring at all
        assert rung.get("To") == "client:anna"
        record = await w.warm.p.store.get(tid)
        assert record is not None and record.status == "ringing" and record.agent_id == "anna"


async def test_a_decline_whose_marker_reply_was_lost_still_rings_the_next_agent(
    own_redis: RedisServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    """A processed-event marker (``first_time``, SET NX) Redis set whose reply was lost: sent again it found the
    marker (its own) and read the event as a copy already handled. Before: anna's 2 was skipped (the record stayed
    ringing, anna busy, bob never rung), and the hold loop's safety net for a lost ring asked the same marker and
    skipped it too: the caller held for good, past the maximum wait (only a waiting caller is offered a callback)."""
    proxy = LoseOneReply("127.0.0.1", own_redis.port, commands=(b"\r\nSET\r\n",), reply=b"+OK")
    async with proxied_gateway(proxy, tmp_path, agent_status="available", others=("bob",)) as w:
        tid, _ = await w.start("reklamacje")
        rung = await w.twilio.next("create")
        first = rung.get("To").removeprefix("client:")
        proxy.dropped = False
        declined = await w.signed(f"/twilio/transfer/{tid}/agent/{first}/answer", form(rung.call_sid, Digits="2"))
        assert proxy.dropped and declined.status_code == 200
        other = await asyncio.wait_for(w.twilio.next("create"), 5)  # was: nobody rung
        assert other.get("To") != rung.get("To")
        agents = w.gateway.transfer.agents.agents  # type: ignore[union-attr]
        freed = await agents.get(first)
        assert freed is not None and freed.status == "available" and freed.reserved_for is None
