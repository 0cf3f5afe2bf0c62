"""Warm transfer over a real uvicorn server, a real redis-server and the local Twilio REST stand-in.

The test plays Twilio: it reads what the gateway asked of the REST API (redirect the caller into
the conference, create the agent's call), fetches the TwiML those URLs return and posts the
callbacks Twilio would send, signed with Twilio's own ``RequestValidator``.
"""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator
from typing import Any

import pytest
import soundfile as sf
from twilio.request_validator import RequestValidator

from dialog import catalogue
from telephony.agents.events import ConsoleEvent, EventBus
from telephony.devtools.twilio_standin import new_call_sid
from tests.support.speech import ToneSynthesizer
from tests.support.transfer import (
    CALLER,
    SUMMARY,
    TRANSCRIPT,
    Env,
    agent,
    answer,
    conf,
    ring,
    xml,
)


# --- happy path -----------------------------------------------------------------------------------------
async def test_happy_path_agent_accepts_then_hangs_up(setup: Any) -> None:
    env: Env = await setup([agent("anna"), agent("bartek")])
    bus = EventBus(env.redis, prefix=env.prefix)
    async with bus.subscribe() as sub:
        tid, caller_sid = await env.start()
        redirect = await env.twilio.next("update")
        assert redirect.call_sid == caller_sid
        room = ET.fromstring(redirect.get("Twiml")).find("Dial/Conference")
        assert room is not None and room.text == f"room-{tid}"
        assert room.get("startConferenceOnEnter") == "false" and room.get("endConferenceOnExit") == "true"
        assert room.get("waitUrl") == f"{env.base}/twilio/transfer/{tid}/hold"
        created = await ring(env, "anna")  # the longest-idle agent
        assert await env.status(tid) == "ringing" and await env.agent_status("anna") == "busy"

        hold = xml(await env.post(room.get("waitUrl", ""), {"CallSid": caller_sid}))
        plays = [p.text or "" for p in hold.findall("Play")]
        assert len(plays) == 2 and plays[1].endswith("/twilio/audio/hold-music.wav")
        assert hold.find("Redirect") is not None
        spoken = " ".join(env.synth.spoken)
        assert "pierwszym miejscu w kolejce" in spoken and "około minuty" in spoken
        for url in plays:
            wav = await env.http.get(url)
            assert wav.status_code == 200 and wav.headers["content-type"] == "audio/wav"
            info = sf.info(io.BytesIO(wav.content))
            assert info.samplerate == 8000 and info.channels == 1 and info.frames > 0

        joined = await answer(env, created, "1")
        bridge = joined.find("Dial/Conference")
        assert bridge is not None and bridge.text == f"room-{tid}" and bridge.get("startConferenceOnEnter") == "true"
        assert "uszkodzony czajnik" in " ".join(env.synth.spoken)  # the briefing carried the summary
        assert await env.status(tid) == "connected"
        seen = [e async for e in _events(sub, 4)]
    kinds = [(e.type, e.agent_id) for e in seen]
    assert ("transfer.waiting", None) in kinds and ("transfer.ringing", "anna") in kinds
    connected = next(e for e in seen if e.type == "transfer.connected")
    assert connected.agent_id == "anna" and connected.data["summary"] == SUMMARY
    assert connected.data["transcript"] == TRANSCRIPT and connected.data["caller"] == CALLER

    for seq, (event, label) in enumerate(
        [("participant-join", "caller"), ("conference-start", ""), ("participant-join", "agent")], start=1
    ):
        url, params = conf(tid, env, event, seq, ParticipantLabel=label)
        assert (await env.post(url, params)).status_code == 200
    env.clock.t += 125
    url, params = conf(tid, env, "participant-leave", 4, ParticipantLabel="agent", CallSid=created.call_sid)
    await env.post(url, params)
    end_url, end = conf(tid, env, "conference-end", 5)
    await env.post(end_url, end)
    assert await env.status(tid) == "completed"
    assert await env.agent_status("anna") == "wrap_up" and await env.agent_status("bartek") == "available"
    stats = await env.redis.hgetall(f"{env.prefix}stats:handling:reklamacje")
    assert float(stats["avg"]) == 125.0 and stats["n"] == "1"
    # Repeated and late callbacks change nothing.
    await env.post(end_url, end)
    await env.post(created.get("StatusCallback"), {"CallSid": created.call_sid, "CallStatus": "completed"})
    assert await env.status(tid) == "completed" and await env.agent_status("anna") == "wrap_up"
    assert (await env.redis.hgetall(f"{env.prefix}stats:handling:reklamacje"))["n"] == "1"
    assert env.twilio.drain() == []  # no further REST actions


