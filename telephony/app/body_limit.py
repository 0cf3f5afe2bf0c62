"""Request bodies: at most their route's size, and in at most ``body_s`` seconds.

Why a middleware and not per-route checks: a route that calls ``request.body()`` (the Twilio and transfer
webhooks must, to check the signature) has already buffered whatever arrived, and FastAPI's body parameters
do the same. Here the body is read up to its route's limit and refused with 413 past it, so a 500 MB
chunked upload costs at most the limit in memory, whatever route it targets. Limits per path prefix, the
longest prefix wins; WebSockets and bodiless requests pass untouched.

Except for the routes in ``STREAMED`` (the device upload, ``POST /v1/voice/turn``): their guard decides from the
headers alone and the route then reads its own body with a limit, so the body is handed through as it is
read, never buffered here first. Buffering it made every refused upload cost up to 2 MB of reading: 40
clients flooding bad keys slowed a phone caller's reply from ~1.2 s to 2-4 s. A response that starts before
the body was read to its end (a 401, a 429, a 413, a 408) closes the connection: the unread rest must not be
taken for the next request. A client gone before its body's end is nobody to answer: logged as such, not
as the route's failure (each aborted upload was an ERROR with a 70-line traceback).

The time bound (``INFOLINIA_BODY_READ_S``, 408 past it): uvicorn waits for a body as long as bytes keep
coming, and this reading happens before any guard. A byte a second kept a connection (a file descriptor)
forever, with or without a key: 320 such clients took every descriptor of a gateway run with ``ulimit -n
300``, and ``/healthz`` (and every caller's webhook) was refused.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Mapping

from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger(__name__)

DEFAULT_BODY_LIMIT = 64 * 1024  # chat (2,000 characters), Twilio webhooks (a few hundred bytes), console forms
BODY_LIMITS: Mapping[str, int] = {"/v1/voice/turn": 2 * 1024 * 1024 + 64 * 1024}  # 30 s of audio + multipart
STREAMED: frozenset[str] = frozenset({"/v1/voice/turn"})  # guarded from the headers, body read by the route
BODY_READ_S = 30.0  # a 30 s recording (960 kB at 16 kHz) needs 256 kbit/s; a chat message a few bytes


class BodyLimit:
    """ASGI middleware: buffer at most the route's limit of a request body for at most ``body_s``; answer 413
    beyond the size, 408 beyond the time."""

    def __init__(
        self,
        app: ASGIApp,
        limits: Mapping[str, int] = BODY_LIMITS,
        default: int = DEFAULT_BODY_LIMIT,
        streamed: frozenset[str] = STREAMED,
        body_s: float = BODY_READ_S,
    ):
        self.app = app
        self.limits = sorted(limits.items(), key=lambda kv: -len(kv[0]))
        self.default, self.streamed, self.body_s = default, streamed, body_s

    def limit_for(self, path: str) -> int:
        return next((limit for prefix, limit in self.limits if path.startswith(prefix)), self.default)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope["path"])
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await _refuse(send, 413, f"request body larger than {limit} bytes")
            return
        if scope["path"] in self.streamed:
            await _pass_through(self.app, scope, (receive, send), limit, self.body_s)
            return
        try:
            async with asyncio.timeout(self.body_s):
                body = await _read_up_to(receive, limit)
        except TimeoutError:
            await _too_slow(send, self.body_s)
            return
        if body is None:
            await _refuse(send, 413, f"request body larger than {limit} bytes")
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


class _TooSlow(Exception):
    """A streamed body was not in by its deadline while the route read it."""


class _Streamed:
    """A streamed route's body, counted and timed as the route reads it; a response that starts before its end
    asks for the connection to be closed."""

    def __init__(self, receive: Receive, send: Send, limit: int, empty: bool, body_s: float) -> None:
        self._receive, self._send, self.limit, self.left_s = receive, send, limit, body_s
        self.size, self.read_all, self.started = 0, empty, False

    async def receive(self) -> Message:
        """The next part of the body, within what is left of ``body_s`` of waiting for it. Only the time spent
        waiting here counts: the route's own wait before it reads (its guard, the models still loading) is no
        fault of the client's, whose bytes wait in the socket meanwhile."""
        if self.read_all:  # only the disconnect is left to wait for, as long as the response takes
            return await self._receive()
        began = time.monotonic()
        try:
            async with asyncio.timeout(self.left_s):
                message = await self._receive()
        except TimeoutError:
            raise _TooSlow from None
        finally:
            self.left_s -= time.monotonic() - began
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


async def _pass_through(app: ASGIApp, scope: Scope, channel: tuple[Receive, Send], limit: int, body_s: float) -> None:
    """Run a streamed route on the body as it arrives (413 past ``limit``, 408 past ``body_s``, as for a
    buffered one)."""
    receive, send = channel
    headers = dict(scope.get("headers", ()))
    empty = _content_length(scope) == 0 or (b"content-length" not in headers and b"transfer-encoding" not in headers)
    body = _Streamed(receive, send, limit, empty, body_s)
    try:
        await app(scope, body.receive, body.send)
    except ClientDisconnect:
        if body.started:
            raise
        log.info("%s: the client went away before its body was whole", scope["path"])  # nobody to answer
    except (_TooLarge, _TooSlow) as exc:
        if body.started:
            raise
        if isinstance(exc, _TooSlow):
            await _too_slow(send, body_s)
        else:
            await _refuse(send, 413, f"request body larger than {limit} bytes")


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


async def _too_slow(send: Send, body_s: float) -> None:
    await _refuse(send, 408, f"request body not received within {body_s:g} s (INFOLINIA_BODY_READ_S)")


async def _refuse(send: Send, status: int, detail: str) -> None:
    payload = json.dumps({"detail": detail}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode()),
               (b"connection", b"close")]  # fmt: skip
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": payload})
