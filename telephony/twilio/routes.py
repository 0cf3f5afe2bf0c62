"""Twilio HTTP/WebSocket endpoints: incoming-call webhook, media stream, call status callbacks (applied in
``telephony/twilio/status.py``).

Why fail-safe everywhere: a caller must reach a human even when our store or pipeline is down, so the
voice webhook answers valid TwiML (apology + ``<Dial>`` fallback) on any internal error, and a signed
but broken stream is closed so Twilio runs the fallback after ``</Connect>``. Unsigned requests get a
403 (HTTP) or a 1008 close (WebSocket) and touch nothing.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from functools import partial
from typing import Any

from fastapi import APIRouter, Request, Response, WebSocket
from starlette.datastructures import FormData

from dialog import catalogue
from telephony.logs import LogThrottle, call_context
from telephony.ports import CallStarted
from telephony.twilio.copies import answer_of_first, answer_of_record
from telephony.twilio.deps import TwilioDeps
from telephony.twilio.security import SIGNATURE_HEADER, StreamTokens, TwilioSignatureVerifier, first_values, parse_form
from telephony.twilio.status import apply_status_form
from telephony.twilio.stream import TwilioWebSocketChannel
from telephony.twilio.twiml import fallback_twiml, stream_twiml
from telephony.twilio.unstarted import hand_over_unstarted
from telephony.twilio.wire import CALL_SID_RE, call_key, new_call_record

log = logging.getLogger(__name__)

VOICE_PATH = "/twilio/voice"
STATUS_PATH = "/twilio/status"
STREAM_PATH = "/twilio/stream/{token}"
STREAM_ROUTE_NAME = "twilio_stream"
MAX_FORM_BYTES = 64 * 1024  # Twilio webhooks are a few hundred bytes
WS_POLICY_VIOLATION = 1008
WS_INTERNAL_ERROR = 1011


def build_twilio_router(deps: TwilioDeps) -> APIRouter:
    """``POST /twilio/voice``, ``WS /twilio/stream/{token}``, ``POST /twilio/status`` (mount at the root)."""
    verifier = TwilioSignatureVerifier(deps.auth_token, deps.public_url)
    tokens = StreamTokens(deps.store, deps.stream_token_ttl_s, deps.clock)
    router = APIRouter()

    @router.post(VOICE_PATH)
    async def twilio_voice(request: Request) -> Response:
        form = await _signed_form(request, verifier, deps)
        if isinstance(form, Response):
            return form
        with call_context(str(form.get("CallSid", "")) or None):
            twiml = await _answer_once(request, deps, tokens, verifier, form)
        return Response(twiml, media_type="application/xml")

    @router.post(STATUS_PATH)
    async def twilio_status(request: Request) -> Response:
        form = await _signed_form(request, verifier, deps)
        if isinstance(form, Response):
            return form
        await apply_status_form(deps, form)
        return Response(status_code=204)

    @router.websocket(STREAM_PATH, name=STREAM_ROUTE_NAME)
    async def twilio_stream(websocket: WebSocket, token: str) -> None:
        record = await _admit_stream(websocket, token, verifier, tokens, deps.refusal_logs)
        if record is None:
            _event(deps, "stream_refused")
            return
        with call_context(str(record.get("call_sid", "")) or None):
            await _serve_stream(websocket, record, deps)

    return router


async def _answer_once(
    request: Request, deps: TwilioDeps, tokens: StreamTokens, verifier: TwilioSignatureVerifier, form: FormData
) -> str:
    """``_voice_twiml`` for one webhook per ``CallSid`` at a time, on any worker (``deps.claims``): a copy that
    arrives while the first is being answered gets the first's answer (``telephony/twilio/copies.py``). The
    store's record only exists once the first is answered, so five copies sent together all passed the copy
    check: three got a stream token, each holding a line for ``reserve_s``."""
    call_sid = str(form.get("CallSid", ""))
    if not CALL_SID_RE.fullmatch(call_sid):
        return await _voice_twiml(request, deps, tokens, verifier, form)
    claim = await deps.claims.claim(call_sid)
    if claim is None:
        log.warning("call %s: a copy of the voice webhook while the first is being answered", call_sid)
        _event(deps, "replayed")
        stream_answer = partial(_stream_answer, request, deps, verifier)
        return await answer_of_first(deps.store, tokens, call_sid, stream_answer, _fallback(deps), deps.copy_wait_s)
    try:
        return await _voice_twiml(request, deps, tokens, verifier, form)
    finally:
        await deps.claims.done(claim)


async def _voice_twiml(
    request: Request, deps: TwilioDeps, tokens: StreamTokens, verifier: TwilioSignatureVerifier, form: FormData
) -> str:
    """A signed call's answer: a copy gets the first's (``telephony/twilio/copies.py``), full lines (or a failing
    step) the fallback, else the stream. Only a call that may get its stream takes a line: one without a valid
    ``CallSid`` (it can never have one) is answered with the fallback at once, and a line taken by a webhook
    that then failed is given back. A copy never resets the call's record nor takes a line."""
    if CALL_SID_RE.fullmatch(call_sid := str(form.get("CallSid", ""))):
        stream_answer = partial(_stream_answer, request, deps, verifier)
        if (copy := await answer_of_record(deps.store, tokens, call_sid, stream_answer)) is not None:
            _event(deps, "replayed")
            return copy
    if not CALL_SID_RE.fullmatch(str(form.get("CallSid", ""))):
        deps.refusal_logs.warning(
            log, "no CallSid", "voice webhook without a valid CallSid: answering with the fallback"
        )
        _event(deps, "webhook_error")
        return _fallback(deps)
    line = deps.admission.admit(str(form.get("CallSid"))) if deps.admission is not None else None
    if deps.admission is not None and line is None:
        deps.refusal_logs.warning(log, "busy", "all lines busy (or draining): the call goes to the fallback number")
        _event(deps, "refused")
        return _busy(deps)
    try:
        twiml = await _answer_call(request, deps, tokens, verifier, form)
        _event(deps, "admitted")
    except Exception:
        log.exception("voice webhook failed; answering with the fallback TwiML")
        _event(deps, "webhook_error")
        if deps.admission is not None and line is not None:
            deps.admission.release(line)  # this call's own, if still held: never another call's
        twiml = _fallback(deps)
    return twiml