async def _events(sub: Any, n: int) -> AsyncIterator[ConsoleEvent]:
    for _ in range(n):
        event = await sub.get(2.0)
        if event is None:
            return
        yield event


# --- decline, no answer ---------------------------------------------------------------------------------
async def test_decline_then_next_agent_and_late_callbacks_are_ignored(setup: Any) -> None:
    env: Env = await setup([agent("anna"), agent("bartek")])
    tid, _ = await env.start()
    await env.twilio.next("update")
    first = await ring(env, "anna")
    declined = await answer(env, first, "2")
    assert declined.find("Hangup") is not None and declined.find("Dial") is None
    second = await ring(env, "bartek")
    assert await env.agent_status("anna") == "available"
    record = await env.store.get(tid)
    assert record is not None and record.agent_id == "bartek" and record.tried_agents == ["anna", "bartek"]
    # anna's leg ends after the decline; her "1" arriving late must not bridge her.
    await env.post(first.get("StatusCallback"), {"CallSid": first.call_sid, "CallStatus": "completed"})
    late = xml(await env.post(f"{env.base}/twilio/transfer/{tid}/agent/anna/answer", {"Digits": "1"}))
    assert late.find("Dial") is None and late.find("Hangup") is not None
    assert await env.status(tid) == "ringing"
    joined = await answer(env, second, "1")
    assert joined.find("Dial/Conference") is not None
    assert await env.status(tid) == "connected" and await env.agent_status("bartek") == "busy"


async def test_other_keys_replay_the_briefing_three_times_then_the_next_agent_rings(setup: Any) -> None:
    env: Env = await setup([agent("anna"), agent("bartek")])
    tid, _ = await env.start()
    await env.twilio.next("update")
    first = await ring(env, "anna")
    leg = xml(await env.post(first.get("Url"), {"CallSid": first.call_sid, "CallStatus": "in-progress"}))
    redirect = leg.find("Redirect")  # no key at all: the briefing once more, then the leg ends
    assert redirect is not None and (redirect.text or "").endswith("/agent/anna?plays=1")
    again = xml(await env.post(redirect.text or "", {"CallSid": first.call_sid}))
    assert again.find("Redirect") is None and again.find("Hangup") is not None
    for n in range(3):
        gather = leg.find("Gather")
        assert gather is not None, n
        leg = xml(await env.post(gather.get("action", ""), {"CallSid": first.call_sid, "Digits": "9"}))
        if n < 2:
            assert leg.find("Gather") is not None and await env.status(tid) == "ringing"
    assert leg.find("Gather") is None and leg.find("Hangup") is not None
    assert catalogue.AGENT_NO_CHOICE in " ".join(env.synth.spoken)
    second = await ring(env, "bartek")  # the caller is not left holding for the fumbling agent
    assert await env.agent_status("anna") == "available"
    joined = await answer(env, second, "1")
    assert joined.find("Dial/Conference") is not None and await env.status(tid) == "connected"


