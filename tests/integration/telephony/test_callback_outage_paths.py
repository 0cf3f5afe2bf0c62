"""Callback and voicemail requests while Redis is down, on the paths beside the plain "busy" offer that
``test_redis_outage.py`` covers: a caller whose number is withheld (straight to voicemail) and a caller outside
business hours. Redis is killed after the offer began and restarted (with its data) once the caller is done:
each request is stored once, with what an agent needs, and every step spoke to the caller. Found: the offer made
while Redis was down told a caller at a closed hotline that every consultant was busy (the record saying why it
was offered was out of reach); it now says the consultants are not available, as the hours say.

Real parts: the whole gateway over a private redis-server, the Twilio REST stand-in, signed callbacks over HTTP.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from dialog import catalogue
from dialog.ports import CallerInfo, Outcome, Transfer
from telephony.call.deps import CallContext
from telephony.devtools.faults_world import CALLED, CALLER
from telephony.devtools.twilio_standin import new_call_sid
from tests.support.outage import Outage, form, outage_gateway, proxied_gateway, spoken, twiml
from tests.support.redis import RedisServer, own_redis  # noqa: F401  (fixture)
from tests.support.redis_proxy import LoseOneReply
from tests.support.transfer import NoChannel

DAYS = ("pn", "wt", "śr", "cz", "pt", "so", "nd")


def _closed_today() -> str:
    """Business hours that leave out today (Warsaw): every queue is closed now."""
    today = datetime.now(ZoneInfo("Europe/Warsaw")).weekday()
    return f"{DAYS[(today + 3) % 7]} 8:00-16:00"


async def _start(w: Outage, caller: str) -> tuple[str, str]:
    sid = new_call_sid()
    ctx = CallContext(sid, "MZ" + "5" * 32, "sess-p", CallerInfo("phone", caller, {"to": CALLED}), [], NoChannel())
    outcome = Outcome("sess-p", "transfer", "Łączę.", transfer=Transfer("reklamacje", "complaint", 0, "Czajnik."))
    return await w.warm.start(ctx, outcome), sid


async def _stored(w: Outage, tid: str) -> dict[str, object]:
    callbacks = w.gateway.transfer.agents.callbacks  # type: ignore[union-attr]
    assert [c["id"] for c in await callbacks.pending()] == [f"cb-{tid}"]  # one request, none lost, none twice
    stored = await callbacks.get(f"cb-{tid}")
    assert stored is not None
    return stored


async def test_a_withheld_callers_voicemail_while_redis_is_down_is_stored(
    own_redis: RedisServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    async with outage_gateway(own_redis, tmp_path, agent_status="offline") as w:
        tid, sid = await _start(w, "anonymous")  # nobody on duty: the offer at once
        own_redis.kill()
        hidden = {**form(sid), "From": "anonymous"}
        invite = twiml(await w.signed(f"/twilio/transfer/{tid}/callback-offer", hidden))
        assert spoken(invite) and invite.find("Record") is not None and invite.find("Gather") is None
        recording = {**hidden, "RecordingUrl": "https://api.twilio.com/rec/RE9", "RecordingDuration": "9"}
        assert spoken(twiml(await w.signed(f"/twilio/transfer/{tid}/voicemail", recording)))
        own_redis.restart()
        assert await w.recovery.check()
        stored = await _stored(w, tid)
        assert stored["phone"] is None and stored["phone_withheld"] is True
        assert str(stored["voicemail_url"]).endswith("/RE9") and stored["requested"] == "voicemail"


async def test_an_after_hours_callback_while_redis_is_down_is_stored(
    own_redis: RedisServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    async with outage_gateway(
        own_redis, tmp_path, agent_status="available", extra={"business_hours": _closed_today()}
    ) as w:
        tid, sid = await _start(w, CALLER)  # closed: the offer at once
        assert await w.status(tid) == "callback_offered"
        own_redis.kill()
        offer = twiml(await w.signed(f"/twilio/transfer/{tid}/callback-offer", form(sid)))
        assert spoken(offer) and offer.find("Gather") is not None
        audio = w.warm.p.audio
        said = [el.text for el in offer.iter("Play")] + [el.text for el in offer.iter("Say")]
        closed = catalogue.TRANSFER_CALLBACK_OFFER_CLOSED
        assert closed in said or audio.url(audio.audio_id(closed)) in said, said  # was: "Wszyscy konsultanci są zajęci"
        booked = twiml(await w.signed(f"/twilio/transfer/{tid}/callback-answer", form(sid, SpeechResult="tak proszę")))
        assert spoken(booked) and booked.find("Hangup") is not None
        own_redis.restart()
        assert await w.recovery.check()
        stored = await _stored(w, tid)
        assert stored["phone"] == CALLER and stored["requested"] == "callback" and stored["summary"] == "Czajnik."
        assert await w.status(tid) == "callback"


async def test_a_callback_whose_request_redis_dies_under_is_stored_once(
    own_redis: RedisServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    """Redis moved the transfer to ``callback`` and died before the callback itself was written: the caller is still
    told it is booked (the request spooled with the record it read), and once Redis is back the callback is there."""
    proxy = LoseOneReply("127.0.0.1", own_redis.port, reply=b"*2\r\n:1", then=own_redis.kill)
    async with proxied_gateway(proxy, tmp_path, agent_status="offline") as w:
        tid, sid = await _start(w, CALLER)
        assert spoken(twiml(await w.signed(f"/twilio/transfer/{tid}/callback-offer", form(sid))))
        proxy.dropped = False
        booked = twiml(await w.signed(f"/twilio/transfer/{tid}/callback-answer", form(sid, Digits="1")))
        assert proxy.dropped and spoken(booked) and booked.find("Dial") is None  # a promise, not the fallback
        await asyncio.sleep(5)
        own_redis.restart()
        assert await w.recovery.check()
        stored = await _stored(w, tid)
        assert stored["phone"] == CALLER and stored["requested"] == "callback" and stored["summary"] == "Czajnik."
        assert await w.status(tid) == "callback" and w.recovery.spool.pending() == 0
