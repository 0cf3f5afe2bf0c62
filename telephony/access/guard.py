"""The guards in front of the routes, as FastAPI dependencies (the router table attaches them).

* ``ApiGuard``: ``/v1/chat`` and ``/v1/voice/turn``. An API key (``Authorization: Bearer <key>`` or
  ``X-API-Key``) when keys are configured; open in development mode only. Requests with a key are limited per
  key, requests without one per client IP; a wrong key counts as a failed credential of the client IP.
* ``MetricsGuard``: ``/metrics`` for an allow-listed network (loopback by default: a Prometheus on the same
  host or a sidecar) or with the metrics bearer token (Prometheus ``authorization`` in its scrape config).
* ``DocsGuard``: ``/docs`` and ``/openapi.json`` open in development mode; otherwise an API key or a
  supervisor's agent token, as a bearer token or as the password of HTTP Basic (so a browser asks for it
  and sends it again when the page fetches the schema).

401 means "no or a wrong credential", 403 "a credential (or network) not allowed here", 429 (with
``Retry-After``) "too many requests or failed credentials from you".
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import logging
import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from fastapi import HTTPException, Request

from telephony.access.keys import AccessPolicy, matches
from telephony.access.ratelimit import Limiter

log = logging.getLogger(__name__)
OperatorCheck = Callable[[str], Awaitable[bool]]  # a supervisor's token? (the agents' repository)
T = TypeVar("T")


@dataclass(frozen=True)
class ApiClient:
    """Who made a request: the client IP and the API key's name (None: development mode, no key)."""

    ip: str
    key: str | None


def client_ip(request: Request) -> str:
    """The peer address (uvicorn puts a trusted proxy's X-Forwarded-For client here)."""
    return request.client.host if request.client else "unknown"


def presented_secret(request: Request) -> str | None:
    """A bearer token, an ``X-API-Key`` or the password of HTTP Basic; None when there is none."""
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    value = value.strip()
    if scheme.lower() == "bearer" and value:
        return value
    if scheme.lower() == "basic" and value:
        try:
            return base64.b64decode(value, validate=True).decode("utf-8").partition(":")[2] or None
        except (binascii.Error, UnicodeDecodeError):
            return None
    return request.headers.get("x-api-key") or None


class TooMany(HTTPException):
    """A 429: the app answers it with the catalogue's Polish ``reply`` beside the detail (a chat widget shows
    it to the customer, as it does the 503's), and ``Retry-After``. ``reply``: what the customer reads (None:
    ``catalogue.RATE_LIMITED_REPLY``, "we get very many messages now"; a flooded hand-off says its own)."""

    def __init__(self, detail: str, headers: dict[str, str], reply: str | None = None) -> None:
        super().__init__(429, detail, headers=headers)
        self.reply = reply


def too_many(retry_after_s: float, what: str, reply: str | None = None) -> TooMany:
    return TooMany(f"too many {what}: retry later", {"Retry-After": str(math.ceil(retry_after_s))}, reply)


def unauthorized(detail: str, scheme: str = "Bearer") -> HTTPException:
    return HTTPException(401, detail, headers={"WWW-Authenticate": scheme})


async def check_failures(limiter: Limiter, ip: str) -> None:
    """429 when ``ip`` has spent its failed credentials (before looking at the one it presents now)."""
    retry = await limiter.blocked(ip)
    if retry is not None:
        raise too_many(retry, "failed credentials")


async def admit(
    limiter: Limiter,
    ip: str,
    secret: str | None,
    identify: Callable[[str], Awaitable[T | None]],
    token_id: Callable[[T], str],
    what: str,
    scheme: str = "Bearer",
) -> T | None:
    """Who ``secret`` is (None without one). 401 for a wrong secret (a failed attempt of ``ip``); 429 when
    ``ip`` spent its failed attempts, or the credential (``token_id``: "key:kiosk", "agent:anna", never the
    secret) its request rate."""
    if secret is None:
        return None
    async with limiter.checks.one_at_a_time(ip, secret):  # a burst of guesses cannot outrun the count
        await check_failures(limiter, ip)
        found = await identify(secret)
        if found is None:
            await limiter.failed(ip)
            log.warning("wrong %s from %s", what, ip)
            raise unauthorized(f"the {what} is not valid", scheme)
        limiter.checks.proven.add(secret)
    retry = await limiter.hit_token(token_id(found))
    if retry is not None:
        raise too_many(retry, f"requests with this {what}")
    return found


class ApiGuard:
    """Dependency of the chat and voice-turn routes; returns the ``ApiClient``."""

    def __init__(self, policy: AccessPolicy, limiter: Limiter) -> None:
        self.policy, self.limiter = policy, limiter

    async def __call__(self, request: Request) -> ApiClient:
        ip = client_ip(request)
        name = await admit(self.limiter, ip, presented_secret(request), self._identify, "key:{}".format, "API key")
        if name is not None:  # a key holder is limited per key: a chat backend sends all its users from one IP
            return ApiClient(ip, name)
        retry = await self.limiter.hit_ip(ip)  # anonymous: limited per client IP
        if retry is not None:
            raise too_many(retry, "requests from this address")
        if self.policy.dev_mode:
            return ApiClient(ip, None)
        raise unauthorized(
            "an API key is required (Authorization: Bearer <key>)"
            if self.policy.keys
            else "no API key is configured on this gateway (INFOLINIA_API_KEYS); see README, Security"
        )

    async def _identify(self, secret: str) -> str | None:
        return self.policy.keys.identify(secret)


class MetricsGuard:
    """Dependency of ``GET /metrics``."""

    def __init__(self, policy: AccessPolicy) -> None:
        self.policy = policy

    async def __call__(self, request: Request) -> None:
        secret = presented_secret(request)
        if secret is not None:
            if matches(secret, self.policy.metrics_token_sha256):
                return
            raise unauthorized("the metrics token is not valid")
        try:
            address = ipaddress.ip_address(client_ip(request))
        except ValueError:
            address = None
        if address is not None and any(address in net for net in self.policy.metrics_networks):
            return
        raise HTTPException(403, "metrics: not from an allowed network (INFOLINIA_METRICS_ALLOW) and no token")


class DocsGuard:
    """Dependency of ``/docs`` and ``/openapi.json``."""

    BASIC = 'Basic realm="infolinia"'  # browsers ask for it (any user name, the key as the password)

    def __init__(self, policy: AccessPolicy, limiter: Limiter, is_supervisor: OperatorCheck | None = None) -> None:
        self.policy, self.limiter, self.is_supervisor = policy, limiter, is_supervisor

    async def __call__(self, request: Request) -> None:
        if self.policy.dev_mode:
            return
        secret = presented_secret(request)
        if secret is None:
            raise unauthorized("the API documentation needs an API key or a supervisor token", self.BASIC)
        what = "API key or supervisor token"
        await admit(self.limiter, client_ip(request), secret, self._identify, str, what, self.BASIC)

    async def _identify(self, secret: str) -> str | None:
        name = self.policy.keys.identify(secret)
        if name is not None:
            return f"key:{name}"
        if self.is_supervisor is not None and await self.is_supervisor(secret):
            return "supervisor"
        return None