async def test_no_answer_twice_takes_the_agent_offline(setup: Any) -> None:
    env: Env = await setup([agent("anna", queues=("reklamacje",))])
    for _ in range(2):
        tid, _ = await env.start()
        await env.twilio.next("update")
        created = await ring(env, "anna")
        params = {"CallSid": created.call_sid, "CallStatus": "no-answer"}
        await env.post(created.get("StatusCallback"), params)
        await env.post(created.get("StatusCallback"), params)  # repeated: once only
        record = await env.store.get(tid)
        assert record is not None and record.status == "waiting" and record.tried_agents == ["anna"]
        url, p = conf(tid, env, "participant-leave", 1, ParticipantLabel="caller")
        await env.post(url, p)  # the caller gives up; nobody else to ring
        assert await env.status(tid) == "abandoned"
    assert await env.agent_status("anna") == "offline"


# --- callback, voicemail, outside hours -----------------------------------------------------------------
async def test_no_agent_offers_callback_dtmf_one(setup: Any) -> None:
    env: Env = await setup([agent("anna", status="offline")])
    tid, caller_sid = await env.start()
    redirect = await env.twilio.next("update")
    assert redirect.call_sid == caller_sid and redirect.get("Url").endswith(f"/{tid}/callback-offer?queue=reklamacje")
    assert redirect.get("Method") == "POST"
    offer = xml(await env.post(redirect.get("Url"), {"CallSid": caller_sid}))
    gather = offer.find("Gather")
    assert gather is not None and gather.get("input") == "dtmf speech" and gather.get("language") == "pl-PL"
    assert " ".join(env.synth.spoken).endswith(catalogue.TRANSFER_CALLBACK_OFFER_BUSY)
    done = xml(await env.post(gather.get("action", ""), {"CallSid": caller_sid, "Digits": "1"}))
    assert done.find("Hangup") is not None and done.find("Record") is None
    assert any("w ciągu dwóch godzin roboczych" in s for s in env.synth.spoken)
    assert await env.status(tid) == "callback"
    again = xml(await env.post(gather.get("action", ""), {"CallSid": caller_sid, "Digits": "1"}))  # retried
    assert again.find("Hangup") is not None
    pending = await env.callbacks.pending()
    assert len(pending) == 1
    cb = pending[0]
    assert cb["phone"] == CALLER and cb["summary"] == SUMMARY and cb["transcript"] == TRANSCRIPT
    assert cb["transfer_id"] == tid and cb["order_id"] == "12345"
    assert env.twilio.drain() == []  # no agent was ever rung


async def test_speech_no_leads_to_voicemail_attached_to_the_callback(setup: Any) -> None:
    env: Env = await setup([])
    tid, caller_sid = await env.start()
    redirect = await env.twilio.next("update")
    offer = xml(await env.post(redirect.get("Url"), {"CallSid": caller_sid}))
    action = offer.find("Gather").get("action", "")  # type: ignore[union-attr]
    vm = xml(await env.post(action, {"CallSid": caller_sid, "SpeechResult": "nie, dziękuję", "Confidence": "0.9"}))
    record = vm.find("Record")
    assert record is not None and record.get("maxLength") == "120" and record.get("playBeep") == "true"
    assert await env.status(tid) == "voicemail"
    recording = "https://api.twilio.com/2010-04-01/Accounts/AC/Recordings/RE" + "b" * 32
    bye = xml(
        await env.post(
            record.get("action", ""),
            {"CallSid": caller_sid, "RecordingUrl": recording, "RecordingDuration": "14"},
        )
    )
    assert bye.find("Hangup") is not None
    status = {
        "CallSid": caller_sid,
        "RecordingUrl": recording,
        "RecordingStatus": "completed",
        "RecordingDuration": "14",
    }
    assert (await env.post(record.get("recordingStatusCallback", ""), status)).status_code == 200
    [cb] = await env.callbacks.pending()
    assert cb["voicemail_url"] == recording and cb["voicemail_s"] == 14.0 and cb["requested"] == "voicemail"


