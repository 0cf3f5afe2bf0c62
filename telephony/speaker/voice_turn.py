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
import io
import time
import uuid
from collections.abc import AsyncGenerator, Awaitable, Callable
from typing import Annotated, Any, Protocol
from urllib.parse import quote

import numpy as np
import soundfile as sf
from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser

from dialog import catalogue
from dialog.ports import CallerInfo, Dialog, Hypothesis, Outcome
from telephony.access.lanes import RecognizerBusy
from telephony.chat.api import ChatResponse
from telephony.chat.unavailable import refuse_here, unavailable_view
from telephony.metrics import ConversationTurn
from voice.ports import PCM, Recognizer, Synthesizer, Transcript
from voice.wavio import to_mono_int16

MAX_BODY_BYTES = 2 * 1024 * 1024
MAX_AUDIO_S = 30.0
MIN_RATE, MAX_RATE = 8000, 48000
WAV_TYPES = frozenset({"audio/wav", "audio/x-wav", "audio/wave", "audio/vnd.wave"})
_WAV_FORMATS = frozenset({"WAV", "WAVEX", "RF64"})


class VoiceTurnResponse(BaseModel):
    transcript: str
    confidence: float
    outcome: ChatResponse
    audio_wav_base64: str
    audio_rate: int
    timings_ms: dict[str, float]


def _reject(status: int, detail: str) -> HTTPException:
    return HTTPException(status_code=status, detail=detail)


