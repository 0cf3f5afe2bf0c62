"""Who may talk to the Twilio endpoints: ``X-Twilio-Signature`` checks and single-use stream tokens.

Why the configured public URL and never the Host header: Twilio signs the URL *it* requested; behind
a proxy the Host we see differs, and trusting it would let a caller choose the URL that gets checked.
Why a token in the stream path: Twilio drops query strings from ``<Stream url>``; a per-call token in
the path makes each WebSocket URL (and so its signature) unique, and ``pop`` makes it single-use.
"""

from __future__ import annotations

import logging
import re
import secrets
import time
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import parse_qsl

from starlette.datastructures import FormData, UploadFile
from twilio.request_validator import RequestValidator

from dialog.ports import KeyValueStore

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Twilio-Signature"
_TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{16,128}$")
_TOKEN_PREFIX = "stream:"


def parse_form(body: bytes) -> FormData:
    """``application/x-www-form-urlencoded`` body -> multi-dict (repeated keys kept, as Twilio signs them).

    Parsed with the standard library so the webhook needs no ``python-multipart``; the validator reads
    repeated keys through ``FormData.getlist``. Undecodable bytes give an empty form (signature fails).
    """
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return FormData()
    items: list[tuple[str, str | UploadFile]] = list(parse_qsl(text, keep_blank_values=True))
    return FormData(items)


def first_values(form: FormData) -> dict[str, str]:
    """Plain ``{name: first value}`` view for the record logic (Twilio's call params are single-valued)."""
    return {key: str(value) for key, value in form.items()}


class TwilioSignatureVerifier:
    """Checks ``X-Twilio-Signature`` against URLs built from the configured public base URL."""

    def __init__(self, auth_token: str, public_url: str) -> None:
        self._validator = RequestValidator(auth_token) if auth_token else None
        self._public_url = public_url.rstrip("/")

    def http_url(self, path: str, query: str = "") -> str:
        """The URL Twilio requested: public base + path + the raw (byte-exact) query string."""
        return self._public_url + path + (f"?{query}" if query else "")

    def ws_url(self, path: str, query: str = "") -> str:
        """The ``wss://`` form (``ws://`` for a plain-http dev base) that Twilio signs on the upgrade."""
        base = re.sub(r"^http", "ws", self._public_url, count=1)
        return base + path + (f"?{query}" if query else "")

    def verify_form(self, path: str, query: str, form: Mapping[str, Any], signature: str | None) -> bool:
        """Form POST webhook (voice, status callback). No token configured = everything refused."""
        if self._validator is None or not signature:
            return False
        return bool(self._validator.validate(self.http_url(path, query), form, signature))

    def verify_websocket(self, path: str, query: str, signature: str | None) -> bool:
        """WebSocket upgrade: params are empty; accept the URL with and without a trailing slash."""
        if self._validator is None or not signature:
            return False
        url = self.ws_url(path.rstrip("/") or "/", query)
        candidates = (url, self.ws_url(path.rstrip("/") + "/", query))
        return any(self._validator.validate(u, {}, signature) for u in candidates)


class StreamTokens:
    """Single-use per-call tokens for the media-stream URL, kept in the shared store with a TTL."""

    def __init__(self, store: KeyValueStore, ttl_s: int, clock: Callable[[], float] = time.time) -> None:
        self._store = store
        self._ttl_s = ttl_s
        self._clock = clock

    async def issue(self, call_sid: str, data: Mapping[str, str]) -> str:
        """A fresh unguessable token bound to ``call_sid`` (and the call's data for the pipeline)."""
        token = secrets.token_urlsafe(24)
        record = {**data, "call_sid": call_sid, "issued_at": self._clock()}
        await self._store.set(_TOKEN_PREFIX + token, record, ttl_s=self._ttl_s)
        return token

    async def pending(self, token: str) -> bool:
        """The token was issued and its stream has not come yet (a copy of the webhook may be answered with it)."""
        return bool(_TOKEN_RE.fullmatch(token)) and await self._store.get(_TOKEN_PREFIX + token) is not None

    async def consume(self, token: str) -> dict[str, Any] | None:
        """The token's record, removed atomically; ``None`` if unknown, expired, reused or malformed."""
        if not _TOKEN_RE.fullmatch(token):
            return None
        record = await self._store.pop(_TOKEN_PREFIX + token)
        if record is None:
            return None
        if self._clock() - float(record.get("issued_at", 0.0)) > self._ttl_s:
            return None  # the store's TTL is the main guard; this covers stores that expire lazily
        return record
