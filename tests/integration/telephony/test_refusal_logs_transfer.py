"""The transfer's Twilio callbacks (``/twilio/transfer/{tid}/...``) and the survey (``/twilio/survey``) refuse
forged requests as the voice webhook does, and their warnings are throttled the same way (``LogThrottle``): the
voice webhook's were, these were not (a transfer callback's path carries any tid a forger writes), so a flood
of them still wrote one line per request (a review of the throttle). In-process apps: the refusal comes first."""

from __future__ import annotations

import logging
import uuid
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from telephony.insights.survey import SURVEY_PATH, Survey, build_survey_router
from telephony.logs import LogThrottle
from telephony.transfer.routes import TransferRouteDeps, build_transfer_router
from telephony.twilio.security import TwilioSignatureVerifier

FLOOD = 30
BASE = "http://gateway.test"


async def test_a_flood_of_forged_transfer_callbacks_writes_one_line(caplog: pytest.LogCaptureFixture) -> None:
    none: Any = None  # no step runs: every request is refused on its signature
    deps = TransferRouteDeps(
        none, none, TwilioSignatureVerifier("transfer-token", BASE), LogThrottle(clock=lambda: 1.0)
    )
    app = FastAPI()
    app.include_router(build_transfer_router(deps))
    with caplog.at_level(logging.WARNING, logger="telephony.transfer.routes"):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as http:
            for _ in range(FLOOD):
                tid = uuid.uuid4().hex
                refused = await http.post(f"/twilio/transfer/{tid}/hold", data={"CallSid": "CA1"})
                assert refused.status_code == 403
    lines = [r.getMessage() for r in caplog.records if r.name == "telephony.transfer.routes"]
    assert len(lines) == 1, lines  # was: 30, one per forged request


async def test_a_flood_of_forged_survey_requests_writes_one_line(caplog: pytest.LogCaptureFixture) -> None:
    none: Any = None  # no step runs: every request is refused on its signature
    verifier = TwilioSignatureVerifier("survey-token", BASE)
    survey = Survey(none, verifier, BASE, none, refusal_logs=LogThrottle(clock=lambda: 1.0))
    app = FastAPI()
    app.include_router(build_survey_router(survey))
    with caplog.at_level(logging.WARNING, logger="telephony.insights.survey"):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as http:
            for _ in range(FLOOD):
                assert (await http.post(SURVEY_PATH, data={"CallSid": "CA1"})).status_code == 403
    lines = [r.getMessage() for r in caplog.records if r.name == "telephony.insights.survey"]
    assert len(lines) == 1, lines  # was: 30, one per forged request
