"""An agent's ring whose Twilio callbacks never arrive (they came while Redis was down and were only
acknowledged), and the hold loop while Redis is down: the caller must neither wait for good behind a ring
nobody reports on nor be left in silence, and the agent must not stay reserved for a caller they never got.

Real parts: the whole gateway over a private redis-server, the Twilio REST stand-in, signed Twilio callbacks
over HTTP (``tests/support/outage.py``).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from dialog import catalogue
from telephony.transfer.ring import RING_GRACE_S
from tests.support.outage import Outage, form, outage_gateway, spoken, twiml
from tests.support.redis import RedisServer, own_redis  # noqa: F401  (fixture)


async def _rung_long_ago(w: Outage, tid: str, seconds: float) -> None:
    record = await w.warm.p.store.get(tid)
    assert record is not None and record.status == "ringing"
    rang_at = getattr(record, "rang_at", None)
    assert isinstance(rang_at, float)
    await w.warm.p.store.update(tid, rang_at=rang_at - seconds)


async def test_a_ring_nobody_reports_on_is_given_up_and_the_agent_freed(
    own_redis: RedisServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    async with outage_gateway(own_redis, tmp_path, agent_status="available") as w:
        tid, sid = await w.start("reklamacje")  # anna is free: she is rung at once
        await w.twilio.next("create")
        rung = await w.warm.p.store.get(tid)
        assert rung is not None and rung.agent_id == "anna" and rung.agent_call_sid
        agent = await w.gateway.transfer.agents.agents.get("anna")  # type: ignore[union-attr]
        assert agent is not None and agent.status == "busy"

        await _rung_long_ago(w, tid, 10.0)  # within the ring timeout: nothing happens
        hold = twiml(await w.signed(f"/twilio/transfer/{tid}/hold", form(sid)))
        assert hold.find("Redirect") is not None and await w.status(tid) == "ringing"

        timeout = w.warm.cfg.agent_ring_timeout_s
        await _rung_long_ago(w, tid, timeout + RING_GRACE_S)  # no word from Twilio since: lost
        hold = twiml(await w.signed(f"/twilio/transfer/{tid}/hold", form(sid)))
        assert spoken(hold) and hold.find("Redirect") is not None, ET.tostring(hold)
        cancel = await w.twilio.next("update")
        assert cancel.call_sid == rung.agent_call_sid and cancel.get("Status") == "canceled"
        # anna is free again and, the only agent on duty, rung afresh for the caller (a ring given up with no word
        # on how it went does not count as tried: test_ring_through_outage.py)
        again = await w.twilio.next("create")
        assert again.call_sid != rung.agent_call_sid and again.get("To") == "client:anna"
        record = await w.warm.p.store.get(tid)
        assert record is not None and record.status == "ringing" and record.agent_call_sid == again.call_sid


async def test_the_hold_loop_goes_on_while_redis_is_down_and_an_agent_leg_is_told_why_it_ends(
    own_redis: RedisServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    async with outage_gateway(own_redis, tmp_path, agent_status="wrap_up") as w:
        tid, sid = await w.start("reklamacje")
        own_redis.kill()
        hold = twiml(await w.signed(f"/twilio/transfer/{tid}/hold", form(sid)))
        said = " ".join(el.text or "" for el in hold.iter("Say"))
        music = [el for el in hold.iter("Play") if el.text == w.warm.p.audio.music_url]
        assert catalogue.HOLD_PRESS_STAR in said and music, ET.tostring(hold)
        assert hold.findtext("Redirect") == f"{w.base}/twilio/transfer/{tid}/hold"  # back on the next tick

        leg = twiml(await w.signed(f"/twilio/transfer/{tid}/agent/anna", form("CA" + "7" * 32)))
        said = " ".join(el.text or "" for el in leg.iter("Say"))
        assert catalogue.AGENT_TECHNICAL_PROBLEM in said and leg.find("Hangup") is not None
        own_redis.restart()
        assert await w.recovery.check()
        hold = twiml(await w.signed(f"/twilio/transfer/{tid}/hold", form(sid)))
        assert spoken(hold) and hold.find("Redirect") is not None  # the loop it kept alive carries on


async def test_an_agent_rung_afresh_who_declines_is_let_go_and_not_rung_in_a_loop(
    own_redis: RedisServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    """Rung afresh after a ring given up for lack of news, anna presses 2: her decline counts (the missed
    marker was per caller and agent, so the second ring's decline read as a copy of the first: the transfer stayed
    'ringing' with anna reserved, for good), and she is not rung again for the same caller."""
    async with outage_gateway(own_redis, tmp_path, agent_status="available") as w:
        tid, sid = await w.start("reklamacje")
        await w.twilio.next("create")
        await _rung_long_ago(w, tid, w.warm.cfg.agent_ring_timeout_s + RING_GRACE_S)
        await w.signed(f"/twilio/transfer/{tid}/hold", form(sid))  # given up: anna rung afresh
        await w.twilio.next("update")
        again = await w.twilio.next("create")
        assert again.get("To") == "client:anna"

        declined = twiml(await w.signed(f"/twilio/transfer/{tid}/agent/anna/answer", form(again.call_sid, Digits="2")))
        assert declined.find("Hangup") is not None
        record = await w.warm.p.store.get(tid)
        assert record is not None and record.status == "waiting" and record.agent_id is None
        agent = await w.gateway.transfer.agents.agents.get("anna")  # type: ignore[union-attr]
        assert agent is not None and agent.status == "available"

        await w.signed(f"/twilio/transfer/{tid}/hold", form(sid))  # a tick: nobody left to ring for this caller
        assert await w.status(tid) == "waiting"


async def test_an_agent_whose_rings_keep_getting_lost_is_rung_afresh_once_per_caller(
    own_redis: RedisServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    """Each ring of anna's given up for lack of news (her status callbacks never reach us): she is rung afresh once,
    not on every give-up, her phone ringing for the same caller every forty seconds while the caller, the transfer
    'ringing' again at each tick, never met the callback offer at the maximum wait."""
    async with outage_gateway(own_redis, tmp_path, agent_status="available") as w:
        tid, sid = await w.start("reklamacje")
        await w.twilio.next("create")
        lost = w.warm.cfg.agent_ring_timeout_s + RING_GRACE_S
        await _rung_long_ago(w, tid, lost)
        await w.signed(f"/twilio/transfer/{tid}/hold", form(sid))
        await w.twilio.next("update")
        assert (await w.twilio.next("create")).get("To") == "client:anna"  # once more: the first news was lost

        await _rung_long_ago(w, tid, lost)
        await w.signed(f"/twilio/transfer/{tid}/hold", form(sid))
        await w.twilio.next("update")
        record = await w.warm.p.store.get(tid)
        assert record is not None and record.status == "waiting" and record.agent_id is None
        assert not [r for r in w.twilio.drain() if r.kind == "create"], "anna rung a third time"


async def test_the_only_agent_whose_ring_was_lost_once_and_then_missed_leaves_the_caller_the_callback_offer(
    own_redis: RedisServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    """Anna alone on duty: her first ring lost in an outage (given up, she is rung afresh), the second one she
    really misses (Twilio's no-answer comes). The caller is not rung to her again and, at the queue's maximum
    wait, meets the callback offer: never stuck ringing."""
    async with outage_gateway(own_redis, tmp_path, agent_status="available") as w:
        tid, sid = await w.start("reklamacje")
        await w.twilio.next("create")
        await _rung_long_ago(w, tid, w.warm.cfg.agent_ring_timeout_s + RING_GRACE_S)
        await w.signed(f"/twilio/transfer/{tid}/hold", form(sid))
        await w.twilio.next("update")
        again = await w.twilio.next("create")
        assert again.get("To") == "client:anna"
        await w.signed(f"/twilio/transfer/{tid}/agent/anna/status", form(again.call_sid, CallStatus="no-answer"))
        assert await w.status(tid) == "waiting"
        await w.signed(f"/twilio/transfer/{tid}/hold", form(sid))
        assert not [r for r in w.twilio.drain() if r.kind == "create"], "anna rung a third time"

        record = await w.warm.p.store.get(tid)
        assert record is not None
        await w.warm.p.store.update(tid, enqueued_at=record.enqueued_at - w.warm.max_wait_s(record.queue) - 1)
        await w.signed(f"/twilio/transfer/{tid}/hold", form(sid))
        assert await w.status(tid) == "callback_offered"
