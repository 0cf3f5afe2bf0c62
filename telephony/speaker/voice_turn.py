"""HTTP voice turn: ``POST /v1/voice/turn``, one utterance in; transcript, outcome and spoken reply out.

For devices that can record and play audio but speak neither Wyoming nor SIP (a DIY speaker, a kiosk, a
mobile app). One request is one turn of the same dialog as ``/v1/chat``; ``session_id`` continues it.

Accepted bodies (all limited to ``MAX_BODY_BYTES`` and ``MAX_AUDIO_S``):

* ``multipart/form-data`` with ``file`` (a WAV, any rate, mono or stereo) and optional ``session_id``;
* ``audio/wav`` (also ``audio/x-wav``, ``audio/wave``): the WAV itself;
* ``audio/L16;rate=16000[;channels=1]``: raw 16-bit PCM, **big-endian** as RFC 2586 defines L16;
* ``application/octet-stream`` with ``?rate=16000[&channels=1]``: raw 16-bit little-endian PCM (what
  ``arecord -f S16_LE -t raw`` writes).

The answer is JSON ``{transcript, confidence, outcome, audio_wav_base64, audio_rate, timings_ms}``, or the
WAV bytes themselves with ``Accept: audio/wav`` (transcript, session and action then travel in
``X-Infolinia-*`` headers, URL-encoded where they carry text).

Access (attached by the router table, README "Security"): an API key outside development mode, rate limits per
key. Recognition uses the device share of the recognizer (``telephony/access/lanes.py``): phone calls go
first, and a full share answers 503 with ``Retry-After`` instead of delaying a caller.
"""

# No ``from __future__ import annotations``: the route's ``Annotated`` dependency is a local of
# ``build_voice_turn_router``, which FastAPI can only see as an evaluated annotation.
import asyncio
import base64
import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, Protocol
from urllib.parse import quote

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel

from dialog import catalogue
from dialog.ports import CallerInfo, Dialog, Hypothesis, Outcome
from dialog.resume import session_repo
from dialog.session import Session
from dialog.session_keeper import STORE_ERRORS
from telephony.access.lanes import RecognizerBusy
from telephony.chat.models import ChatResponse
from telephony.chat.session_lease import SessionBusy
from telephony.chat.unavailable import refuse_here, unavailable_view
from telephony.conversation_turn import ConversationTurn
from telephony.speaker.device_turn import DeviceThreads
from telephony.speaker.voice_input import MAX_RATE, MIN_RATE, encode_wav, read_voice_input, reject, wants_wav
from voice.ports import PCM, Recognizer, Synthesizer, Transcript

log = logging.getLogger(__name__)


class VoiceTurnResponse(BaseModel):
    transcript: str
    confidence: float
    outcome: ChatResponse
    audio_wav_base64: str
    audio_rate: int
    timings_ms: dict[str, float]


class SpeechServices(Protocol):
    """What a voice turn uses of the gateway's services (``telephony.app.services.Services``)."""

    @property
    def dialog(self) -> Dialog: ...

    @property
    def recognizer(self) -> Recognizer | None: ...

    @property
    def device_recognizer(self) -> Recognizer | None:
        """The device share of the recognizer (``telephony/access/lanes.py``): phone turns go first."""

    @property
    def synthesizer(self) -> Synthesizer | None: ...


ServicesProvider = Callable[[], Awaitable[SpeechServices]]
_BODY_DOC: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "file": {"type": "string", "format": "binary"},
                        "session_id": {"type": "string"},
                    },
                    "required": ["file"],
                }
            },
            **{t: {"schema": {"type": "string", "format": "binary"}} for t in ("audio/wav", "audio/L16")},
            "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
        },
    }
}


async def _turn(
    services: SpeechServices, threads: DeviceThreads, pcm: PCM, rate: int, session_id: str | None
) -> tuple[Transcript, Outcome, bool]:
    """What was heard, the outcome (a transfer refused here: a device has no line to an agent, and its
    conversation keeps what it was told instead) and whether it is a conversation's turn: not one that waited
    past the session's wait and was not run (a chat's is a 503; counted, the busy turn and the one the user
    asks again were two turns of one question)."""
    recognizer = services.device_recognizer
    assert recognizer is not None
    try:
        heard = await recognizer.transcribe(pcm, rate, services.dialog.vocabulary())
    except RecognizerBusy as exc:  # phone calls come first: the device retries later
        retry = {"Retry-After": str(max(1, round(exc.retry_after_s)))}
        raise HTTPException(503, f"the recognizer is busy ({exc}): retry later", headers=retry) from exc
    if not heard.text.strip():  # silence or noise: ask again rather than feed "" to the engine
        sid = session_id or await _new_conversation(services.dialog, threads)
        return heard, Outcome(session_id=sid, action="clarify", reply=catalogue.NOT_HEARD), True
    said, caller = [Hypothesis(t, c) for t, c in heard.nbest()], CallerInfo(channel="voice")
    # one turn of a session at a time (recognised before, at once): a device that sends again while its first
    # request is still running, or two at once, had each turn read the same session and the last save win
    try:
        async with threads.locks.hold(session_id):
            outcome, dialog = await threads.turn(services.dialog, session_id, said, caller)
            if outcome.action == "transfer":
                outcome = await refuse_here(dialog, outcome, caller)
    except SessionBusy as exc:  # another worker's turn of this session ran past the wait: said, not dropped
        log.warning("voice turn not run: %s", exc)
        assert session_id is not None  # a turn without one never waits
        return heard, Outcome(session_id=session_id, action="clarify", reply=catalogue.SESSION_BUSY_SPOKEN), False
    return heard, outcome, True


