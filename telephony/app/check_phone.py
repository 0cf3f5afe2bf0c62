"""The phone line's part of ``infolinia check``: Twilio's settings, its REST API (``--online``), the public
URL Twilio calls and the fallback number a failing call is sent to.

Why apart: a deployment without a phone line (chat, speakers, the HTTP voice turn) has none of these to
fix, so they are one warning there (and the public URL is checked only for an API left open); as soon as
any Twilio setting is given, all of them apply.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import httpx

from telephony.access.keys import ApiKeys, development_mode
from telephony.app.findings import Finding, Level
from telephony.settings import Settings

E164 = re.compile(r"^\+[1-9]\d{6,14}$")
TWILIO_SID = re.compile(r"^AC[0-9a-f]{32}$")
PLACEHOLDER_SID = "AC" + "0" * 32
LOCAL_HOSTS = ("localhost", "127.0.0.1", "0.0.0.0", "::1")


def phone_line_set_up(settings: Settings) -> bool:
    """Any Twilio setting given: the operator means to answer calls, so every phone check applies."""
    sid = settings.twilio_account_sid
    return bool(settings.twilio_auth_token or settings.twilio_number or (sid and sid != PLACEHOLDER_SID))


async def check_phone_line(settings: Settings, online: bool) -> list[Finding]:
    """The Twilio checks, or one warning for a deployment without a phone line (chat, speakers and the
    HTTP voice turn only): its missing token, number and public URL are no problems to fix."""
    if not phone_line_set_up(settings):
        detail = "not set up (no INFOLINIA_TWILIO_* setting): calls are refused; chat and speakers need none"
        return [Finding("warn", "phone line", detail), check_open_api(settings), *check_api_keys(settings)]
    found = check_twilio(settings)
    if online:
        found += await check_twilio_online(settings)
    public = check_public_url(settings)
    if public.level != "fail" and (api := check_open_api(settings)).level == "fail":
        public = api  # INFOLINIA_DEV_MODE=true on a public https gateway: the chat API is open to the internet
    return [*found, public, check_fallback(settings), check_lines(settings)]


def check_twilio(settings: Settings) -> list[Finding]:
    out = []
    if not settings.twilio_auth_token:
        detail = "INFOLINIA_TWILIO_AUTH_TOKEN is not set: phone calls are refused (403), no phone transfers"
        out.append(Finding("fail", "twilio token", detail))
    else:
        out.append(Finding("ok", "twilio token", "set"))
    sid = settings.twilio_account_sid
    if sid == PLACEHOLDER_SID or not TWILIO_SID.match(sid):
        out.append(Finding("fail", "twilio account", f"INFOLINIA_TWILIO_ACCOUNT_SID {sid!r} is not a real AC... id"))
    if not E164.match(settings.twilio_number):
        level: Level = "fail" if settings.agents_path else "warn"
        detail = f"INFOLINIA_TWILIO_NUMBER {settings.twilio_number!r} is not E.164: agents' phones cannot be rung"
        out.append(Finding(level, "twilio number", detail))
    return out


async def check_twilio_online(settings: Settings) -> list[Finding]:
    """Twilio's REST API: do the credentials work, is the number ours, does it call this gateway?"""
    base = f"{settings.twilio_api_base}/2010-04-01/Accounts/{settings.twilio_account_sid}"
    auth = (settings.twilio_account_sid, settings.twilio_auth_token)
    async with httpx.AsyncClient(auth=auth, timeout=settings.twilio_timeout_s) as client:
        try:
            account = await client.get(base + ".json")
            if account.status_code != 200:
                return [Finding("fail", "twilio online", f"credentials rejected (HTTP {account.status_code})")]
            numbers = await client.get(
                base + "/IncomingPhoneNumbers.json", params={"PhoneNumber": settings.twilio_number}
            )
        except httpx.HTTPError as exc:
            return [Finding("fail", "twilio online", f"{settings.twilio_api_base} unreachable: {exc}")]
    found = [Finding("ok", "twilio online", f"credentials valid ({account.json().get('friendly_name', '')})")]
    listed = numbers.json().get("incoming_phone_numbers", []) if numbers.status_code == 200 else []
    if not listed:
        return [*found, Finding("fail", "twilio online", f"{settings.twilio_number!r} is not a number of this account")]
    expected = settings.public_url + "/twilio/voice"
    voice_url = listed[0].get("voice_url") or ""
    if voice_url != expected:
        return [*found, Finding("fail", "twilio webhook", f"the number calls {voice_url!r}, expected {expected!r}")]
    return [*found, Finding("ok", "twilio webhook", f"the number calls {expected}")]