async def test_max_wait_moves_the_caller_to_the_callback_offer(setup: Any) -> None:
    env: Env = await setup([agent("anna", status="busy")], max_wait_s=120)
    tid, caller_sid = await env.start()
    await env.twilio.next("update")  # into the conference; nobody free to ring
    hold_url = f"{env.base}/twilio/transfer/{tid}/hold"
    xml(await env.post(hold_url, {"CallSid": caller_sid}))
    assert any("kilka minut" in s for s in env.synth.spoken)  # no handling history: no number
    assert env.twilio.drain() == []
    env.clock.t += 130
    xml(await env.post(hold_url, {"CallSid": caller_sid}))
    moved = await env.twilio.next("update")
    assert moved.call_sid == caller_sid and moved.get("Url").endswith("/callback-offer?queue=reklamacje")
    assert await env.status(tid) == "callback_offered"
    assert await env.store.waiting("reklamacje") == []
    # Leaving the room because of our redirect is not an abandonment.
    url, p = conf(tid, env, "participant-leave", 2, ParticipantLabel="caller")
    await env.post(url, p)
    assert await env.status(tid) == "callback_offered"


async def test_outside_business_hours_offers_callback_with_next_opening(setup: Any) -> None:
    env: Env = await setup([agent("anna")], hours="pn 8:00-16:00")  # it is Wednesday noon
    tid, caller_sid = await env.start()
    redirect = await env.twilio.next("update")
    offer = xml(await env.post(redirect.get("Url"), {"CallSid": caller_sid}))
    assert any("Konsultanci są teraz niedostępni." in s for s in env.synth.spoken)
    action = offer.find("Gather").get("action", "")  # type: ignore[union-attr]
    xml(await env.post(action, {"CallSid": caller_sid, "SpeechResult": "Tak, poproszę."}))
    assert any("w poniedziałek od ósmej" in s for s in env.synth.spoken)
    assert await env.status(tid) == "callback" and await env.agent_status("anna") == "available"


# --- the caller hangs up --------------------------------------------------------------------------------
async def test_caller_hangs_up_while_agent_rings(setup: Any) -> None:
    env: Env = await setup([agent("anna"), agent("bartek")])
    tid, _ = await env.start()
    await env.twilio.next("update")
    created = await ring(env, "anna")
    await env.post(created.get("StatusCallback"), {"CallSid": created.call_sid, "CallStatus": "ringing"})
    url, params = conf(tid, env, "participant-leave", 3, ParticipantLabel="caller")
    await env.post(url, params)
    cancel = await env.twilio.next("update")
    assert cancel.call_sid == created.call_sid and cancel.get("Status") == "canceled"
    assert await env.status(tid) == "abandoned" and await env.store.waiting("reklamacje") == []
    assert await env.agent_status("anna") == "available"
    # Out of order: the room ends, anna's leg reports canceled, then she "presses 1" anyway.
    await env.post(*conf(tid, env, "conference-end", 4))
    await env.post(created.get("StatusCallback"), {"CallSid": created.call_sid, "CallStatus": "canceled"})
    late = await answer_late(env, tid, "anna")
    assert late.find("Dial") is None
    assert await env.status(tid) == "abandoned" and await env.agent_status("anna") == "available"
    assert env.twilio.drain() == []  # bartek was never rung for a caller who is gone


async def answer_late(env: Env, tid: str, agent_id: str) -> ET.Element:
    return xml(await env.post(f"{env.base}/twilio/transfer/{tid}/agent/{agent_id}/answer", {"Digits": "1"}))


async def test_caller_hangs_up_before_any_agent_is_free(setup: Any) -> None:
    env: Env = await setup([agent("anna", status="busy")])
    tid, caller_sid = await env.start()
    await env.twilio.next("update")
    await env.post(*conf(tid, env, "participant-leave", 1, ParticipantLabel="caller", CallSid=caller_sid))
    assert await env.status(tid) == "abandoned"
    await env.agents.release("anna", "available")  # anna frees up: nobody is waiting any more
    await env.transfer.dispatch("reklamacje")
    assert env.twilio.drain() == []


async def test_caller_gone_before_the_redirect(setup: Any) -> None:
    env: Env = await setup([agent("anna")])
    sid = new_call_sid()
    env.twilio.end_call(sid)
    tid, _ = await env.start(call_sid=sid)
    assert await env.status(tid) == "abandoned"
    assert await env.agent_status("anna") == "available" and env.twilio.drain() == []