async def read_body(request: Request, limit: int = MAX_BODY_BYTES) -> bytes:
    """The request body, refused with 413 as soon as it exceeds ``limit`` (never buffered beyond it)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise _reject(413, f"request body larger than {limit} bytes")
    parts, size = [], 0
    async for part in request.stream():
        size += len(part)
        if size > limit:
            raise _reject(413, f"request body larger than {limit} bytes")
        parts.append(part)
    return b"".join(parts)


def decode_wav(data: bytes) -> tuple[PCM, int]:
    """WAV bytes -> mono int16 PCM and its rate (stereo averaged); 422 when it is no WAV at all."""
    if not data:
        raise _reject(422, "the audio is empty: send a WAV file")
    try:
        info = sf.info(io.BytesIO(data))
        if info.format not in _WAV_FORMATS:
            raise _reject(422, f"expected a WAV file, got {info.format}")
        samples, rate = sf.read(io.BytesIO(data), dtype="int16", always_2d=True)
    except sf.LibsndfileError as exc:
        raise _reject(422, "not a readable WAV file (expected RIFF/WAVE audio)") from exc
    return to_mono_int16(samples), int(rate)


def decode_pcm(data: bytes, channels: int, big_endian: bool) -> PCM:
    """Raw interleaved 16-bit PCM -> mono int16."""
    if channels not in (1, 2):
        raise _reject(422, f"channels must be 1 or 2, got {channels}")
    if len(data) % (2 * channels):
        raise _reject(422, f"raw PCM length must be a multiple of {2 * channels} bytes (16-bit samples)")
    samples = np.frombuffer(data, dtype=">i2" if big_endian else "<i2").astype(np.int16)
    return to_mono_int16(samples.reshape(-1, channels))


def check_audio(pcm: PCM, rate: int, max_s: float = MAX_AUDIO_S) -> None:
    if not MIN_RATE <= rate <= MAX_RATE:
        raise _reject(422, f"sample rate {rate} Hz is not supported ({MIN_RATE}-{MAX_RATE} Hz)")
    if len(pcm) == 0:
        raise _reject(422, "the audio contains no samples")
    if len(pcm) > max_s * rate:
        raise _reject(413, f"the audio is {len(pcm) / rate:.1f} s long; the limit is {max_s:g} s")


def _media_type(header: str) -> tuple[str, dict[str, str]]:
    kind, *params = (p.strip() for p in header.split(";"))
    pairs = (p.split("=", 1) for p in params if "=" in p)
    return kind.lower(), {k.strip().lower(): v.strip().strip('"') for k, v in pairs}


def _int_param(value: str | None, name: str) -> int:
    try:
        return int(value or "")
    except ValueError as exc:
        raise _reject(422, f"{name} must be an integer (e.g. {name}=16000)") from exc


async def _one_chunk(data: bytes) -> AsyncGenerator[bytes, None]:
    yield data


async def _form_audio(request: Request, body: bytes) -> tuple[bytes, str | None]:
    parser = MultiPartParser(request.headers, _one_chunk(body), max_files=1, max_fields=4)
    try:
        form = await parser.parse()
    except MultiPartException as exc:
        raise _reject(422, f"bad multipart body: {exc.message}") from exc
    upload, session = form.get("file"), form.get("session_id")
    if not isinstance(upload, UploadFile):
        raise _reject(422, "multipart body needs a 'file' part with the WAV")
    return await upload.read(), session if isinstance(session, str) and session else None


async def read_voice_input(request: Request, rate: int | None, channels: int) -> tuple[PCM, int, str | None]:
    """Decode any accepted body into (mono PCM, rate, session id from a form field if any)."""
    kind, params = _media_type(request.headers.get("content-type", ""))
    body = await read_body(request)
    form_session: str | None = None
    if kind == "multipart/form-data":
        wav, form_session = await _form_audio(request, body)
        pcm, in_rate = await asyncio.to_thread(decode_wav, wav)
    elif kind in WAV_TYPES:
        pcm, in_rate = await asyncio.to_thread(decode_wav, body)
    elif kind == "audio/l16":
        in_rate = _int_param(params.get("rate"), "rate")
        pcm = decode_pcm(body, _int_param(params.get("channels", "1"), "channels"), big_endian=True)
    elif kind == "application/octet-stream":
        if rate is None:
            raise _reject(422, "raw PCM needs the sample rate: ?rate=16000")
        in_rate, pcm = rate, decode_pcm(body, channels, big_endian=False)
    else:
        raise _reject(
            415 if kind else 422,
            "send audio as multipart/form-data (file=WAV), audio/wav, audio/L16;rate=N "
            "or application/octet-stream?rate=N",
        )
    check_audio(pcm, in_rate)
    return pcm, in_rate, form_session


def encode_wav(pcm: PCM, rate: int) -> bytes:
    buf = io.BytesIO()
    sf.write(buf, np.asarray(pcm, dtype=np.int16), rate, format="WAV", subtype="PCM_16")
    return buf.getvalue()


def wants_wav(accept: str) -> bool:
    return any(_media_type(t)[0] in (*WAV_TYPES, "audio/*") for t in accept.split(","))


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


async def _turn(services: SpeechServices, pcm: PCM, rate: int, session_id: str | None) -> tuple[Transcript, Outcome]:
    recognizer = services.device_recognizer
    assert recognizer is not None
    try:
        heard = await recognizer.transcribe(pcm, rate, services.dialog.vocabulary())
    except RecognizerBusy as exc:  # phone calls come first: the device retries later
        retry = {"Retry-After": str(max(1, round(exc.retry_after_s)))}
        raise HTTPException(503, f"the recognizer is busy ({exc}): retry later", headers=retry) from exc
    if not heard.text.strip():  # silence or noise: ask again rather than feed "" to the engine
        return heard, Outcome(session_id=session_id or uuid.uuid4().hex, action="clarify", reply=catalogue.NOT_HEARD)
    said = [Hypothesis(t, c) for t, c in heard.nbest()]
    return heard, await services.dialog.handle_nbest(session_id, said, CallerInfo(channel="voice"))


def build_voice_turn_router(get_services: ServicesProvider, metrics: Any = None) -> APIRouter:
    """``get_services``: the loaded models and engine, per request (``GatewayDeps.services`` waits for
    start-up). ``metrics``: counts each turn as a speaker conversation's (``Metrics.conversation_turn``;
    a turn without a session id starts one)."""
    router = APIRouter(tags=["voice"])

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
            raise _reject(503, "speech is disabled on this gateway (INFOLINIA_SPEECH=false)")
        started = time.perf_counter()
        pcm, in_rate, form_session = await read_voice_input(request, rate, channels)
        session = session_id or form_session or request.headers.get("x-infolinia-session-id") or None
        if session is not None and len(session) > 128:
            raise _reject(422, "session_id is longer than 128 characters")
        heard, outcome = await _turn(services, pcm, in_rate, session)
        handed_over = outcome.action != "transfer"  # a device has no line to an agent: it is told so
        if not handed_over:
            outcome = await refuse_here(services.dialog, outcome, CallerInfo(channel="voice"))
        decided = time.perf_counter()
        words = outcome.heard or heard.text  # the n-best wording the dialog went ahead with, and its confidence
        confidence = heard.confidence  # of the first wording, or of the other wording the dialog took:
        if words != heard.text.strip():
            confidence = next((c for t, c in heard.nbest() if t == words), heard.confidence)
        if metrics is not None:
            turn = ConversationTurn.of(
                "speaker", outcome, decided - started, new=session is None, handed_over=handed_over
            )
            metrics.conversation_turn(turn)
        out_rate = reply_rate or services.synthesizer.native_rate
        wav = encode_wav(await services.synthesizer.synthesize(outcome.reply, out_rate), out_rate)
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

    return router


def _headers(transcript: str, outcome: Outcome, timings: dict[str, float]) -> dict[str, str]:
    return {
        "X-Infolinia-Session-Id": outcome.session_id,
        "X-Infolinia-Transcript": quote(transcript, safe=""),
        "X-Infolinia-Reply": quote(outcome.reply, safe=""),
        "X-Infolinia-Action": outcome.action,
        "Server-Timing": ", ".join(f"{k};dur={v}" for k, v in timings.items()),
    }
