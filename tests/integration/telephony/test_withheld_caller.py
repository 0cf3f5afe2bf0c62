"""A caller with a withheld number (Twilio's From "anonymous", "restricted", ...), over real HTTP with signed
webhooks on a real redis-server: nobody free means voicemail with a request for a number, never "press 1 for
a callback", and no callback record to a number nobody can dial, even if a yes arrives.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest

from dialog import catalogue
from dialog.ports import CallerInfo, Outcome, Transfer
from telephony.exposition import parse_exposition
from telephony.history.store import HistoryStore
from tests.integration.telephony.test_transfer_hooks import World, world
from tests.support.pii import recording_url

__all__ = ["world"]  # the fixture, imported for pytest


def _play_of(world: World, text: str) -> str:
    audio = world.warm.p.audio
    return audio.url(audio.audio_id(text))


@pytest.mark.parametrize("caller", ["anonymous", "Restricted", "+266696687"])
async def test_withheld_caller_gets_voicemail_with_a_request_for_a_number(world: World, caller: str) -> None:
    tid, sid = await world.start("obsluga", caller)  # nobody serves "obsluga": straight to the offer
    redirect = await world.twilio.next("update")
    assert redirect.get("Url").endswith(f"/{tid}/callback-offer?queue=obsluga")
    reply = await world.signed(redirect.get("Url"), {"CallSid": sid, "From": caller})
    twiml = ET.fromstring(reply.text)
    assert twiml.find("Gather") is None  # no "press 1 for a callback"
    record = twiml.find("Record")
    assert record is not None and record.get("action", "").endswith(f"/{tid}/voicemail?queue=obsluga")
    assert [p.text for p in twiml.findall("Play")] == [_play_of(world, catalogue.TRANSFER_WITHHELD_VOICEMAIL)]
    assert await world.status(tid) == "voicemail"
    assert await world.deps.callbacks.pending() == []  # nothing to do for an agent until the message is in
    done = {"CallSid": sid, "RecordingUrl": recording_url("RE" + "a" * 32), "RecordingDuration": "12"}
    assert (await world.signed(record.get("action", ""), done)).status_code == 200
    (pending,) = await world.deps.callbacks.pending()
    assert pending["requested"] == "voicemail" and pending["phone"] is None  # the message, not a number to dial
    assert pending["phone_withheld"] and pending["voicemail_url"] == done["RecordingUrl"]


async def _kept_history(world: World) -> HistoryStore:
    """The conversation "sess-h" kept in the history, as the call pipeline leaves it: "transferred"."""
    history = world.warm.p.history
    assert isinstance(history, HistoryStore)
    session = {"id": "sess-h", "created_at": 1.0, "updated_at": 2.0, "slots": {"transfer_reason": "complaint"},
               "history": [["caller", "Czajnik."], ["bot", "Łączę."]]}  # fmt: skip
    outcome = Outcome("sess-h", "transfer", "Łączę.", transfer=Transfer("obsluga", "complaint", 0, "Czajnik."))
    await history.saved(session, CallerInfo("phone", "anonymous"), outcome)
    assert (await history.get("sess-h") or {})["outcome"] == "transferred"
    return history


async def _withheld_at_the_beep(world: World) -> tuple[str, str, ET.Element]:
    """A withheld caller sent to the voicemail: (transfer id, CallSid, the ``<Record>``)."""
    tid, sid = await world.start("obsluga", "anonymous")
    redirect = await world.twilio.next("update")
    reply = await world.signed(redirect.get("Url"), {"CallSid": sid, "From": "anonymous"})
    record = ET.fromstring(reply.text).find("Record")
    assert record is not None and await world.status(tid) == "voicemail"
    return tid, sid, record


async def test_a_withheld_caller_who_hangs_up_at_the_beep_leaves_no_work_for_agents(world: World) -> None:
    tid, sid, record = await _withheld_at_the_beep(world)
    # a status callback saying the recording is empty (only if "absent" were subscribed: see the next test)
    absent = {"CallSid": sid, "RecordingUrl": recording_url("RE" + "b" * 32), "RecordingStatus": "absent"}
    assert (await world.signed(record.get("recordingStatusCallback", ""), absent)).status_code == 200
    ended = {"CallSid": sid, "CallStatus": "completed"}
    assert (await world.signed("/twilio/status", ended)).status_code == 204
    assert await world.deps.callbacks.pending() == []
    assert await world.deps.callbacks.get(f"cb-{tid}") is None
    transfer = await world.deps.transfers.get(tid)
    assert transfer is not None and transfer.status == "abandoned" and transfer.ended_at is not None  # counted
    # a retried status callback (or the Record action without a recording) changes nothing more
    assert (await world.signed(record.get("action", ""), {"CallSid": sid})).status_code == 200
    assert await world.deps.callbacks.pending() == [] and await world.status(tid) == "abandoned"


async def test_a_withheld_caller_who_hangs_up_at_the_beep_is_closed_by_the_calls_end(world: World) -> None:
    """What Twilio really sends when the caller hangs up at the beep: nothing to the ``<Record>`` (an empty
    recording skips its action; its status callback is subscribed to ``completed`` only, so no ``absent``),
    then the call's final status. The transfer stayed ``voicemail`` with no callback and no history for ever."""
    tid, sid, record = await _withheld_at_the_beep(world)
    assert record.get("recordingStatusCallbackEvent") == "completed"  # "absent" is never sent
    history = await _kept_history(world)
    ended = {"CallSid": sid, "CallStatus": "completed"}
    assert (await world.signed("/twilio/status", ended)).status_code == 204
    transfer = await world.deps.transfers.get(tid)
    assert transfer is not None and transfer.status == "abandoned" and transfer.ended_at is not None
    assert await world.deps.callbacks.pending() == []
    assert (await history.get("sess-h") or {})["outcome"] == "left_queue"  # not "transferred" for ever


