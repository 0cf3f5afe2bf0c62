"""A caller already on hold in the transfer's room when Twilio REST dies (issue 12): the gateway can no longer
move them (only REST can take a caller out of a conference; the room's hold TwiML may not ``<Dial>``), so the
hold loop must keep talking (never silence, never a dead end) and the star key must take the caller, with no
REST call, to the callback offer (voicemail included) or to the fallback number.

Real parts: the whole gateway over a private redis-server, the Twilio REST stand-in refusing every request,
signed Twilio callbacks over HTTP (``tests/support/outage.py``).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from dialog import catalogue
from telephony.devtools.faults_world import FALLBACK
from tests.support.outage import Outage, form, outage_gateway, spoken, twiml
from tests.support.redis import RedisServer, own_redis  # noqa: F401  (fixture)


async def _room_dial(w: Outage, sid: str) -> ET.Element:
    """The <Dial> the caller was moved into the room with (the stand-in kept the REST redirect)."""
    redirect = next(r for r in w.twilio.history if r.kind == "update" and r.call_sid == sid)
    dial = ET.fromstring(redirect.get("Twiml")).find("Dial")
    assert dial is not None and dial.find("Conference") is not None
    return dial


async def _past_max_wait(w: Outage, tid: str) -> None:
    record = await w.warm.p.store.get(tid)
    assert record is not None
    await w.warm.p.store.update(tid, enqueued_at=record.enqueued_at - 3600)  # an hour in the queue


async def test_rest_down_at_the_max_wait_the_hold_loop_keeps_talking_and_star_leads_to_voicemail(
    own_redis: RedisServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    async with outage_gateway(own_redis, tmp_path, agent_status="wrap_up") as w:
        tid, sid = await w.start("reklamacje")  # anna is in wrap-up: the caller waits in the room
        dial = await _room_dial(w, sid)
        after = f"{w.base}/twilio/transfer/{tid}/after-room"
        assert dial.get("hangupOnStar") == "true" and dial.get("action") == after
        w.twilio.set_outage("refuse")
        await _past_max_wait(w, tid)

        for _ in range(2):  # the tick that fails to move them, then the ones that retry meanwhile
            hold = twiml(await w.signed(f"/twilio/transfer/{tid}/hold", form(sid)))
            assert spoken(hold) and hold.find("Redirect") is not None, ET.tostring(hold)
            said = " ".join((el.text or "") for el in hold.iter("Say"))
            told = [el for el in hold.iter("Play") if el.text != w.warm.p.audio.music_url]  # not only music
            assert told or catalogue.HOLD_PRESS_STAR in said, ET.tostring(hold)
            assert await w.status(tid) == "callback_offered"

        # * ends the caller's <Dial>: Twilio asks the action URL, no REST involved
        offer = twiml(await w.signed(after, form(sid, DialCallStatus="completed")))
        gather = offer.find("Gather")
        assert spoken(offer) and gather is not None
        invite = twiml(await w.signed(gather.get("action", ""), form(sid, Digits="2")))
        assert spoken(invite) and invite.find("Record") is not None
        recording = form(sid, RecordingUrl="https://api.twilio.com/rec/RE7", RecordingDuration="8")
        assert spoken(twiml(await w.signed(f"/twilio/transfer/{tid}/voicemail", recording)))
        stored = await w.gateway.transfer.agents.callbacks.get(f"cb-{tid}")  # type: ignore[union-attr]
        assert stored is not None and stored["voicemail_url"].endswith("/RE7") and stored["phone"]
        assert await w.warm.p.store.waiting("reklamacje") == []


async def test_a_failed_over_caller_pressing_star_is_dialled_to_the_fallback_number(
    own_redis: RedisServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    async with outage_gateway(own_redis, tmp_path, agent_status="wrap_up", twilio_timeout_s=0.5) as w:
        tid, sid = await w.start("reklamacje")
        w.twilio.set_outage("refuse")
        await w.warm.p.store.transition(tid, "fallback", expect=("waiting",))  # ringing failed: REST down
        hold = twiml(await w.signed(f"/twilio/transfer/{tid}/hold", form(sid)))
        assert spoken(hold) and hold.find("Redirect") is not None
        out = twiml(await w.signed(f"/twilio/transfer/{tid}/after-room", form(sid, DialCallStatus="completed")))
        assert spoken(out) and out.findtext("Dial") == FALLBACK


async def test_star_while_waiting_or_with_the_store_down_never_strands_the_caller(
    own_redis: RedisServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    async with outage_gateway(own_redis, tmp_path, agent_status="wrap_up") as w:
        tid, sid = await w.start("reklamacje")
        offer = twiml(await w.signed(f"/twilio/transfer/{tid}/after-room", form(sid)))  # impatient: * at once
        assert spoken(offer) and offer.find("Gather") is not None
        assert await w.status(tid) == "callback_offered" and await w.warm.p.store.waiting("reklamacje") == []

        other, other_sid = await w.start("reklamacje")
        own_redis.kill()
        out = twiml(await w.signed(f"/twilio/transfer/{other}/after-room", form(other_sid)))
        assert spoken(out) and out.findtext("Dial") == FALLBACK
        own_redis.restart()
