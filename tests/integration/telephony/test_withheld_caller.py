"""A caller with a withheld number (Twilio's From "anonymous", "restricted", ...), over real HTTP with signed
webhooks on a real redis-server: nobody free means voicemail with a request for a number, never "press 1 for
a callback", and no callback record to a number nobody can dial, even if a yes arrives.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from dialog import catalogue
from tests.integration.telephony.test_transfer_hooks import World, world

__all__ = ["world"]  # the fixture, imported for pytest


def _play_of(world: World, text: str) -> str:
    audio = world.warm.p.audio
    return audio.url(audio.audio_id(text))


@pytest.mark.parametrize("caller", ["anonymous", "Restricted", "+266696687"])
async def test_withheld_caller_gets_voicemail_with_a_request_for_a_number(world: World, caller: str) -> None:
    tid, sid = await world.start("obsluga", caller)  # nobody serves "obsluga": straight to the offer
    redirect = await world.twilio.next("update")
    assert redirect.get("Url").endswith(f"/{tid}/callback-offer")
    reply = await world.signed(redirect.get("Url"), {"CallSid": sid, "From": caller})
    twiml = ET.fromstring(reply.text)
    assert twiml.find("Gather") is None  # no "press 1 for a callback"
    record = twiml.find("Record")
    assert record is not None and record.get("action", "").endswith(f"/{tid}/voicemail")
    assert [p.text for p in twiml.findall("Play")] == [_play_of(world, catalogue.TRANSFER_WITHHELD_VOICEMAIL)]
    assert await world.status(tid) == "voicemail"
    (pending,) = await world.deps.callbacks.pending()
    assert pending["requested"] == "voicemail" and pending["phone"] is None  # the message, not a number to dial


async def test_a_yes_from_a_withheld_caller_books_no_callback(world: World) -> None:
    """An offer made before the number was recognised (or a replayed answer): the yes becomes voicemail."""
    tid, sid = await world.start("obsluga", "anonymous")
    await world.twilio.next("update")  # moved to the offer (callback_offered); its TwiML is not fetched
    reply = await world.signed(f"/twilio/transfer/{tid}/callback-answer", {"CallSid": sid, "Digits": "1"})
    twiml = ET.fromstring(reply.text)
    assert twiml.find("Record") is not None
    assert [p.text for p in twiml.findall("Play")] == [_play_of(world, catalogue.TRANSFER_WITHHELD_VOICEMAIL)]
    assert await world.status(tid) == "voicemail"
    (pending,) = await world.deps.callbacks.pending()
    assert pending["requested"] == "voicemail" and pending["phone"] is None


async def test_a_number_is_still_offered_a_callback(world: World) -> None:
    _, sid, offer = await world.offered()
    reply = await world.signed(offer.find("Gather").get("action", ""), {"CallSid": sid, "Digits": "1"})  # type: ignore[union-attr]
    assert ET.fromstring(reply.text).find("Record") is None
    (pending,) = await world.deps.callbacks.pending()
    assert pending["requested"] == "callback" and pending["phone"] == "+48600100300"
