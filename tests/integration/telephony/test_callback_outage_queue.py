"""The callback offer and its promise while Redis is down follow the caller's queue, not the default queue.
Found: with the record out of reach, the offer's wording (f013231) and the booked promise read the default
queue's hours: a caller of a queue closed today (its own hours) while the default queue was open heard that
every consultant was busy and was promised a call "w ciągu dwóch godzin roboczych"; a caller of an open queue
with nobody on duty, while the default queue was closed, heard that the consultants were not available and was
promised the default queue's next opening. The caller's queue now travels in the signed offer and answer URLs
(Twilio signs the whole URL, query included), so the steps know it with Redis down.

Real parts: the whole gateway over a private redis-server, the Twilio REST stand-in, signed callbacks over HTTP.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from twilio.request_validator import RequestValidator

from dialog import catalogue
from telephony.agents.hours import BusinessHours
from telephony.devtools.faults_world import AUTH
from tests.support.outage import Outage, form, outage_gateway, spoken, twiml
from tests.support.redis import RedisServer, own_redis  # noqa: F401  (fixture)

DAYS = ("pn", "wt", "śr", "cz", "pt", "so", "nd")
ALWAYS = "pn-nd 0:00-24:00, święta 0:00-24:00"


def _closed_today() -> str:
    """Hours that leave out today (Warsaw) and the next two days: closed now, an opening days away."""
    today = datetime.now(ZoneInfo("Europe/Warsaw")).weekday()
    return f"{DAYS[(today + 3) % 7]} 8:00-16:00"


def _said(w: Outage, doc: ET.Element) -> list[str]:
    return [el.text or "" for el in doc.iter() if el.tag in ("Play", "Say")]


def _heard(w: Outage, doc: ET.Element, text: str) -> bool:
    audio = w.warm.p.audio
    said = _said(w, doc)
    return text in said or audio.url(audio.audio_id(text)) in said


def _promise(hours: str) -> str:
    when = BusinessHours.from_spec(hours).callback_when(datetime.now(UTC))
    return catalogue.TRANSFER_CALLBACK_BOOKED.format(promise=catalogue.CALLBACK_PROMISE.format(when=when))


@pytest.mark.parametrize(
    ("default_hours", "queue_hours", "status", "offer"),
    [
        (ALWAYS, "closed", "available", "TRANSFER_CALLBACK_OFFER_CLOSED"),  # the caller's queue closed today
        ("closed", ALWAYS, "offline", "TRANSFER_CALLBACK_OFFER_BUSY"),  # open, nobody on duty; default closed
    ],
    ids=["queue-closed", "default-closed"],
)
async def test_the_offer_and_promise_while_redis_is_down_follow_the_callers_queue(
    own_redis: RedisServer,  # noqa: F811
    tmp_path: Path,
    default_hours: str,
    queue_hours: str,
    status: str,
    offer: str,
) -> None:
    default_hours = _closed_today() if default_hours == "closed" else default_hours
    queue_hours = _closed_today() if queue_hours == "closed" else queue_hours
    extra = {"business_hours": default_hours, "queues": {"reklamacje": {"hours": queue_hours}}}
    async with outage_gateway(own_redis, tmp_path, agent_status=status, extra=extra) as w:
        tid, sid = await w.start("reklamacje")
        assert await w.status(tid) == "callback_offered"
        redirect = await w.twilio.next("update")  # the offer's URL as the gateway gave it to Twilio
        own_redis.kill()
        doc = twiml(await w.signed(redirect.get("Url"), form(sid)))
        gather = doc.find("Gather")
        assert spoken(doc) and gather is not None
        assert _heard(w, doc, getattr(catalogue, offer)), _said(w, doc)  # was: the default queue's hours' offer
        booked = twiml(await w.signed(gather.get("action", ""), form(sid, SpeechResult="tak proszę")))
        assert booked.find("Hangup") is not None
        assert _heard(w, booked, _promise(queue_hours)), _said(w, booked)  # was: the default queue's promise
        assert not _heard(w, booked, _promise(default_hours))
        own_redis.restart()
        assert await w.recovery.check()
        assert await w.status(tid) == "callback"


async def test_a_withheld_callers_voicemail_from_the_spool_alone_lands_in_their_queue(
    own_redis: RedisServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    """A caller with no number to call back, of a queue other than the default, leaves a message while Redis is
    down, and Redis comes back empty. Found: the callback offer's URL named the queue, the voicemail's did not, so
    the callback made from the spool alone (the message is what stores it) landed in the default queue, which
    nobody serving the caller's queue sees: the message never reached their agents."""
    async with outage_gateway(own_redis, tmp_path, agent_status="offline") as w:
        tid, sid = await w.start("reklamacje", "anonymous")  # nobody on duty: the offer at once
        redirect = await w.twilio.next("update")
        own_redis.kill()
        hidden = {**form(sid), "From": "anonymous"}
        invite = twiml(await w.signed(redirect.get("Url"), hidden))
        record = invite.find("Record")
        assert spoken(invite) and record is not None
        message = {**hidden, "RecordingUrl": "https://api.twilio.com/rec/RE7", "RecordingDuration": "8"}
        status = {**message, "RecordingStatus": "completed"}
        assert spoken(twiml(await w.signed(record.get("action", ""), message)))
        assert (await w.signed(record.get("recordingStatusCallback", ""), status)).status_code == 200
        own_redis.kill()  # failover without persistence: it comes back empty
        own_redis.persist = False
        own_redis.restart()
        await w.gateway.store.ping()
        assert await w.recovery.check()
        callbacks = w.gateway.transfer.agents.callbacks  # type: ignore[union-attr]
        stored = await callbacks.get(f"cb-{tid}")
        assert stored is not None and str(stored["voicemail_url"]).endswith("/RE7")
        assert stored["queue"] == "reklamacje"  # was: "obsluga", the default queue


async def test_a_queue_named_other_than_the_signed_one_is_refused(
    own_redis: RedisServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    """The queue rides in the query string, which Twilio's signature covers: the offer's URL signed for one queue
    and posted naming another (or none) is refused before any step runs, so nobody can pick the hours, the offer
    or the callback's queue by editing the URL."""
    async with outage_gateway(own_redis, tmp_path, agent_status="offline") as w:
        tid, sid = await w.start("reklamacje")
        url = (await w.twilio.next("update")).get("Url")
        assert url.endswith(f"/{tid}/callback-offer?queue=reklamacje")
        signature = RequestValidator(AUTH).compute_signature(url, form(sid))
        for forged in (url.replace("queue=reklamacje", "queue=obsluga"), url.split("?")[0]):
            reply = await w.http.post(forged, data=form(sid), headers={"X-Twilio-Signature": signature})
            assert reply.status_code == 403, forged
        assert (await w.signed(url, form(sid))).status_code == 200
