"""Live call control over Twilio's REST API (hang up, transfer), as ``telephony.ports.CallControl``; and
deleting voicemail recordings after their retention (``delete_recording``, used by ``infolinia purge``).

Why httpx and not the ``twilio`` REST client: we need two POSTs, an async client with a hard time
limit, and a base URL a test can point at; the ``twilio`` async client pulls in aiohttp sessions and
retries we do not want mid-call. A call that already ended (404 / code 20404, or 21220 "not in
progress") is not an error for ``hang_up``: the caller hung up first, which is the normal race.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Callable
from typing import Any

import httpx

from telephony.twilio.twiml import dial_twiml, hangup_twiml

log = logging.getLogger(__name__)

_CALL_SID_RE = re.compile(r"^CA[0-9a-fA-F]{32}$")
_ACCOUNT_SID_RE = re.compile(r"^AC[0-9a-fA-F]{32}$")
_RECORDING_SID_RE = re.compile(r"^RE[0-9a-fA-F]{32}$")
_NOT_FOUND = 20404
_NOT_IN_PROGRESS = 21220


class TwilioRestError(RuntimeError):
    """A REST call failed (HTTP error, Twilio error code, timeout or network)."""

    def __init__(self, message: str, status_code: int | None = None, twilio_code: int | None = None) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.twilio_code = twilio_code


def rest_down(exc: TwilioRestError) -> bool:
    """Twilio itself is unreachable or failing (network, deadline, 5xx, 429), as opposed to refusing
    this one request (4xx: a bad number, a call that ended): the caller must not wait on it again."""
    return exc.status_code is None or exc.status_code >= 500 or exc.status_code == 429


class CallNotActiveError(TwilioRestError):
    """The call no longer exists or is not in progress (caller already hung up)."""


class TwilioRestClient:
    """Async client for ``/2010-04-01/Accounts/{AC}/Calls/{CA}.json`` with basic auth."""

    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        api_base: str = "https://api.twilio.com",
        timeout_s: float = 5.0,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        cooldown_s: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not _ACCOUNT_SID_RE.fullmatch(account_sid):
            raise ValueError("account_sid must look like AC + 32 hex characters")
        self._account_sid = account_sid
        self._timeout_s = timeout_s
        self._http = httpx.AsyncClient(
            base_url=api_base.rstrip("/"),
            auth=(account_sid, auth_token),
            timeout=httpx.Timeout(timeout_s),
            transport=transport,
        )
        # After a request that could not reach Twilio (refused, reset, past its deadline), the next ones
        # fail at once for ``cooldown_s``: the fail-safe that follows (redirect to the fallback number)
        # must not wait out a second deadline while the caller hears nothing.
        self._cooldown_s, self._clock = cooldown_s, clock
        self._down_until = 0.0

    async def hang_up(self, call_sid: str, goodbye: str | None = None) -> None:
        """End the call now (``goodbye``: Twilio says it first, with TwiML ``<Say>`` then ``<Hangup>``, which
        reaches the caller when our media stream cannot); a call that already ended counts as done."""
        data = {"Twiml": hangup_twiml(goodbye)} if goodbye else {"Status": "completed"}
        try:
            await self.update_call(call_sid, data)
        except CallNotActiveError:
            log.info("hang_up: call %s had already ended", call_sid)

    async def transfer_to_number(self, call_sid: str, number: str, announcement: str | None = None) -> None:
        """Replace the call's TwiML with (announce +) ``<Dial>``; this also ends its media stream."""
        await self.update_call(call_sid, {"Twiml": dial_twiml(number, announcement)})

    async def update_call(self, call_sid: str, data: dict[str, str]) -> dict[str, Any]:
        """POST form ``data`` to the Call resource within ``timeout_s``; the updated call as JSON."""
        if not _CALL_SID_RE.fullmatch(call_sid):
            raise ValueError(f"not a call sid: {call_sid!r}")
        path = f"/2010-04-01/Accounts/{self._account_sid}/Calls/{call_sid}.json"
        response = await self._post(path, data, f"{list(data)} on call {call_sid}")
        if response.is_success:
            body: dict[str, Any] = response.json()
            return body
        raise self._error(response, call_sid)

    async def create_call(self, to: str, from_: str, url: str, **extra: str | list[str]) -> dict[str, Any]:
        """Start an outbound call whose TwiML comes from ``url``; ``extra``: Twilio form fields
        (``StatusCallback``, ``StatusCallbackEvent`` (a list is sent as repeated fields), ``Timeout``...).
        Returns the new call as JSON (its ``sid``)."""
        data: dict[str, str | list[str]] = {"To": to, "From": from_, "Url": url, **extra}
        path = f"/2010-04-01/Accounts/{self._account_sid}/Calls.json"
        response = await self._post(path, data, "create call")
        if response.is_success:
            body: dict[str, Any] = response.json()
            return body
        raise self._error(response, "(new)")

    async def _post(self, path: str, data: dict[str, Any], what: str) -> httpx.Response:
        """One POST within ``timeout_s``; fails at once while Twilio is known to be unreachable."""
        if self._clock() < self._down_until:
            raise TwilioRestError(f"Twilio REST unreachable a moment ago; {what} not attempted")
        try:
            async with asyncio.timeout(self._timeout_s):
                return await self._http.post(path, data=data)
        except (TimeoutError, httpx.HTTPError) as exc:
            self._down_until = self._clock() + self._cooldown_s
            log.error("Twilio REST %s failed: %r", what, exc)
            raise TwilioRestError(f"Twilio REST request failed: {exc!r}") from exc

    @property
    def reachable(self) -> bool:
        """False for ``cooldown_s`` after a request could not reach Twilio (``/readyz`` shows it)."""
        return self._clock() >= self._down_until

    async def delete_recording(self, recording_sid: str) -> bool:
        """DELETE the Recording resource; True when deleted now, False when it was already gone (404).
        Raises ``TwilioRestError`` otherwise (the purge keeps it on its list and tries again next time)."""
        if not _RECORDING_SID_RE.fullmatch(recording_sid):
            raise ValueError(f"not a recording sid: {recording_sid!r}")
        path = f"/2010-04-01/Accounts/{self._account_sid}/Recordings/{recording_sid}.json"
        try:
            async with asyncio.timeout(self._timeout_s):
                response = await self._http.delete(path)
        except (TimeoutError, httpx.HTTPError) as exc:
            raise TwilioRestError(f"Twilio REST request failed: {exc!r}") from exc  # the purge retries later
        if response.is_success:
            return True
        if response.status_code == 404:
            return False
        raise self._error(response, recording_sid)

    async def aclose(self) -> None:
        await self._http.aclose()

    def _error(self, response: httpx.Response, call_sid: str) -> TwilioRestError:
        try:
            body = response.json()
        except ValueError:
            body = {}
        code = body.get("code") if isinstance(body, dict) else None
        message = body.get("message", response.text[:200]) if isinstance(body, dict) else response.text[:200]
        twilio_code = code if isinstance(code, int) else None
        if response.status_code == 404 or twilio_code in (_NOT_FOUND, _NOT_IN_PROGRESS):
            log.warning("Twilio REST: call %s is not active (HTTP %s code %s)", call_sid, response.status_code, code)
            return CallNotActiveError(f"call {call_sid} is not active: {message}", response.status_code, twilio_code)
        log.error("Twilio REST error on call %s: HTTP %s code %s: %s", call_sid, response.status_code, code, message)
        return TwilioRestError(
            f"Twilio REST error {response.status_code}: {message}", response.status_code, twilio_code
        )