@pytest.mark.parametrize("late", [False, True])
async def test_a_withheld_callers_message_reads_voicemail_in_the_history(world: World, late: bool) -> None:
    """Its callback is stored with the message, and so is the history's ending: it read "transferred" (or,
    the call's end first and the message after it, "left_queue") though an agent has a message to hear."""
    tid, sid, record = await _withheld_at_the_beep(world)
    history = await _kept_history(world)
    if late:  # the call's final status before the recording's callback
        assert (await world.signed("/twilio/status", {"CallSid": sid, "CallStatus": "completed"})).status_code == 204
    done = {"CallSid": sid, "RecordingUrl": recording_url("RE" + "d" * 32), "RecordingDuration": "9"}
    where = record.get("recordingStatusCallback" if late else "action", "")
    assert (await world.signed(where, {**done, "RecordingStatus": "completed"} if late else done)).status_code == 200
    (pending,) = await world.deps.callbacks.pending()
    assert pending["id"] == f"cb-{tid}" and pending["voicemail_url"] == done["RecordingUrl"]
    assert (await history.get("sess-h") or {})["outcome"] == "voicemail"


async def test_a_message_after_an_empty_recording_still_reaches_an_agent(world: World) -> None:
    """Nothing is thrown away on the word "absent": a recording that does come is kept and listed."""
    tid, sid, record = await _withheld_at_the_beep(world)
    absent = {"CallSid": sid, "RecordingStatus": "absent"}
    assert (await world.signed(record.get("recordingStatusCallback", ""), absent)).status_code == 200
    done = {"CallSid": sid, "RecordingUrl": recording_url("RE" + "c" * 32), "RecordingStatus": "completed"}
    assert (await world.signed(record.get("recordingStatusCallback", ""), done)).status_code == 200
    (pending,) = await world.deps.callbacks.pending()
    assert pending["id"] == f"cb-{tid}" and pending["voicemail_url"] == done["RecordingUrl"]


async def test_a_retried_fetch_of_a_withheld_callers_offer_gets_the_same_voicemail(world: World) -> None:
    """Twilio retries a fetch it got no answer to: the caller hears the invitation again, not the apology."""
    tid, sid = await world.start("obsluga", "anonymous")
    redirect = await world.twilio.next("update")
    first = await world.signed(redirect.get("Url"), {"CallSid": sid, "From": "anonymous"})
    again = await world.signed(redirect.get("Url"), {"CallSid": sid, "From": "anonymous"})
    assert again.status_code == first.status_code == 200 and again.text == first.text
    assert ET.fromstring(again.text).find("Record") is not None and await world.status(tid) == "voicemail"
    ended = parse_exposition(world.metrics.render().decode())
    assert ended["infolinia_callback_offers_ended_total{outcome=voicemail}"] == 1  # counted once


