"""Agent console sessions: a random session id in an HttpOnly cookie, mapped in Redis to the agent.

Why not a signed cookie holding the agent id: a server-side session can be revoked (logout, or deleting
the agent's keys) on every worker at once, and the cookie carries nothing but an opaque random id.
The Redis key is ``console:session:<sha256(sid)>``: a dump of Redis does not hand out live sessions.
The agent's token is only ever compared (by ``AgentRepo.authenticate``); it is never stored or logged.
"""

from __future__ import annotations

import asyncio
import hashlib
import secrets
from dataclasses import dataclass

from redis.asyncio import Redis

from telephony.agents.presence import Presence
from telephony.spool import StoreDown

POLL_S = 0.2  # how often a request waiting for another worker's put-back looks for its session
SESSION_BYTES = 32  # 256 bits of randomness: unguessable, and the sid is never derived from the token


@dataclass(frozen=True)
class CookiePolicy:
    """How the session cookie is set. ``secure`` must be on whenever the console is served over HTTPS."""

    secure: bool = True
    max_age_s: int = 8 * 3600  # one working shift

    @property
    def name(self) -> str:
        # "__Host-" makes the browser refuse the cookie unless Secure, path=/ and host-only: no subdomain
        # can plant or overwrite it. Plain HTTP (local development, tests) cannot use the prefix.
        return "__Host-infolinia_console" if self.secure else "infolinia_console"


class ConsoleSessions:
    """Create, resolve (with a sliding expiry) and revoke console sessions in Redis."""

    def __init__(self, redis: Redis, *, prefix: str = "infolinia:", ttl_s: int = 8 * 3600) -> None:
        self._redis = redis
        self._prefix = prefix
        self._ttl_s = ttl_s

    def _key(self, sid: str) -> str:
        digest = hashlib.sha256(sid.encode("utf-8")).hexdigest()
        return f"{self._prefix}console:session:{digest}"

    async def create(self, agent_id: str) -> str:
        """A fresh session for ``agent_id``; returns the session id to put in the cookie."""
        sid = secrets.token_urlsafe(SESSION_BYTES)
        await self._redis.set(self._key(sid), agent_id, ex=self._ttl_s)
        return sid

    async def resolve(self, sid: str | None) -> str | None:
        """The agent id of a live session (and extend it: an agent at work is not logged out mid-shift)."""
        if not sid or len(sid) > 128:
            return None
        key = self._key(sid)
        value = await self._redis.getex(key, ex=self._ttl_s)
        if value is None:
            return None
        return value.decode("utf-8") if isinstance(value, bytes) else str(value)

    async def peek(self, sid: str | None) -> str | None:
        """The agent id without extending the session: an idle open tab must still expire."""
        if not sid or len(sid) > 128:
            return None
        value = await self._redis.get(self._key(sid))
        return None if value is None else (value.decode("utf-8") if isinstance(value, bytes) else str(value))

    async def revoke(self, sid: str | None) -> None:
        if sid and len(sid) <= 128:
            await self._redis.delete(self._key(sid))

    async def adopt(self, sid: str, agent_id: str) -> None:
        """Put back a live console's session that Redis lost (``telephony/agents/presence.py``); never over
        a session that exists (NX): a later login or logout decides."""
        if sid and len(sid) <= 128:
            await self._redis.set(self._key(sid), agent_id, ex=self._ttl_s, nx=True)


async def resolve_present(
    sessions: ConsoleSessions, presence: Presence, sid: str | None, *, hold: bool = True
) -> str | None:
    """The logged-in agent; a session missing because Redis lost it is first put back by a live console
    of this process (``Presence.heartbeat``), so an agent at work is not thrown out by a failover.

    Looked up again whatever the heartbeat's count: another heartbeat here (the recovery watcher, the
    stream's keep-alive) may have noticed the loss first and put the session back, and this one then
    counts nothing. A session no stream here holds, missing just after Redis came back empty, may be held
    by another worker's: waited for, then a 503 (``StoreDown``: the console tries again), never a None
    that logs the agent out (``hold=False``: None, for the login page)."""
    agent_id = await sessions.resolve(sid)
    if agent_id is not None or not sid or len(sid) > 128:
        return agent_id
    if presence.watches(sid):
        await presence.heartbeat()
        return await sessions.resolve(sid)
    if hold and await presence.recall():
        return await _put_back_elsewhere(sessions, presence, sid)
    return None


async def _put_back_elsewhere(sessions: ConsoleSessions, presence: Presence, sid: str) -> str:
    """The session once another worker put it back (``Presence.recall`` asked them), within ``wait_s``."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + presence.wait_s
    while loop.time() < deadline:
        await asyncio.sleep(min(POLL_S, max(0.0, deadline - loop.time())))
        agent_id = await sessions.resolve(sid)
        if agent_id is not None:
            return agent_id
    raise StoreDown("console sessions are being put back after Redis lost its data, try again shortly")
