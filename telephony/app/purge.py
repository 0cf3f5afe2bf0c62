"""Settings -> the retention policy, and the ``infolinia purge`` command's wiring (Redis, Twilio REST).

The purge itself is ``telephony.retention.purge.Purger``; this module only builds its parts from the
settings, like the rest of ``telephony/app``.
"""

from __future__ import annotations

from redis.asyncio import Redis

from dialog.redis_connect import connect_redis
from telephony.history.purge import purge_history
from telephony.retention.policy import Retention
from telephony.retention.purge import Purger, PurgeReport
from telephony.settings import Settings
from telephony.twilio.rest import TwilioRestClient


def retention_of(settings: Settings) -> Retention:
    """The per-kind retention the settings configure (``INFOLINIA_RETENTION_*``, ``INFOLINIA_SESSION_TTL_S``)."""
    return Retention.from_days(
        settings.session_ttl_s,
        settings.retention_transcripts_days,
        settings.retention_transfers_days,
        settings.retention_callbacks_days,
        settings.retention_voicemails_days,
    )


async def purge(settings: Settings, *, dry_run: bool, redis: Redis | None = None) -> PurgeReport:
    """One purge over the configured Redis. Recordings are deleted at Twilio only with an auth token;
    without one they are reported as not deleted (and stay listed for a run that has it)."""
    client = redis or connect_redis(settings.redis_url or "", timeout_s=settings.redis_timeout_s)
    rest = (
        TwilioRestClient(
            settings.twilio_account_sid, settings.twilio_auth_token, settings.twilio_api_base, settings.twilio_timeout_s
        )
        if settings.twilio_auth_token
        else None
    )
    try:
        purger = Purger(client, retention_of(settings), prefix=settings.redis_prefix, recordings=rest)
        report = await purger.run(dry_run=dry_run)
        await purge_history(client, settings.redis_prefix, settings.retention_history_days * 86400, report)
        return report
    finally:
        if rest is not None:
            await rest.aclose()
        if redis is None:
            await client.aclose()
