"""A stranded caller (an agent's claim that never became a bridge: Redis died between her "1" and the join, or
her join never came) goes back to the head of the queue, with an apology, while another agent serving the queue
is free, the queue is open and its maximum wait is not past; the fallback number only when nobody can take them.
Found: 30 s after the claim the hold tick sent every such caller to the fallback number, even with another agent
free to take them at once.

Real parts: the whole gateway over a private redis-server (killed and restarted in the first test, through a
proxy that passes the claim's reply on and then kills it), the Twilio REST stand-in, signed callbacks over HTTP.
"""

from __future__ import annotations

import asyncio
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from dialog import catalogue
from telephony.devtools.faults_world import FALLBACK
from tests.support.outage import Outage, form, outage_gateway, proxied_gateway, spoken, twiml
from tests.support.redis import RedisServer, own_redis  # noqa: F401  (fixture)
from tests.support.redis_proxy import LoseOneReply


def _moved_to(w: Outage, sid: str) -> list[str]:
    """The TwiML the caller ``sid`` was moved to over REST."""
    return [r.get("Twiml") for r in w.twilio.history if r.kind == "update" and r.call_sid == sid and r.get("Twiml")]


def _said(w: Outage, doc: ET.Element) -> list[str]:
    """Our audio and Twilio's <Say> in ``doc``, the music left out."""
    return [el.text or "" for el in doc.iter() if el.tag in ("Play", "Say") and el.text != w.warm.p.audio.music_url]


async def _opens_with_apology(w: Outage, said: list[str]) -> bool:
    """The first words of the tick are the apology, then the usual position and wait (our audio's text, kept in
    Redis by its id, or a <Say>)."""
    first, store = said[0], w.warm.p.store
    if first.startswith("http"):
        first = await store.redis.get(f"{store.prefix}audio:{first.rsplit('/', 1)[-1].removesuffix('.wav')}") or ""
    return first.startswith(catalogue.HOLD_BACK_IN_QUEUE) and "miejscu w kolejce" in first


async def _claim_long_ago(w: Outage, tid: str, seconds: float, enqueued_too: bool = False) -> None:
    record = await w.warm.p.store.get(tid)
    assert record is not None and record.status == "connected" and record.connected_at is not None
    back = {"enqueued_at": record.enqueued_at - 1000} if enqueued_too else {}
    await w.warm.p.store.update(tid, connected_at=record.connected_at - seconds, **back)


async def _stranded_with_beata_free(w: Any) -> tuple[Any, str, str, Any]:
    """anna rung alone (beata offline), her "1" never a bridge, beata free again, the claim 60 s old: the
    agents, the transfer, the caller's CallSid and anna's ring."""
    agents = w.gateway.transfer.agents.agents
    await agents.set_status("beata", "offline")
    tid, sid = await w.start("reklamacje")
    rung = await w.twilio.next("create")
    await w.signed(f"/twilio/transfer/{tid}/agent/anna/answer", form(rung.call_sid, Digits="1"))  # no join
    await agents.set_status("beata", "available")
    await _claim_long_ago(w, tid, 60)
    return agents, tid, sid, rung