async def test_a_yes_from_a_withheld_caller_books_no_callback(world: World) -> None:
    """An offer made before the number was recognised (or a replayed answer): the yes becomes voicemail."""
    tid, sid = await world.start("obsluga", "anonymous")
    await world.twilio.next("update")  # moved to the offer (callback_offered); its TwiML is not fetched
    reply = await world.signed(f"/twilio/transfer/{tid}/callback-answer", {"CallSid": sid, "Digits": "1"})
    twiml = ET.fromstring(reply.text)
    assert twiml.find("Record") is not None
    assert [p.text for p in twiml.findall("Play")] == [_play_of(world, catalogue.TRANSFER_WITHHELD_VOICEMAIL)]
    assert await world.status(tid) == "voicemail"
    assert await world.deps.callbacks.pending() == []  # listed once its message is in


async def test_a_number_is_still_offered_a_callback(world: World) -> None:
    _, sid, offer = await world.offered()
    reply = await world.signed(offer.find("Gather").get("action", ""), {"CallSid": sid, "Digits": "1"})  # type: ignore[union-attr]
    assert ET.fromstring(reply.text).find("Record") is None
    (pending,) = await world.deps.callbacks.pending()
    assert pending["requested"] == "callback" and pending["phone"] == "+48600100300"


# --- the agent's console after a withheld caller's call --------------------------------------------------
async def _call_in_wrap_up(world: World, caller: str) -> str:
    """``caller`` waits for "reklamacje", bartek becomes available, takes the call, the room ends: wrap-up."""
    tid, _ = await world.start("reklamacje", caller)
    await world.twilio.next("update")  # into the conference
    assert (await world.available("bartek")).status_code == 200
    answer = {"CallSid": "CA" + "7" * 32, "Digits": "1"}
    assert (await world.signed(f"/twilio/transfer/{tid}/agent/bartek/answer", answer)).status_code == 200
    end = {"StatusCallbackEvent": "conference-end", "ConferenceSid": "CF" + "1" * 32, "SequenceNumber": "9"}
    assert (await world.signed(f"/twilio/transfer/{tid}/conference", end)).status_code == 200
    state = await world.deps.agents.get("bartek")
    assert state is not None and state.status == "wrap_up" and state.last_transfer == tid
    return tid


@asynccontextmanager
async def _console(world: World) -> AsyncIterator[httpx.AsyncClient]:
    """bartek's browser, logged in to the console."""
    async with httpx.AsyncClient(base_url=world.base, timeout=10, headers={"Origin": world.base}) as console:
        assert (await console.post("/agents/login", data={"token": "token-bartek"})).status_code == 303
        yield console


async def test_console_wrap_up_of_a_withheld_caller_offers_no_callback(world: World) -> None:
    await _call_in_wrap_up(world, "anonymous")
    async with _console(world) as console:
        page = (await console.get("/agents")).text
        assert 'value="callback"' not in page and "Trzeba oddzwonić" not in page
        assert "numer zastrzeżony" in page and "anonymous" not in page and 'href="tel:' not in page
        # a form posted anyway (an old page, a hand-made request) is told why, and nothing is booked
        headers = {"X-Requested-With": "fetch", "Accept": "application/json"}
        reply = await console.post("/agents/wrap-up", data={"outcome": "callback"}, headers=headers)
    assert reply.status_code == 200
    assert reply.json()["message"].endswith("Numer klienta jest zastrzeżony: oddzwonienia nie dodano.")
    assert await world.deps.callbacks.pending() == []


async def test_console_wrap_up_of_a_caller_with_a_number_still_offers_the_callback(world: World) -> None:
    await _call_in_wrap_up(world, "+48600100300")
    async with _console(world) as console:
        page = (await console.get("/agents")).text
        assert 'value="callback"' in page and 'href="tel:+48600100300"' in page