async def _new_conversation(dialog: Dialog, threads: DeviceThreads) -> str:
    """An id for a conversation nothing was heard in yet, signed by the dialog's sessions as its own would be,
    and stored as an empty conversation (random for another dialog). Why stored: a signed id the store does not
    know is a thread Redis lost, so the device's next turn under it ("tak") was told "straciłem wątek" and
    counted in ``threads_lost`` after a false wake word; anyone could count lost threads that way. Bounded as
    the device's turns are (``store_timeout_s``, not at all while the breaker is open): a store that fails
    leaves it unstored, and the next turn then judges it as any other id the store lost."""
    repo = session_repo(dialog)
    if repo is None:
        return uuid.uuid4().hex
    sid, now, breaker = repo.new_id(), time.time(), threads.breaker
    if breaker is not None and breaker.stalled:
        return sid
    try:
        save = repo.save(Session(id=sid, created_at=now, updated_at=now, channel="voice"))
        await asyncio.wait_for(save, threads.store_timeout_s)
    except STORE_ERRORS as exc:  # TimeoutError is an OSError
        if breaker is not None:
            breaker.saw(exc)
        log.warning("session store unavailable (%r): a silent first turn's conversation %s not stored", exc, sid)
    return sid


def build_voice_turn_router(
    get_services: ServicesProvider, metrics: Any = None, threads: DeviceThreads | None = None
) -> APIRouter:
    """``get_services``: the loaded models and engine, per request (``GatewayDeps.services`` waits for
    start-up). ``metrics``: counts each turn as a speaker conversation's (``Metrics.conversation_turn``;
    a turn without a session id starts one) and a session Redis lost (``thread_lost``). ``threads``: the
    devices' conversations this process holds through a Redis failure (``telephony/speaker/device_turn.py``)."""
    router = APIRouter(tags=["voice"])
    threads = threads or DeviceThreads(metrics)

    @router.post("/v1/voice/turn", response_model=VoiceTurnResponse, openapi_extra=_BODY_DOC)
    async def voice_turn(
        request: Request,
        services: Annotated[SpeechServices, Depends(get_services)],
        session_id: Annotated[str | None, Query(max_length=128)] = None,
        rate: Annotated[int | None, Query(description="input rate of raw PCM")] = None,
        channels: Annotated[int, Query(ge=1, le=2)] = 1,
        reply_rate: Annotated[int | None, Query(ge=MIN_RATE, le=MAX_RATE)] = None,
    ) -> Response:
        if services.recognizer is None or services.synthesizer is None:
            raise reject(503, "speech is disabled on this gateway (INFOLINIA_SPEECH=false)")
        started = time.perf_counter()
        pcm, in_rate, form_session = await read_voice_input(request, rate, channels)
        session = session_id or form_session or request.headers.get("x-infolinia-session-id") or None
        if session is not None and len(session) > 128:
            raise reject(422, "session_id is longer than 128 characters")
        heard, outcome, counted = await _turn(services, threads, pcm, in_rate, session)
        handed_over = outcome.action != "transfer"  # a device has no line to an agent: it was told so
        decided = time.perf_counter()
        if metrics is not None and counted:
            new = session is None
            turn = ConversationTurn.of("speaker", outcome, decided - started, new=new, handed_over=handed_over)
            metrics.conversation_turn(turn)
        timing = (started, decided)
        return await _reply(request, services.synthesizer, heard, outcome, handed_over, reply_rate, timing)

    return router


async def _reply(
    request: Request,
    synthesizer: Synthesizer,
    heard: Transcript,
    outcome: Outcome,
    handed_over: bool,
    reply_rate: int | None,
    timing: tuple[float, float],
) -> Response:
    """The reply spoken, as JSON with the WAV in base64 or (``Accept: audio/wav``) the WAV with headers."""
    started, decided = timing
    words = outcome.heard or heard.text  # the n-best wording the dialog went ahead with, and its confidence
    confidence = heard.confidence  # of the first wording, or of the other wording the dialog took:
    if words != heard.text.strip():
        confidence = next((c for t, c in heard.nbest() if t == words), heard.confidence)
    out_rate = reply_rate or synthesizer.native_rate
    wav = encode_wav(await synthesizer.synthesize(outcome.reply, out_rate), out_rate)
    timings = {
        "asr": round(heard.processing_s * 1000, 1),
        "decide": round((decided - started) * 1000, 1),
        "total": round((time.perf_counter() - started) * 1000, 1),
    }
    if wants_wav(request.headers.get("accept", "")):
        return Response(wav, media_type="audio/wav", headers=_headers(words, outcome, timings))
    return JSONResponse(
        {
            "transcript": words,
            "confidence": confidence,
            "outcome": {**outcome.to_api(), "handoff": None if handed_over else unavailable_view("channel")},
            "audio_wav_base64": base64.b64encode(wav).decode("ascii"),
            "audio_rate": out_rate,
            "timings_ms": timings,
        }
    )


def _headers(transcript: str, outcome: Outcome, timings: dict[str, float]) -> dict[str, str]:
    return {
        "X-Infolinia-Session-Id": outcome.session_id,
        "X-Infolinia-Transcript": quote(transcript, safe=""),
        "X-Infolinia-Reply": quote(outcome.reply, safe=""),
        "X-Infolinia-Action": outcome.action,
        "Server-Timing": ", ".join(f"{k};dur={v}" for k, v in timings.items()),
    }
