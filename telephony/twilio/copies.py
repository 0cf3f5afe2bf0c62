"""What a copy of a call's voice webhook is answered: the first copy's answer, never a bare hang-up.

Why: Twilio sends a call's voice webhook once, but retries it when the first request failed or timed out (a
webhook URL with ``#rp=``, a fallback URL pointing at the gateway), and then only the retry's answer reaches
the caller. Copies used to be answered ``<Hangup/>`` (a review: a retry on any worker dropped the caller in
silence). Now:

* the call's record exists and its single-use stream token is unspent: the same ``<Connect><Stream>`` again
  (Twilio did not act on the first answer, or this copy is played back: either way one stream at most connects,
  and the stream's own signature keeps a stranger from using the token);
* the stream already came: ``<Hangup/>`` (Twilio acted on the first answer; this copy reaches no caller);
* a copy that arrives while the first is being answered (``telephony/twilio/claims.py``) waits for that
  answer's record, at most ``wait_s`` (Twilio waits 15 s), and gets the fallback (apology and a human) if none
  comes: the first failed, or the store cannot tell.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from dialog.ports import KeyValueStore
from telephony.twilio.security import StreamTokens
from telephony.twilio.twiml import hangup_twiml
from telephony.twilio.wire import call_key

log = logging.getLogger(__name__)

COPY_WAIT_S = 8.0  # the first answer's store steps, a Redis timeout or two: well inside Twilio's 15 s
POLL_S = 0.1

StreamAnswer = Callable[[dict[str, Any]], str]  # the call's record -> its <Connect><Stream> TwiML


async def answer_of_record(
    store: KeyValueStore, tokens: StreamTokens, call_sid: str, stream_answer: StreamAnswer
) -> str | None:
    """A copy's answer once the call's record exists (see the module docstring); None when there is no record
    or the store cannot tell (the webhook is then treated as the call's first)."""
    try:
        record = await store.get(call_key(call_sid))
        if record is None:
            return None
        token = str(record.get("stream_token") or "")
        unspent = bool(token) and await tokens.pending(token)
    except Exception:
        log.warning("call %s: the store cannot tell whether the voice webhook is a copy", call_sid, exc_info=True)
        return None
    if unspent:
        log.warning("call %s: a copy of the voice webhook before its stream came: the same stream again", call_sid)
        return stream_answer(record)
    log.warning("call %s: a copy of the voice webhook after its stream came: ignored", call_sid)
    return hangup_twiml()


async def answer_of_first(
    store: KeyValueStore,
    tokens: StreamTokens,
    call_sid: str,
    stream_answer: StreamAnswer,
    fallback: str,
    wait_s: float = COPY_WAIT_S,
) -> str:
    """A copy that came while the first copy was being answered: the first's answer once its record exists,
    or ``fallback`` after ``wait_s``."""
    try:
        async with asyncio.timeout(wait_s):
            while (answer := await answer_of_record(store, tokens, call_sid, stream_answer)) is None:
                await asyncio.sleep(POLL_S)
            return answer
    except TimeoutError:
        log.warning("call %s: the first voice webhook left no answer in %.1f s: the fallback", call_sid, wait_s)
        return fallback
