"""Key-value stores behind ``dialog.ports.KeyValueStore``, and the dialog's session repository.

``RedisStore`` is the real one: several workers (or several gateway hosts) share sessions, tokens and
queues through it. ``MemoryStore`` exists so a single process runs with no Redis at all; it honours
TTLs with an injected clock so the same expiry logic is testable without sleeping.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Callable
from typing import Any

from pydantic import ValidationError
from redis.asyncio import Redis

from dialog.ports import KeyValueStore
from dialog.redis_connect import connect_redis
from dialog.session import Session
from dialog.session_ids import PROCESS_IDS, SessionIds

log = logging.getLogger(__name__)


def _dump(value: dict[str, Any]) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


class MemoryStore:
    """In-process store for one worker. Values are kept as JSON text, so callers never share mutable
    dicts with the store (the same semantics as Redis)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._data: dict[str, tuple[str, float | None]] = {}

    def _live(self, key: str) -> str | None:
        item = self._data.get(key)
        if item is None:
            return None
        text, expires = item
        if expires is not None and self._clock() >= expires:
            del self._data[key]
            return None
        return text

    async def get(self, key: str) -> dict[str, Any] | None:
        text = self._live(key)
        return None if text is None else json.loads(text)

    async def set(self, key: str, value: dict[str, Any], ttl_s: int | None = None) -> None:
        expires = None if ttl_s is None else self._clock() + ttl_s
        self._data[key] = (_dump(value), expires)

    async def delete(self, key: str) -> None:
        self._data.pop(key, None)

    async def pop(self, key: str) -> dict[str, Any] | None:
        text = self._live(key)
        self._data.pop(key, None)
        return None if text is None else json.loads(text)

    async def ping(self) -> bool:
        return True

    async def close(self) -> None:
        self._data.clear()

    def __len__(self) -> int:
        """Number of live keys (expired ones are dropped on the way)."""
        return sum(1 for key in list(self._data) if self._live(key) is not None)


# KEYS: the key, its receipt. ARGV: this pop's id, the receipt's TTL. The value (the key goes, the receipt keeps
# it under this pop's id), or the value this very pop took when run again, or nil.
POP_ONCE = """
local value = redis.call('GET', KEYS[1])
if value then
  redis.call('DEL', KEYS[1])
  redis.call('SET', KEYS[2], ARGV[1] .. ':' .. value, 'EX', ARGV[2])
  return value
end
local receipt = redis.call('GET', KEYS[2])
local mine = ARGV[1] .. ':'
if receipt and string.sub(receipt, 1, #mine) == mine then
  return string.sub(receipt, #mine + 1)
end
return false
"""
POP_RECEIPT_S = 30  # a retry comes within 0.3 s, behind Sentinel within its failover wait (10 s)


class RedisStore:
    """Redis adapter: JSON values, per-key TTL, every key under ``prefix`` so one Redis can serve several
    deployments. ``pop`` is atomic on the server, and the same pop run again gets what it took (a script
    leaving a short receipt): it was GETDEL, and when its reply was lost redis-py sent it again, which found
    the key gone. A stream token popped so read as spent: the call's only stream was refused, its caller sent
    to the fallback and its line held for ``reserve_s``."""

    def __init__(self, url: str, prefix: str = "infolinia:", client: Redis | None = None) -> None:
        self.prefix = prefix
        self._redis: Redis = client or connect_redis(url)
        self._pop_once = self._redis.register_script(POP_ONCE)

    def _key(self, key: str) -> str:
        return f"{self.prefix}{key}"

    @staticmethod
    def _load(text: str | bytes | None) -> dict[str, Any] | None:
        if text is None:
            return None
        value = json.loads(text)
        return value if isinstance(value, dict) else None

    async def get(self, key: str) -> dict[str, Any] | None:
        return self._load(await self._redis.get(self._key(key)))

    async def set(self, key: str, value: dict[str, Any], ttl_s: int | None = None) -> None:
        await self._redis.set(self._key(key), _dump(value), ex=ttl_s)

    async def delete(self, key: str) -> None:
        await self._redis.delete(self._key(key))

    async def pop(self, key: str) -> dict[str, Any] | None:
        keys = [self._key(key), self._key(f"pop-receipt:{key}")]
        return self._load(await self._pop_once(keys=keys, args=[uuid.uuid4().hex, POP_RECEIPT_S]))

    async def ping(self) -> bool:
        """Health check for /readyz: False instead of an exception when Redis is down."""
        try:
            return bool(await self._redis.ping())
        except Exception as exc:  # connection refused, timeout, auth: all mean 'not ready'
            log.warning("redis ping failed: %s", exc)
            return False

    async def close(self) -> None:
        await self._redis.aclose()


class SessionRepo:
    """Dialog sessions as JSON under ``session:<id>`` with a sliding TTL (refreshed on every save).

    ``ids``: how session ids are issued and checked (``dialog.session_ids``; None: the process's own secret,
    enough for one process; a gateway passes the secret all its workers share)."""

    def __init__(self, store: KeyValueStore, ttl_s: int = 3600, ids: SessionIds | None = None) -> None:
        self.store = store
        self.ttl_s = ttl_s
        self.ids = ids or PROCESS_IDS

    def new_id(self) -> str:
        """Unguessable and signed: chat clients hold it, so it must not be enumerable, nor made up."""
        return self.ids.new()

    def could_have_issued(self, session_id: str) -> bool:
        """This deployment issued the id (its signature holds): a session the store lost may be continued
        under it (``telephony/chat/resume.py``, ``telephony/conversation_thread.py``). Any other unknown id
        (a client's "customer-42", an id made up in the issued form, the unsigned form of old) is never
        adopted: it starts a conversation under a new id, with nothing lost to apologise for."""
        return self.ids.issued(session_id)

    @staticmethod
    def _key(session_id: str) -> str:
        return f"session:{session_id}"

    async def load(self, session_id: str) -> Session | None:
        """The stored session, or None when unknown, expired or unreadable (then a fresh one starts)."""
        raw = await self.store.get(self._key(session_id))
        if raw is None:
            return None
        try:
            return Session.model_validate(raw)
        except ValidationError as exc:
            log.warning("session %s unreadable, starting afresh: %s", session_id, exc.errors()[:1])
            return None

    async def save(self, session: Session) -> None:
        """Store ``session`` with its personal data masked (``Session.stored``)."""
        await self.store.set(self._key(session.id), session.stored(), ttl_s=self.ttl_s)

    async def delete(self, session_id: str) -> None:
        await self.store.delete(self._key(session_id))

    async def save_before(self, session_id: str, before: dict[str, Any]) -> None:
        """Keep the session as it was before the latest turn, so that turn can be taken back (masked too)."""
        key = f"{self._key(session_id)}:before"
        try:
            masked = Session.model_validate(before).stored()
        except ValidationError:  # unreadable: nothing to take back to (and never an unmasked copy)
            await self.store.delete(key)
            return
        await self.store.set(key, masked, ttl_s=self.ttl_s)

    async def restore_before(self, session_id: str) -> bool:
        """Put back the session as it was before the latest turn (once); False when there is none."""
        before = await self.store.get(f"{self._key(session_id)}:before")
        if before is None:
            return False
        await self.store.set(self._key(session_id), before, ttl_s=self.ttl_s)
        await self.store.delete(f"{self._key(session_id)}:before")
        return True
