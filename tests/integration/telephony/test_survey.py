"""The phone's satisfaction survey on the real wire: the real gateway and call pipeline, real Redis, the
Twilio stand-in, Twilio's part (the survey's <Gather>, the agent's leg, the conference) played with signed
requests. After the bot solved the matter the call goes on to the survey instead of hanging up; after an
agent hangs up the caller's leg goes on to it; a key, Polish words or silence answer it; each call counts
once; ``/v1/stats`` shows exactly those ratings."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from dialog import catalogue
from telephony.devtools.day_world import DayWorld, day_world, token
from tests.support.insights import PhoneDialog, stats_since

WORDS = ["Gdzie jest paczka?", "Dziękuję, do widzenia", "Chcę rozmawiać z konsultantem"]


async def _solved_call(w: DayWorld) -> tuple[str, str]:
    """A call the bot solves: (CallSid, the URL Twilio was redirected to)."""
    result = await w.call(["Gdzie jest paczka?", "Dziękuję, do widzenia"])
    assert result.action is not None, result
    return result.call_sid, w.redirect_of(result.call_sid).get("Url")


async def test_survey_by_key_by_voice_and_silence_after_the_bot_and_after_an_agent(redis_url: str) -> None:
    async with day_world(redis_url, WORDS, PhoneDialog) as w:
        sid, url = await _solved_call(w)
        assert url == f"{w.base}/twilio/survey"
        page = await w.signed(url, {"CallSid": sid})
        gather = page.find("Gather")
        assert gather is not None and gather.get("input") == "dtmf speech" and gather.get("numDigits") == "1"
        assert gather.get("language") == "pl-PL" and gather.findtext("Say") == catalogue.CSAT_QUESTION
        assert await w.survey(url, sid, {"Digits": "5"}) == catalogue.CSAT_THANKS
        assert await w.survey(url, sid, {"Digits": "1"}) == catalogue.CSAT_THANKS  # the same call: not counted
        sid, url = await _solved_call(w)
        assert await w.survey(url, sid, {"SpeechResult": "Daję czwórkę."}) == catalogue.CSAT_THANKS
        sid, url = await _solved_call(w)
        assert await w.survey(url, sid, {}) == catalogue.CSAT_NO_ANSWER  # silence: no rating, goodbye
        assert await w.survey(url, sid, {"SpeechResult": "nie wiem"}) == catalogue.CSAT_NO_ANSWER
        unsigned = await w.http.post(url, data={"CallSid": sid})
        assert unsigned.status_code == 403

        # an agent's call: anna takes it, hangs up, the caller's leg goes on to the survey
        await w.agent("PUT", "/v1/agents/anna/status", "anna", json={"status": "available"})
        result = await w.call(["dtmf:0"])
        raw = w.redirect_of(result.call_sid).get("Twiml")
        twiml = ET.fromstring(raw)
        tid = (twiml.findtext("Dial/Conference") or "").removeprefix("room-")
        dial = twiml.find("Dial")  # the caller's way out of the room: the star key, or the agent hanging up
        assert dial is not None and dial.get("action") == f"{w.base}/twilio/transfer/{tid}/after-room"
        assert dial.get("hangupOnStar") == "true"
        assert await w.agent_takes_call(tid) == "anna"
        await w.conference(tid, "participant-leave", 2, ParticipantLabel="agent")
        after = await w.after_dial(raw, result.call_sid)
        assert after == f"{w.base}/twilio/survey?tid={tid}"
        assert await w.survey(after, result.call_sid, {"SpeechResult": "pięć"}) == catalogue.CSAT_THANKS

        stats = (
            await w.http.get(f"{w.base}/v1/stats?{stats_since()}", headers={"Authorization": f"Bearer {token('szef')}"})
        ).json()
        phone = stats["channels"]["phone"]
        assert (phone["conversations"], phone["contained"], phone["transferred"]) == (4, 3, 1)
        assert (phone["csat_count"], phone["csat_avg"]) == (3, 4.67)
        assert phone["csat_distribution"] == {"1": 0, "2": 0, "3": 0, "4": 1, "5": 2}
        assert stats["agents"]["anna"]["csat_avg"] == 5.0 and stats["agents"]["anna"]["answered"] == 1
