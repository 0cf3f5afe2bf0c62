"""The workers' session leases (``telephony/chat/session_lease.py``) from the settings: one place for the HTTP
gateway (chat, device voice turns) and the Wyoming server (speaker conversations)."""

from __future__ import annotations

from redis.asyncio import Redis

from dialog.session_keeper import StoreBreaker
from telephony.chat.session_lease import LeaseTiming, SessionLease
from telephony.settings import Settings


def build_lease(
    settings: Settings, redis: Redis | None, kind: str = "session", breaker: StoreBreaker | None = None
) -> SessionLease | None:
    """The lease on ``redis`` (None without Redis: one worker and its in-process store, the lock alone);
    ``kind``: ``session`` (dialog sessions: chat and devices) or ``conversation`` (speakers)."""
    if redis is None:
        return None
    timing = LeaseTiming(ttl_s=settings.session_lease_ttl_s, wait_s=settings.session_lease_wait_s)
    return SessionLease(redis, settings.redis_prefix, kind, timing, breaker)