def _event(deps: TwilioDeps, kind: str) -> None:
    if deps.on_event is not None:
        deps.on_event(kind)


def _busy(deps: TwilioDeps) -> str:
    """All lines busy: say so politely, then the human queue (or "please call back" without one)."""
    apology = catalogue.LINES_BUSY_TRANSFER if deps.fallback_number else catalogue.LINES_BUSY_CALL_BACK
    return fallback_twiml(deps.fallback_number, apology, voice=deps.say_voice)


def _fallback(deps: TwilioDeps) -> str:
    return fallback_twiml(deps.fallback_number, _fallback_apology(deps), voice=deps.say_voice)


async def _signed_form(request: Request, verifier: TwilioSignatureVerifier, deps: TwilioDeps) -> FormData | Response:
    """The webhook's form if its signature is valid for our public URL, else the refusal to send (its warning
    throttled by ``deps.refusal_logs``: a flood of forged webhooks wrote one line each; each one counted in the
    metrics, ``webhook_forged``, since the throttle tells the held-back lines only with the next one)."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_FORM_BYTES:
            return Response(status_code=413)
        chunks.append(chunk)
    form = parse_form(b"".join(chunks))
    signature = request.headers.get(SIGNATURE_HEADER)
    if not verifier.verify_form(request.url.path, request.url.query, form, signature):
        kind = "bad" if signature else "missing"
        deps.refusal_logs.warning(
            log, f"{request.url.path} {kind}", "%s: refused a request with a %s signature", request.url.path, kind
        )
        _event(deps, "webhook_forged")
        return Response(status_code=403)
    return form


async def _answer_call(
    request: Request,
    deps: TwilioDeps,
    tokens: StreamTokens,
    verifier: TwilioSignatureVerifier,
    form: FormData,
) -> str:
    """Record the call, mint its stream token and answer ``<Connect><Stream>`` (raises on any failure)."""
    call_sid = str(form.get("CallSid", ""))
    caller, called = str(form.get("From", "")), str(form.get("To", ""))
    session_id = uuid.uuid4().hex
    token = await tokens.issue(call_sid, {"session_id": session_id, "from": caller, "to": called})
    record = new_call_record(first_values(form), token, session_id, deps.clock())
    await deps.store.set(call_key(call_sid), record, ttl_s=deps.call_record_ttl_s)
    log.info("call %s answered with a media stream", call_sid)
    return _stream_answer(request, deps, verifier, record)


def _stream_answer(
    request: Request, deps: TwilioDeps, verifier: TwilioSignatureVerifier, record: dict[str, Any]
) -> str:
    """``<Connect><Stream>`` to the call's stream (its record's single-use token), then the fallback."""
    stream_url = verifier.ws_url(request.app.url_path_for(STREAM_ROUTE_NAME, token=str(record["stream_token"])))
    params = {k: str(record.get(k, "")) for k in ("call_sid", "from", "to", "session_id")}
    return stream_twiml(stream_url, params, deps.fallback_number, _fallback_apology(deps), voice=deps.say_voice)


def _fallback_apology(deps: TwilioDeps) -> str:
    return catalogue.FALLBACK_APOLOGY if deps.fallback_number else catalogue.UNAVAILABLE_APOLOGY


async def _admit_stream(
    websocket: WebSocket, token: str, verifier: TwilioSignatureVerifier, tokens: StreamTokens, quiet: LogThrottle
) -> dict[str, object] | None:
    """Signature first (so an unsigned request cannot burn a token), then the single-use token.

    The socket is accepted before a refusal so the client sees close code 1008; closing before
    ``accept`` makes uvicorn answer the handshake with a bare HTTP 403 instead.
    """
    signature = websocket.headers.get(SIGNATURE_HEADER)
    signed = verifier.verify_websocket(websocket.url.path, websocket.url.query, signature)
    record, code = None, WS_POLICY_VIOLATION
    if signed:
        try:
            record = await tokens.consume(token)
        except Exception:
            log.exception("stream token lookup failed")
            code = WS_INTERNAL_ERROR
    await websocket.accept()
    if record is None:
        reason = "bad token" if signed else "bad or missing signature"
        quiet.warning(log, f"stream {reason}", "stream refused: %s", reason)
        await websocket.close(code=code)
    return record


async def _serve_stream(websocket: WebSocket, record: dict[str, object], deps: TwilioDeps) -> None:
    """Wait for ``start``, check it belongs to the token's call, then hand the channel to the pipeline."""
    handed_over = deps.admission.handed_over if deps.admission is not None else None
    channel = TwilioWebSocketChannel(websocket, deps.send_timeout_s, handed_over)
    try:
        started = await asyncio.wait_for(_wait_for_start(channel), deps.start_timeout_s)
    except TimeoutError:
        await _no_start(channel, str(record.get("call_sid") or ""), deps)
        return
    if started is None or started.call_sid != record.get("call_sid"):
        if started is not None:
            log.warning("stream start for call %s does not match its token", started.call_sid)
        if deps.admission is not None:  # the token is spent: its call's stream cannot come any more (a review)
            deps.admission.forgo(str(record.get("call_sid") or ""))
        await channel.close(WS_POLICY_VIOLATION)
        return
    trusted: dict[str, str] = {k: str(record[k]) for k in ("call_sid", "session_id", "from", "to") if k in record}
    started = CallStarted(started.call_sid, started.stream_sid, {**started.params, **trusted})
    if deps.admission is not None:
        deps.admission.started(started.call_sid)
    try:
        await deps.run_call(channel, started)
    except Exception:
        log.exception("call %s: pipeline failed; closing the stream so Twilio runs the fallback", started.call_sid)
        _event(deps, "pipeline_error")
        await channel.close(WS_INTERNAL_ERROR)
    finally:
        if deps.admission is not None:
            deps.admission.ended(started.call_sid)
        await channel.close()


async def _no_start(channel: TwilioWebSocketChannel, call_sid: str, deps: TwilioDeps) -> None:
    """No ``start`` within ``start_timeout_s``: handed over as a stalled call (``telephony/twilio/unstarted.py``),
    its line given back; the socket closes either way (1008 when only the close can carry the call)."""
    log.warning("stream for call %s sent no start in %.1f s", call_sid or "(unknown)", deps.start_timeout_s)
    _event(deps, "stream_no_start")
    handed = await hand_over_unstarted(deps.call_control, call_sid, deps.fallback_number, _fallback_apology(deps))
    if deps.admission is not None and call_sid:
        deps.admission.forgo(call_sid)
    await channel.close(1000 if handed else WS_POLICY_VIOLATION)


async def _wait_for_start(channel: TwilioWebSocketChannel) -> CallStarted | None:
    """Skip to the ``start`` frame (the channel drops anything before it); ``None`` if the stream ended."""
    while True:
        event = await channel.receive()
        if isinstance(event, CallStarted):
            return event
        if channel.ended:
            return None
