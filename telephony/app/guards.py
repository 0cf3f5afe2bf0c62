"""Guards every HTTP request passes before any route runs: body limits, and 422s that can always be sent.

Why a middleware and not per-route checks: a route that calls ``request.body()`` (the Twilio and transfer
webhooks must, to check the signature) has already buffered whatever arrived, and FastAPI's body parameters
do the same. Here the body is read up to its route's limit and refused with 413 past it, so a 500 MB
chunked upload costs at most the limit in memory, whatever route it targets. Limits per path prefix, the
longest prefix wins; WebSockets and bodiless requests pass untouched.

Except for the routes in ``STREAMED`` (the device upload, ``POST /v1/voice/turn``): their guard decides from the
headers alone and the route then reads its own body with a limit, so the body is handed through as it is
read, never buffered here first. Buffering it made every refused upload cost up to 2 MB of reading: 40
clients flooding bad keys slowed a phone caller's reply from ~1.2 s to 2-4 s. A response that starts before
the body was read to its end (a 401, a 429, a 413) closes the connection: the unread rest must not be taken
for the next request.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Mapping
from typing import Any

from fastapi import Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger(__name__)

DEFAULT_BODY_LIMIT = 64 * 1024  # chat (2,000 characters), Twilio webhooks (a few hundred bytes), console forms
BODY_LIMITS: Mapping[str, int] = {"/v1/voice/turn": 2 * 1024 * 1024 + 64 * 1024}  # 30 s of audio + multipart
STREAMED: frozenset[str] = frozenset({"/v1/voice/turn"})  # guarded from the headers, body read by the route


class BodyLimit:
    """ASGI middleware: buffer at most the route's limit of a request body, answer 413 beyond it."""

    def __init__(
        self,
        app: ASGIApp,
        limits: Mapping[str, int] = BODY_LIMITS,
        default: int = DEFAULT_BODY_LIMIT,
        streamed: frozenset[str] = STREAMED,
    ):
        self.app = app
        self.limits = sorted(limits.items(), key=lambda kv: -len(kv[0]))
        self.default, self.streamed = default, streamed

    def limit_for(self, path: str) -> int:
        return next((limit for prefix, limit in self.limits if path.startswith(prefix)), self.default)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope["path"])
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await _too_large(send, limit)
            return
        if scope["path"] in self.streamed:
            await _pass_through(self.app, scope, receive, send, limit)
            return
        body = await _read_up_to(receive, limit)
        if body is None:
            await _too_large(send, limit)
            return
        await self.app(scope, _replay(body, receive), send)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            return int(value) if value.isdigit() else None
    return None


async def _read_up_to(receive: Receive, limit: int) -> bytes | None:
    """The whole body, or None as soon as it exceeds ``limit`` (or the client went away)."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


class _TooLarge(Exception):
    """A streamed body passed its limit while the route read it."""


class _Streamed:
    """A streamed route's body, counted as the route reads it; a response that starts before its end asks
    for the connection to be closed."""

    def __init__(self, receive: Receive, send: Send, limit: int, empty: bool) -> None:
        self._receive, self._send, self.limit = receive, send, limit
        self.size, self.read_all, self.started = 0, empty, False

    async def receive(self) -> Message:
        message = await self._receive()
        if message["type"] == "http.request":
            self.size += len(message.get("body", b""))
            if self.size > self.limit:
                raise _TooLarge
            self.read_all = not message.get("more_body", False)
        return message

    async def send(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.started = True
            if not self.read_all:
                message = {**message, "headers": [*message.get("headers", ()), (b"connection", b"close")]}
        await self._send(message)


async def _pass_through(app: ASGIApp, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
    """Run a streamed route on the body as it arrives (413 past ``limit``, as for a buffered one)."""
    headers = dict(scope.get("headers", ()))
    empty = _content_length(scope) == 0 or (b"content-length" not in headers and b"transfer-encoding" not in headers)
    body = _Streamed(receive, send, limit, empty)
    try:
        await app(scope, body.receive, body.send)
    except _TooLarge:
        if body.started:
            raise
        await _too_large(send, limit)


def _replay(body: bytes, receive: Receive) -> Receive:
    """The buffered body as one message, then the client's own messages (disconnect) as they come."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


async def _too_large(send: Send, limit: int) -> None:
    payload = json.dumps({"detail": f"request body larger than {limit} bytes"}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode()),
               (b"connection", b"close")]  # fmt: skip
    await send({"type": "http.response.start", "status": 413, "headers": headers})
    await send({"type": "http.response.body", "body": payload})


ECHO_MAX = 200  # characters of a refused input sent back in a 422


async def validation_error(request: Request, exc: Exception) -> JSONResponse:
    """FastAPI's 422, made safe to send: an input such as ``NaN`` or ``Infinity`` (valid in Python's JSON,
    not in strict JSON) made the default handler crash with a 500 while serialising the error; and a
    refused text is echoed shortened (a 10,000-character message came back whole: bandwidth for an
    abuser, and personal data in every proxy's log of the response)."""
    assert isinstance(exc, RequestValidationError)
    return JSONResponse(status_code=422, content={"detail": _json_safe(jsonable_encoder(exc.errors()))})


async def unencodable_text(request: Request, exc: Exception) -> JSONResponse:
    """A lone surrogate ("\\ud800") that a lenient model let through fails where the text is encoded (Redis,
    a log line): the request's fault, a 422, never a 500."""
    if isinstance(exc, UnicodeEncodeError) and "surrogates" in exc.reason:
        log.info("%s %s: refused text that is not valid UTF-8: %r", request.method, request.url.path, exc)
        return JSONResponse(status_code=422, content={"detail": "text contains a character that is not valid UTF-8"})
    log.error("%s %s: encoding failed", request.method, request.url.path, exc_info=exc)  # our bug: a 500
    return JSONResponse(status_code=500, content={"detail": "internal error"})


def _json_safe(value: Any) -> Any:
    """Non-finite floats as text, long strings shortened, lone surrogates ("\\ud800", valid in JSON, not in
    UTF-8: the echo of one crashed the response with a 500) replaced."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, str):
        value = value.encode("utf-8", "replace").decode("utf-8")
    if isinstance(value, str) and len(value) > ECHO_MAX:
        return f"{value[:ECHO_MAX]}… ({len(value)} characters)"
    if isinstance(value, list):
        return [_json_safe(v) for v in value]
    if isinstance(value, dict):
        return {_json_safe(k): _json_safe(v) for k, v in value.items()}
    return value
