"""The survey's way in never leaves a solved caller hanging: a redirect that fails hangs up as before; a
KPI write that cannot reach Redis is dropped (logged), never raised into a call."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

import pytest
from redis.asyncio import Redis

from dialog import catalogue
from telephony.insights.kpis import KpiStore
from telephony.insights.survey import Survey, question_twiml, survey_url
from telephony.twilio.security import TwilioSignatureVerifier

DEAD = "redis://127.0.0.1:1/0"  # nothing listens on port 1: every command fails at once


class Rest:
    def __init__(self, fail: bool) -> None:
        self.fail = fail
        self.done: list[tuple[str, Any]] = []

    async def update_call(self, call_sid: str, data: dict[str, str]) -> dict[str, Any]:
        if self.fail:
            raise RuntimeError("twilio down")
        self.done.append(("update", data))
        return {}

    async def hang_up(self, call_sid: str) -> None:
        self.done.append(("hang_up", call_sid))


def _survey(rest: Rest) -> Survey:
    kpis = KpiStore(Redis.from_url(DEAD))
    return Survey(kpis, TwilioSignatureVerifier("t", "https://gw.example"), "https://gw.example", rest)


async def test_a_solved_call_goes_to_the_survey_or_is_hung_up_when_it_cannot() -> None:
    ok, down = Rest(fail=False), Rest(fail=True)
    await _survey(ok).after_solved("CA1")
    await _survey(down).after_solved("CA1")
    assert ok.done == [("update", {"Url": "https://gw.example/twilio/survey", "Method": "POST"})]
    assert down.done == [("hang_up", "CA1")]


def test_the_question_gathers_one_key_or_polish_speech_and_ends_on_silence() -> None:
    root = ET.fromstring(question_twiml(survey_url("https://gw.example/") + "/answer"))
    gather = root.find("Gather")
    assert gather is not None and gather.get("input") == "dtmf speech" and gather.get("numDigits") == "1"
    assert gather.get("language") == "pl-PL" and gather.findtext("Say") == catalogue.CSAT_QUESTION
    assert root.findtext("Redirect") == "https://gw.example/twilio/survey/answer"  # silence: no rating


async def test_kpi_writes_to_an_unreachable_redis_are_dropped_not_raised(caplog: pytest.LogCaptureFixture) -> None:
    kpis = KpiStore(Redis.from_url(DEAD))
    kpis.started("chat")
    kpis.rated("phone", 5, "anna")
    await kpis.flush()  # the writes failed; nothing raised
    lost = [r.getMessage() for r in caplog.records if "lost" in r.getMessage()]
    assert len(lost) == 2 and any("'conversations': 1" in m for m in lost) and any("'csat:5': 1" in m for m in lost)
