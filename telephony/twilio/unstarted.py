"""A media stream that connects but never sends ``start``: the call is handed over, not left in silence.

Why: such a stream waited a fixed 10 s, then was closed for Twilio to run the TwiML after ``</Connect>``. A
socket that carries no ``start`` is a broken media path, like a stalled stream (``StreamWatch``), and its
close may never reach Twilio either: the caller heard 10 s of silence, or silence for good. Now the wait is
the stream stall setting (``INFOLINIA_STREAM_STALL_S``, set as ``TwilioDeps.start_timeout_s``), and the
call, known by the CallSid its webhook put in the stream's token, gets what a stalled call gets: the
fallback number over Twilio's REST API with Twilio saying the apology, or with no fallback number the
apology and a hang-up. Only when that cannot be done (no CallSid, no REST client, REST failing) is the
close alone left to carry the call to the TwiML after ``</Connect>``.
"""

from __future__ import annotations

import logging

from telephony.ports import CallControl
from telephony.twilio.wire import CALL_SID_RE

log = logging.getLogger(__name__)


async def hand_over_unstarted(control: CallControl | None, call_sid: str, fallback_number: str, apology: str) -> bool:
    """True when Twilio took the hand-over (``fallback_number``, or the apology and a hang-up without one)."""
    if control is None or not CALL_SID_RE.fullmatch(call_sid):
        log.warning("stream sent no start and call %s cannot be handed over: closing it", call_sid or "(unknown)")
        return False
    try:
        if fallback_number:
            await control.transfer_to_number(call_sid, fallback_number, apology)
        else:
            await control.hang_up(call_sid, apology)
    except Exception:
        log.exception("call %s: the stream sent no start and the REST hand-over failed; closing it", call_sid)
        return False
    log.warning("call %s: the stream sent no start; handed over with Twilio saying the apology", call_sid)
    return True