def check_public_url(settings: Settings) -> Finding:
    url = settings.public_url
    host = urlsplit(url).hostname or ""
    if not url.startswith("https://"):
        return Finding("fail", "public url", f"INFOLINIA_PUBLIC_URL {url} is not https: Twilio needs https and wss")
    if host in LOCAL_HOSTS:
        return Finding("fail", "public url", f"INFOLINIA_PUBLIC_URL {url} is this machine: Twilio cannot reach it")
    return Finding("ok", "public url", url)


def check_fallback(settings: Settings) -> Finding:
    number = settings.fallback_number
    if not E164.match(number):
        detail = f"INFOLINIA_FALLBACK_NUMBER {number!r} is not E.164 (+48...): a failing call could only hang up"
        return Finding("fail", "fallback number", detail)
    return Finding("ok", "fallback number", number)


def check_lines(settings: Settings) -> Finding:
    """``INFOLINIA_MAX_CONCURRENT_CALLS`` 0 (the default) answers every call: a burst of calls (2,000 webhooks
    at once in a probe) then all get a stream and slow every call in progress, where a limit sends the calls
    past it to the fallback number with "all lines busy". Works, so a warning."""
    lines = settings.max_concurrent_calls
    if lines == 0:
        detail = "INFOLINIA_MAX_CONCURRENT_CALLS is 0: no limit, a burst of calls slows every call in progress; "
        return Finding("warn", "lines", detail + "set it to the capacity `infolinia bench calls` measured / workers")
    return Finding("ok", "lines", f"{lines} calls at once per worker, then 'all lines busy' and the fallback")


def check_open_api(settings: Settings) -> Finding:
    """Without a phone line the public URL is not Twilio's, but it still decides two things: an http URL on
    this machine, with no API key and a loopback listener, is development mode (the chat API and /docs open
    to anyone who reaches them, e.g. through a proxy on the same host), and only https marks the console's
    session cookie Secure."""
    keys = ApiKeys.parse(settings.api_keys)
    if development_mode(settings.dev_mode, keys, settings.public_url, settings.host):
        why = (
            "INFOLINIA_DEV_MODE=true"
            if settings.dev_mode
            else f"INFOLINIA_PUBLIC_URL {settings.public_url}, no INFOLINIA_API_KEYS; set both (https)"
        )
        detail = f"development mode: /v1/chat, /v1/voice/turn and /docs answer anyone ({why})"
        return Finding("fail", "public url", detail)
    if not settings.public_url.startswith("https://"):
        return Finding("warn", "public url", f"{settings.public_url} is not https: the console cookie is not Secure")
    return Finding("ok", "public url", settings.public_url)


def check_api_keys(settings: Settings) -> list[Finding]:
    """A gateway without a phone line is there for chat and devices: outside development mode (e.g. Docker,
    which listens on 0.0.0.0) they need an API key, and without one every request is refused."""
    keys = ApiKeys.parse(settings.api_keys)
    if keys or development_mode(settings.dev_mode, keys, settings.public_url, settings.host):
        return []
    detail = "none (INFOLINIA_API_KEYS): /v1/chat and /v1/voice/turn refuse every request; "
    return [Finding("warn", "api keys", detail + "make one with `infolinia apikey --name widget`")]