async def test_a_stranded_caller_goes_back_to_the_queue_when_another_agent_is_free(
    own_redis: RedisServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    proxy = LoseOneReply("127.0.0.1", own_redis.port, reply=b"*2\r\n:1", then=own_redis.kill)
    async with proxied_gateway(proxy, tmp_path, agent_status="available", others=("beata",)) as w:
        agents = w.gateway.transfer.agents.agents  # type: ignore[union-attr]
        await agents.set_status("beata", "offline")  # off duty for now: anna is rung
        tid, sid = await w.start("reklamacje")
        rung = await w.twilio.next("create")
        assert rung.get("To") == "client:anna"
        proxy.dropped = False  # her claim (ringing -> connected) is applied, then Redis dies
        leg = twiml(await w.signed(f"/twilio/transfer/{tid}/agent/anna/answer", form(rung.call_sid, Digits="1")))
        assert catalogue.AGENT_TECHNICAL_PROBLEM in (leg.findtext("Say") or "")
        ended = form(rung.call_sid, CallStatus="completed")
        assert (await w.signed(f"/twilio/transfer/{tid}/agent/anna/status", ended)).status_code == 200  # while down
        await asyncio.sleep(2)
        own_redis.restart()
        assert await w.recovery.check()
        await agents.set_status("beata", "available")  # beata is free now
        await _claim_long_ago(w, tid, 60)
        before = await w.warm.p.store.get(tid)
        w.twilio.drain()

        hold = twiml(await w.signed(f"/twilio/transfer/{tid}/hold", form(sid)))
        said = _said(w, hold)
        assert said and hold.find("Redirect") is not None, ET.tostring(hold)  # words, then back to the hold
        assert await _opens_with_apology(w, said), said
        assert not any(FALLBACK in m for m in _moved_to(w, sid))  # was: moved to the fallback number
        again = await w.twilio.next("create")
        assert again.get("To") == "client:beata"  # the next free agent, at once
        record = await w.warm.p.store.get(tid)
        assert record is not None and record.status == "ringing" and record.agent_id == "beata"
        assert before is not None and record.enqueued_at == before.enqueued_at  # at the head: the place it had
        anna = await agents.get("anna")
        assert anna is not None and anna.status == "available" and anna.reserved_for is None  # free, not blamed


async def test_the_fallback_stays_the_last_resort(own_redis: RedisServer, tmp_path: Path) -> None:  # noqa: F811
    """Past the queue's maximum wait, another agent free or not, the stranded caller goes to the fallback number
    (the existing tests cover nobody else free)."""
    async with outage_gateway(own_redis, tmp_path, agent_status="available", others=("beata",)) as w:
        agents = w.gateway.transfer.agents.agents  # type: ignore[union-attr]
        await agents.set_status("beata", "offline")
        tid, sid = await w.start("reklamacje")
        rung = await w.twilio.next("create")
        await w.signed(f"/twilio/transfer/{tid}/agent/anna/answer", form(rung.call_sid, Digits="1"))  # no join
        await agents.set_status("beata", "available")
        await _claim_long_ago(w, tid, 60, enqueued_too=True)  # waited 1000 s: past the maximum wait (180 s)
        hold = twiml(await w.signed(f"/twilio/transfer/{tid}/hold", form(sid)))
        assert spoken(hold) and await w.status(tid) == "fallback"
        assert any(FALLBACK in m for m in _moved_to(w, sid))
        assert [r.get("To") for r in w.twilio.drain() if r.kind == "create"] == []  # beata not rung


async def test_a_requeued_caller_is_not_requeued_twice_by_two_ticks(
    own_redis: RedisServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    """Two hold ticks for the same stranded caller at once: one move back to the queue, one ring of beata."""
    async with outage_gateway(own_redis, tmp_path, agent_status="available", others=("beata",)) as w:
        _agents, tid, sid, _rung = await _stranded_with_beata_free(w)
        w.twilio.drain()
        ticks = [w.signed(f"/twilio/transfer/{tid}/hold", form(sid)) for _ in range(2)]
        for reply in await asyncio.gather(*ticks):
            doc = twiml(reply)
            assert spoken(doc) and doc.find("Redirect") is not None
        made = [r.get("To") for r in w.twilio.drain() if r.kind == "create"]
        assert made == ["client:beata"] and await w.status(tid) == "ringing"
        assert not any(FALLBACK in m for m in _moved_to(w, sid))


async def test_a_late_join_of_the_first_agents_leg_does_not_connect_the_next_agents_ring(
    own_redis: RedisServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    """The room's news of anna's leg joining, delivered late, after her caller went back to the queue and beata is
    being rung: it is anna's leg's news (its CallSid), not beata's, so the transfer stays ringing beata."""
    async with outage_gateway(own_redis, tmp_path, agent_status="available", others=("beata",)) as w:
        _agents, tid, sid, rung = await _stranded_with_beata_free(w)
        await w.signed(f"/twilio/transfer/{tid}/hold", form(sid))
        assert (await w.twilio.next("create")).get("To") == "client:beata"
        room = {"ConferenceSid": "CF" + "2" * 32, "ParticipantLabel": "agent"}
        late = form(rung.call_sid, StatusCallbackEvent="participant-join", SequenceNumber="3", **room)
        assert (await w.signed(f"/twilio/transfer/{tid}/conference", late)).status_code == 200
        record = await w.warm.p.store.get(tid)
        assert record is not None and record.status == "ringing" and record.agent_id == "beata"  # was: connected


async def test_the_end_of_the_first_agents_leg_reported_during_the_move_back_does_not_send_the_caller_away(
    own_redis: RedisServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    """The tick stops anna's leg and Twilio reports its end ("completed") at once, to another worker, before the
    tick moved the caller back (the report can beat the REST reply). Found: the report found the claim still
    connected and completed it (anna in wrap-up for a caller she never spoke to, the wait counted as answered),
    so the move back was refused and the caller went to the fallback number, beata free."""
    async with outage_gateway(own_redis, tmp_path, agent_status="available", others=("beata",)) as w:
        agents, tid, sid, rung = await _stranded_with_beata_free(w)
        rest, update_call = w.warm.p.rest, w.warm.p.rest.update_call

        async def stop_and_report(call_sid: str, data: dict[str, str]) -> Any:
            reply = await update_call(call_sid, data)
            if call_sid == rung.call_sid and data.get("Status") == "completed":  # Twilio's report of the leg's end
                ended = form(rung.call_sid, CallStatus="completed")
                assert (await w.signed(f"/twilio/transfer/{tid}/agent/anna/status", ended)).status_code == 200
            return reply

        rest.update_call = stop_and_report  # type: ignore[method-assign]
        w.twilio.drain()
        hold = twiml(await w.signed(f"/twilio/transfer/{tid}/hold", form(sid)))
        assert spoken(hold) and hold.find("Redirect") is not None
        assert not any(FALLBACK in m for m in _moved_to(w, sid))  # was: the fallback number
        record = await w.warm.p.store.get(tid)
        assert record is not None and record.status == "ringing" and record.agent_id == "beata"  # was: fallback
        anna = await agents.get("anna")
        assert anna is not None and anna.status == "available"  # was: wrap_up


async def test_with_twilio_rest_down_the_stranded_caller_still_meets_the_fallback(
    own_redis: RedisServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    """Twilio REST refusing, beata free: the move back is made, but her ring cannot be, so the transfer fails over
    as any ring does with REST down (the caller hears the star key's way out, never silence), and both agents are
    free: nobody is left busy for a caller nobody can ring."""
    async with outage_gateway(own_redis, tmp_path, agent_status="available", others=("beata",)) as w:
        agents, tid, sid, _rung = await _stranded_with_beata_free(w)
        w.twilio.set_outage("refuse")
        hold = twiml(await w.signed(f"/twilio/transfer/{tid}/hold", form(sid)))
        assert spoken(hold) and hold.find("Redirect") is not None
        assert await w.status(tid) == "fallback"
        for agent_id in ("anna", "beata"):
            state = await agents.get(agent_id)
            assert state is not None and state.status == "available" and state.reserved_for is None, state
        w.twilio.set_outage(None)
        again = twiml(await w.signed(f"/twilio/transfer/{tid}/hold", form(sid)))
        assert spoken(again) and any(FALLBACK in m for m in _moved_to(w, sid))  # REST back: the fallback number


async def test_the_move_back_whose_reply_was_lost_still_rings_the_next_agent(
    own_redis: RedisServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    """Redis moved the caller back, its reply was lost, redis-py sent the move again: the move's id kept on the
    record answers it as made (read as refused, the tick would have left the caller and anna as they were)."""
    proxy = LoseOneReply("127.0.0.1", own_redis.port)  # the move back answers :1
    async with proxied_gateway(proxy, tmp_path, agent_status="available", others=("beata",)) as w:
        agents, tid, sid, _rung = await _stranded_with_beata_free(w)
        proxy.dropped = False
        hold = twiml(await w.signed(f"/twilio/transfer/{tid}/hold", form(sid)))
        assert proxy.dropped, "the proxy lost the move's reply"
        assert await _opens_with_apology(w, _said(w, hold))
        record = await w.warm.p.store.get(tid)
        assert record is not None and record.status == "ringing" and record.agent_id == "beata"
        anna = await agents.get("anna")
        assert anna is not None and anna.status == "available" and anna.reserved_for is None


async def test_the_first_agent_freed_by_the_move_back_is_offered_to_her_other_queues_at_once(
    own_redis: RedisServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    """anna, freed when her stranded caller goes back to the queue, serves "obsluga" too, where a caller waits with
    nobody free they have not declined. Found: she sat idle until that caller's next hold tick (up to 45 s); every
    other way an agent is freed offers her to her queues' callers at once (``telephony/transfer/ring.py``)."""
    queues = ("reklamacje", "obsluga")
    async with outage_gateway(own_redis, tmp_path, agent_status="available", queues=queues, others=("celina",)) as w:
        agents = w.gateway.transfer.agents.agents  # type: ignore[union-attr]
        await agents.set_status("celina", "offline")
        tid, sid = await w.start("reklamacje")
        rung = await w.twilio.next("create")
        await w.signed(f"/twilio/transfer/{tid}/agent/anna/answer", form(rung.call_sid, Digits="1"))  # no join
        await agents.set_status("celina", "available")
        other, _ = await w.start("obsluga")  # celina rung for them, and she declines
        ring = await w.twilio.next("create")
        assert ring.get("To") == "client:celina"
        await w.signed(f"/twilio/transfer/{other}/agent/celina/answer", form(ring.call_sid, Digits="2"))
        assert await w.status(other) == "waiting"
        await _claim_long_ago(w, tid, 60)
        w.twilio.drain()
        await w.signed(f"/twilio/transfer/{tid}/hold", form(sid))  # only the stranded caller's tick
        made = {r.get("To") for r in w.twilio.drain() if r.kind == "create"}
        assert made == {"client:celina", "client:anna"}, made  # was: celina only, anna idle
        mine = await w.warm.p.store.get(other)
        assert mine is not None and mine.status == "ringing" and mine.agent_id == "anna"


async def test_the_first_agent_freed_by_the_fallback_is_offered_to_her_other_queues_at_once(
    own_redis: RedisServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    """The same, the stranded caller past the maximum wait (the fallback number, not the queue): anna, freed, was
    left idle until the waiting caller's next hold tick."""
    queues = ("reklamacje", "obsluga")
    async with outage_gateway(own_redis, tmp_path, agent_status="available", queues=queues, others=("celina",)) as w:
        agents = w.gateway.transfer.agents.agents  # type: ignore[union-attr]
        await agents.set_status("celina", "offline")
        tid, sid = await w.start("reklamacje")
        rung = await w.twilio.next("create")
        await w.signed(f"/twilio/transfer/{tid}/agent/anna/answer", form(rung.call_sid, Digits="1"))  # no join
        await agents.set_status("celina", "available")
        other, _ = await w.start("obsluga")
        ring = await w.twilio.next("create")
        await w.signed(f"/twilio/transfer/{other}/agent/celina/answer", form(ring.call_sid, Digits="2"))
        await _claim_long_ago(w, tid, 60, enqueued_too=True)  # past the maximum wait: the fallback number
        w.twilio.drain()
        await w.signed(f"/twilio/transfer/{tid}/hold", form(sid))
        assert await w.status(tid) == "fallback"
        made = [r.get("To") for r in w.twilio.drain() if r.kind == "create"]
        assert made == ["client:anna"], made  # was: nobody
        mine = await w.warm.p.store.get(other)
        assert mine is not None and mine.status == "ringing" and mine.agent_id == "anna"


async def test_a_late_join_of_the_first_agents_leg_during_the_next_agents_dial_does_not_connect_it(
    own_redis: RedisServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    """The same late news of anna's leg, while beata's leg is being created (her CallSid not known yet). Found: with
    no CallSid of the ring to compare, anna's leg's join read as the ring's own, and the transfer was connected with
    beata, who was not in the room (a decline then completed it as a conversation). The leg a move back left is
    kept on the record, so its news is told apart whatever the ring knows."""
    async with outage_gateway(own_redis, tmp_path, agent_status="available", others=("beata",)) as w:
        _agents, tid, sid, rung = await _stranded_with_beata_free(w)
        rest, create_call = w.warm.p.rest, w.warm.p.rest.create_call

        async def late_news_meanwhile(to: str, from_: str, url: str, **extra: Any) -> Any:
            room = {"ConferenceSid": "CF" + "3" * 32, "ParticipantLabel": "agent"}
            late = form(rung.call_sid, StatusCallbackEvent="participant-join", SequenceNumber="4", **room)
            assert (await w.signed(f"/twilio/transfer/{tid}/conference", late)).status_code == 200
            return await create_call(to, from_, url, **extra)

        rest.create_call = late_news_meanwhile  # type: ignore[method-assign]
        await w.signed(f"/twilio/transfer/{tid}/hold", form(sid))
        record = await w.warm.p.store.get(tid)
        assert record is not None and record.status == "ringing" and record.agent_id == "beata"  # was: connected
