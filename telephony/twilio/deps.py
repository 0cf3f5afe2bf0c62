"""What the Twilio endpoints (``telephony/twilio/routes.py``) need, as the app's router table builds it.

Why a module of its own, like the call's and the agents' ``deps.py``: the composition side (``telephony/app``)
and the tests build it without reading the routes, and the routes module keeps to the requests themselves.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from dialog.ports import KeyValueStore
from telephony.call.admission import Admission
from telephony.logs import LogThrottle
from telephony.ports import AudioChannel, CallControl, CallStarted
from telephony.spool import Spool
from telephony.twilio.claims import WebhookClaims
from telephony.twilio.copies import COPY_WAIT_S
from telephony.twilio.twiml import DEFAULT_VOICE

RunCall = Callable[[AudioChannel, CallStarted], Awaitable[None]]


@dataclass(frozen=True)
class TwilioDeps:
    """What the Twilio endpoints need, built once by the app factory from Settings."""

    public_url: str  # e.g. "https://voice.example.pl": the base Twilio calls (signatures, stream URL)
    auth_token: str  # empty = every Twilio request is refused
    fallback_number: str  # E.164 dialled when anything fails; empty = apologise and hang up
    store: KeyValueStore
    run_call: RunCall  # the call pipeline (telephony/call/loop.py); returns when the call is over
    stream_token_ttl_s: int = 120  # webhook answer -> WebSocket connect; Twilio connects in ~1 s
    call_record_ttl_s: int = 24 * 3600
    # accepted socket -> Twilio's "start" frame; the app sets INFOLINIA_STREAM_STALL_S (a stream silent that long)
    start_timeout_s: float = 10.0
    copy_wait_s: float = COPY_WAIT_S  # a copy of a webhook being answered waits this long for that answer
    send_timeout_s: float | None = None  # a send Twilio does not take in this long: the stream is blocked
    say_voice: str = DEFAULT_VOICE
    clock: Callable[[], float] = time.time
    admission: Admission | None = None  # None: every call is answered
    on_event: Callable[[str], None] | None = None  # admitted | refused | webhook_error | stream_refused | ...
    # The caller's call ended (a final status callback), e.g. ``WarmTransfer.call_ended``: whatever the
    # call left open after the bot handed it over (a callback offer the caller hung up on) is closed.
    on_call_ended: Callable[[str], Awaitable[object]] | None = None
    # Twilio's REST API: a stream that sends no "start" is handed over through it (None: the close alone)
    call_control: CallControl | None = None
    spool: Spool | None = None  # final statuses wait here while the store is down (None: only logged)
    # one answer per CallSid at a time, across the workers with Redis (the default: this worker alone)
    claims: WebhookClaims = field(default_factory=WebhookClaims)
    # the refusals' warnings (forged webhooks, bad streams, full lines): one line per reason per 10 s in a flood
    refusal_logs: LogThrottle = field(default_factory=LogThrottle)
