"""The phone's satisfaction survey: "Jak oceniasz rozmowę w skali od 1 do 5?", by keypad or voice.

When: after the bot solved the matter (the engine's ``end``: instead of hanging up, the call is redirected
here, ``Survey.after_solved``) and after an agent's call (the caller's conference ``<Dial>`` is followed by a
``<Redirect>`` here, reached only when the agent hung up and the caller is still on the line). Never after
a silence goodbye, a fallback or a caller who never reached an agent.

How: one TwiML ``<Gather input="dtmf speech" numDigits="1" language="pl-PL">``; Twilio recognises the
speech, ``parse_score`` reads a key 1-5 or a Polish number word. Optional: no answer, or one that is not
1-5, is no rating, just the goodbye. Why Twilio's ``<Say>`` and not our voice: the survey is the call's
last step, after our media stream has ended, and the sentence is short; the texts are the catalogue's
(``CSAT_*``, overridable). One rating per call (``first_rating`` on the CallSid).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from fastapi import APIRouter, Request, Response
from twilio.twiml.voice_response import VoiceResponse

from dialog import catalogue
from telephony.insights.kpis import KpiStore
from telephony.insights.rating import first_rating, parse_score
from telephony.logs import LogThrottle
from telephony.transfer.store import TransferStore
from telephony.twilio.security import SIGNATURE_HEADER, TwilioSignatureVerifier, parse_form
from telephony.twilio.twiml import DEFAULT_VOICE, LANGUAGE, short_answer

log = logging.getLogger(__name__)
SURVEY_PATH = "/twilio/survey"
ANSWER_PATH = "/twilio/survey/answer"
RATED_TTL_S = 7 * 86400
MAX_FORM_BYTES = 64 * 1024


class Rest(Protocol):
    async def update_call(self, call_sid: str, data: dict[str, str]) -> dict[str, Any]: ...

    async def hang_up(self, call_sid: str) -> None: ...


def survey_url(public_url: str, tid: str | None = None) -> str:
    return public_url.rstrip("/") + SURVEY_PATH + (f"?tid={tid}" if tid else "")


def question_twiml(answer_url: str, *, voice: str = DEFAULT_VOICE) -> str:
    """The question inside a one-key/one-phrase ``<Gather>``; silence goes to ``answer_url`` empty."""
    vr = VoiceResponse()
    gather = short_answer(vr, answer_url, "jeden, dwa, trzy, cztery, pięć")
    gather.say(catalogue.CSAT_QUESTION, language=LANGUAGE, voice=voice)
    return str(vr)


def goodbye_twiml(text: str, *, voice: str = DEFAULT_VOICE) -> str:
    vr = VoiceResponse()
    vr.say(text, language=LANGUAGE, voice=voice)
    vr.hangup()
    return str(vr)


@dataclass
class Survey:
    """The survey's two steps and the bot's way into it."""

    kpis: KpiStore
    verifier: TwilioSignatureVerifier
    public_url: str
    rest: Rest
    transfers: TransferStore | None = None  # who the agent was (the rating counts for them too)
    on_rated: Callable[[str, int], Awaitable[object]] | None = None  # (call sid, score): the history keeps it
    refusal_logs: LogThrottle = field(default_factory=LogThrottle)  # forged requests: one line per 10 s

    async def after_solved(self, call_sid: str) -> None:
        """``CallDeps.after_solved``: redirect the call to the survey; if that fails, hang up as before."""
        try:
            await self.rest.update_call(call_sid, {"Url": survey_url(self.public_url), "Method": "POST"})
        except Exception as exc:
            log.warning("call %s: no survey (%r), hanging up", call_sid, exc)
            try:
                await self.rest.hang_up(call_sid)
            except Exception:
                log.exception("call %s: hang-up after the survey failed", call_sid)

    async def question(self, tid: str) -> str:
        if tid and await self._agent(tid) is None:  # the caller never reached an agent: nothing to rate
            return goodbye_twiml(catalogue.CSAT_NO_ANSWER)
        return question_twiml(self.public_url.rstrip("/") + ANSWER_PATH + (f"?tid={tid}" if tid else ""))

    async def answer(self, tid: str, form: dict[str, str]) -> str:
        score = parse_score(form.get("Digits", ""), form.get("SpeechResult", ""))
        call_sid = form.get("CallSid", "")
        if score is None or not call_sid:
            return goodbye_twiml(catalogue.CSAT_NO_ANSWER)
        if await first_rating(self.kpis.redis, self.kpis.prefix, "phone", call_sid, RATED_TTL_S):
            self.kpis.rated("phone", score, await self._agent(tid) if tid else None)
            if self.on_rated is not None:
                await self.on_rated(call_sid, score)
        return goodbye_twiml(catalogue.CSAT_THANKS)

    async def _agent(self, tid: str) -> str | None:
        record = None if self.transfers is None else await self.transfers.get(tid)
        return record.agent_id if record is not None and record.connected_at else None


async def signed_form(request: Request, verifier: TwilioSignatureVerifier, quiet: LogThrottle) -> dict[str, str] | None:
    """The form when Twilio signed it for our public URL; None otherwise (its warning throttled by ``quiet``, as
    the voice webhook's: a flood of forged requests wrote one line each)."""
    body = await request.body()
    if len(body) > MAX_FORM_BYTES:
        return None
    form = parse_form(body)
    if not verifier.verify_form(request.url.path, request.url.query, form, request.headers.get(SIGNATURE_HEADER)):
        quiet.warning(log, request.url.path, "%s: refused an unsigned or badly signed request", request.url.path)
        return None
    return {key: str(value) for key, value in form.items()}


def build_survey_router(survey: Survey) -> APIRouter:
    """``POST /twilio/survey`` (the question) and ``POST /twilio/survey/answer``, signed by Twilio. Any
    failure is the goodbye, never silence: the matter is solved, the survey is a courtesy."""
    router = APIRouter(include_in_schema=False)

    async def step(request: Request, answering: bool) -> Response:
        form = await signed_form(request, survey.verifier, survey.refusal_logs)
        if form is None:
            return Response(status_code=403)
        tid = request.query_params.get("tid", "")[:64]
        try:
            twiml = await (survey.answer(tid, form) if answering else survey.question(tid))
        except Exception:
            log.exception("survey step failed")
            twiml = goodbye_twiml(catalogue.CSAT_NO_ANSWER)
        return Response(twiml, media_type="application/xml")

    @router.post(SURVEY_PATH)
    async def question(request: Request) -> Response:
        return await step(request, answering=False)

    @router.post(ANSWER_PATH)
    async def answer(request: Request) -> Response:
        return await step(request, answering=True)

    return router
