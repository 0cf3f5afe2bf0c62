"""One answer per call's voice webhook across the workers: a claim on the ``CallSid`` while it is answered.

Why: Twilio's copies of one webhook (a retry, a captured request played back) must not start a second call
and stream. The call's record in the store stops every copy that comes after the first was answered, but
copies sent together all arrive before it exists; the guard against those was a set in each worker, so two
workers each answered one and two streams each held a line. Now the first copy takes a Redis key (SET NX,
with a TTL so a worker that dies mid-answer holds it no longer) and copies on any worker wait for its answer
(``telephony/twilio/copies.py``); when the answer is out the key goes (only this claim's, compare-and-delete)
and the record takes over.

Redis down or stalled: the local guard alone, as before (logged): a caller is never refused because the
guard cannot ask Redis; at worst two workers answer copies of one webhook, and Twilio keeps one answer.
A stalled Redis is not asked again while the gateway's breaker (``telephony/store_health.py``) is open:
the webhook's own store steps already wait for it, and Twilio waits 15 s for the answer.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass

from redis.asyncio import Redis

from telephony.cancel_guard import give_back_anyway, honour_cancel
from telephony.redis_scripts import RELEASE_OWN, TAKE_OWN
from telephony.store_health import StoreHealth

log = logging.getLogger(__name__)

CLAIM_TTL_S = 60  # far longer than an answer (Twilio waits 15 s for one); a dead worker's claim lapses


@dataclass(frozen=True)
class Claim:
    """This worker answers ``call_sid``; ``shared``: Redis holds the claim too (else the local guard alone)."""

    call_sid: str
    token: str
    shared: bool


class WebhookClaims:
    """The claims of one worker, shared with the others through ``redis`` (None: this worker alone)."""

    def __init__(
        self, redis: Redis | None = None, prefix: str = "", ttl_s: int = CLAIM_TTL_S, health: StoreHealth | None = None
    ) -> None:
        self.redis, self.prefix, self.ttl_s, self.health = redis, prefix, ttl_s, health
        self._local: set[str] = set()  # CallSids whose webhook this worker is answering right now
        self._take_script = redis.register_script(TAKE_OWN) if redis is not None else None
        self._release = redis.register_script(RELEASE_OWN) if redis is not None else None

    def _key(self, call_sid: str) -> str:
        return f"{self.prefix}twilio:answering:{call_sid}"

    async def claim(self, call_sid: str) -> Claim | None:
        """The claim when this copy is the one to answer ``call_sid``; None while another copy is being
        answered, on this worker or another."""
        if call_sid in self._local:
            return None
        self._local.add(call_sid)
        token = uuid.uuid4().hex
        try:
            shared = await honour_cancel(self._take(call_sid, token))  # a cancel redis-py lost: no claim for nobody
        except BaseException:  # cancelled (the client left): this worker must not keep the CallSid
            self._local.discard(call_sid)
            if self._release is not None:  # the take may have run: Twilio's retry must not wait out the TTL
                await give_back_anyway(self._give_back(call_sid, token), f"webhook claim of {call_sid}")
            raise
        if shared is False:
            self._local.discard(call_sid)
            return None
        return Claim(call_sid, token, shared is True)

    async def done(self, claim: Claim) -> None:
        """The answer is out (the call's record stops later copies): the claim goes, here and in Redis."""
        self._local.discard(claim.call_sid)
        if claim.shared:
            await self._give_back(claim.call_sid, claim.token)

    async def _give_back(self, call_sid: str, token: str) -> None:
        """Delete the claim in Redis while it is still ``token``'s; not while Redis stalls (the TTL ends it)."""
        if self._release is None or (self.health is not None and self.health.stalled):
            return
        try:
            await self._release(keys=[self._key(call_sid)], args=[token])
        except Exception as exc:  # the TTL ends it
            if self.health is not None:
                self.health.saw(exc)
            log.warning("call %s: the webhook's claim could not be given back (%r): it lapses", call_sid, exc)

    async def _take(self, call_sid: str, token: str) -> bool | None:
        """True: taken in Redis; False: another worker holds it; None: no Redis to ask (the local guard)."""
        if self._take_script is None or (self.health is not None and self.health.stalled):
            return None
        try:
            return bool(await self._take_script(keys=[self._key(call_sid)], args=[token, self.ttl_s]))
        except Exception as exc:
            if self.health is not None:
                self.health.saw(exc)  # a timeout: the next webhooks do not wait on Redis for the back-off
            log.warning("call %s: Redis cannot guard the webhook across workers (%r): local guard only", call_sid, exc)
            return None
