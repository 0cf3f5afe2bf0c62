"""Twilio's call status callbacks: the call record kept in ``SequenceNumber`` order, the end of a call acted on.

Why apart from the routes (``telephony/twilio/routes.py``): a status is also applied later, outside any
request, when the app replays what was spooled while the store was down (``apply_status``, registered
for ``STATUS_SPOOL_KIND``); the routes only check the signature and hand the form here.
"""

from __future__ import annotations

import logging

from starlette.datastructures import FormData

from telephony.spool import STORE_DOWN
from telephony.twilio.deps import TwilioDeps
from telephony.twilio.security import first_values
from telephony.twilio.wire import CALL_SID_RE, TERMINAL_STATUSES, apply_status_callback, call_key

log = logging.getLogger(__name__)

STATUS_SPOOL_KIND = "twilio.status"


async def apply_status_form(deps: TwilioDeps, form: FormData) -> None:
    """Apply a status callback; while the store is down a final status is spooled for ``apply_status`` later
    (the caller is gone: Twilio must get its 2xx, and their transfer must still be closed when Redis is
    back), an intermediate one is only acknowledged."""
    values = first_values(form)
    try:
        await apply_status(deps, values)
    except STORE_DOWN:
        if deps.spool is not None and values.get("CallStatus", "") in TERMINAL_STATUSES:
            await deps.spool.append(STATUS_SPOOL_KIND, values)
        else:
            log.warning("call %s: store down, status %s not recorded", values.get("CallSid"), values.get("CallStatus"))


async def apply_status(deps: TwilioDeps, values: dict[str, str]) -> None:
    """Apply a status callback in ``SequenceNumber`` order (stale and repeated ones change nothing to the
    call record); a final status also runs ``on_call_ended``. Raises ``STORE_DOWN`` errors (the caller spools
    it); idempotent, so a spooled status replays safely."""
    call_sid = values.get("CallSid", "")
    if not CALL_SID_RE.fullmatch(call_sid):
        log.warning("status callback without a valid CallSid ignored")
        return
    record = await deps.store.get(call_key(call_sid))
    updated = apply_status_callback(record, values, deps.clock())
    if updated is None:
        log.info("call %s: stale or repeated status callback ignored", call_sid)
    else:
        await deps.store.set(call_key(call_sid), updated, ttl_s=deps.call_record_ttl_s)
    if deps.on_call_ended is not None and values.get("CallStatus", "") in TERMINAL_STATUSES:
        try:  # even for a repeat: the hook is idempotent, and a retry must not lose the first one's work
            await deps.on_call_ended(call_sid)
        except STORE_DOWN:
            raise
        except Exception:
            log.exception("call %s: closing what the call left open failed", call_sid)