# --- ordering and security ------------------------------------------------------------------------------
async def test_urgent_caller_is_served_first(setup: Any) -> None:
    env: Env = await setup([agent("anna", status="busy")])
    normal, _ = await env.start(priority=0)
    urgent, _ = await env.start(priority=2)
    assert await env.store.waiting("reklamacje") == [urgent, normal]
    env.twilio.drain()
    await env.agents.release("anna", "available")
    await env.post(f"{env.base}/twilio/transfer/{normal}/hold", {"CallSid": "CA" + "0" * 32})  # a tick
    created = await ring(env, "anna")
    assert created.get("Url").endswith(f"/{urgent}/agent/anna")
    assert await env.status(urgent) == "ringing" and await env.status(normal) == "waiting"


async def test_unsigned_or_forged_callbacks_are_refused(setup: Any) -> None:
    env: Env = await setup([agent("anna")])
    tid, _ = await env.start()
    await env.twilio.next("update")
    created = await ring(env, "anna")
    answer_url = f"{env.base}/twilio/transfer/{tid}/agent/anna/answer"
    assert (await env.post(answer_url, {"Digits": "1"}, signed=False)).status_code == 403
    forged = {"X-Twilio-Signature": RequestValidator("wrong").compute_signature(answer_url, {"Digits": "1"})}
    assert (await env.http.post(answer_url, data={"Digits": "1"}, headers=forged)).status_code == 403
    assert await env.status(tid) == "ringing"
    assert (await env.http.get(f"{env.base}/twilio/audio/{'0' * 32}.wav")).status_code == 404
    # The ring itself stays untouched: no REST request (the agent's leg neither cancelled nor moved),
    # the agent still reserved for this caller on that leg.
    assert env.twilio.drain() == []
    record = await env.store.get(tid)
    assert record is not None and (record.agent_id, record.agent_call_sid) == ("anna", created.call_sid)
    assert await env.agent_status("anna") == "busy"
    # ...and still works: anna's own, signed answer on that leg connects her to the caller.
    joined = await answer(env, created, "1")
    room = joined.find("Dial/Conference")
    assert room is not None and room.text == f"room-{tid}"
    assert await env.status(tid) == "connected"
    touched = [r for r in env.twilio.history if r.call_sid == created.call_sid and r.kind != "create"]
    assert touched == [] and created.call_sid not in env.twilio.ended


@pytest.mark.models
async def test_briefing_is_spoken_by_our_piper_voice(setup: Any, synthesizer: Any) -> None:
    env: Env = await setup([agent("anna")], synth=synthesizer)
    await env.start()
    await env.twilio.next("update")
    created = await ring(env, "anna")
    leg = xml(await env.post(created.get("Url"), {"CallSid": created.call_sid, "CallStatus": "in-progress"}))
    play = leg.find("Gather/Play")
    assert play is not None and leg.find("Gather/Say") is None  # our voice, not the <Say> fallback
    wav = await env.http.get(play.text or "")
    pcm, rate = sf.read(io.BytesIO(wav.content), dtype="int16")
    assert rate == 8000 and len(pcm) / rate > 4.0  # the whole briefing, several sentences
    assert int(abs(pcm.astype("int32")).max()) > 3000


class BrokenSynthesizer(ToneSynthesizer):
    async def synthesize(self, text: str, rate: int) -> Any:
        raise RuntimeError("TTS down")


async def test_tts_failure_falls_back_to_polish_say(setup: Any) -> None:
    env: Env = await setup([agent("anna")], synth=BrokenSynthesizer())
    await env.start()
    await env.twilio.next("update")
    created = await ring(env, "anna")
    leg = xml(await env.post(created.get("Url"), {"CallSid": created.call_sid, "CallStatus": "in-progress"}))
    say = leg.find("Gather/Say")
    assert leg.find("Gather/Play") is None and say is not None and say.get("language") == "pl-PL"
    assert "uszkodzony czajnik" in (say.text or "") and "Naciśnij jeden" in (say.text or "")
