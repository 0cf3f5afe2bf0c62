"""A speaker conversation's record in the store: its dialog session and any pending callback offer, under Home
Assistant's ``conversation_id`` (``CONVERSATION_KEY``), with this process's copy (``kept.py``) standing in while
Redis fails.

Why apart from ``conversation.py``: that module decides what a turn says (the engine, the callback offer and its
booking); this one only keeps the record. Each read or write waits at most ``store_timeout_s``, none is made while
the store-health breaker is open (a failure is told to it), the copy here is used when the store fails and written
back with a later turn, and the copies still pending are written at shutdown (``flush_pending``).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from dialog.ports import KeyValueStore
from dialog.session_keeper import STORE_ERRORS, StoreBreaker, StoreSkipped
from telephony.shutdown import settle_within
from telephony.speaker import callback as cb
from telephony.speaker.kept import Kept, KeptConversations

log = logging.getLogger(__name__)

CONVERSATION_KEY = "speaker:conversation:{}"
T = TypeVar("T")


class SpeakerRecords:
    """The conversations' records in ``store`` (for ``ttl_s``) and their copies in ``kept``; ``store_timeout_s``:
    the longest a read or write may wait (None: the client's own limits); ``breaker``: the server's store-health
    breaker (None: each turn waits out its own timeouts)."""

    def __init__(
        self,
        store: KeyValueStore,
        kept: KeptConversations,
        *,
        ttl_s: int,
        store_timeout_s: float | None = None,
        breaker: StoreBreaker | None = None,
    ) -> None:
        self.store, self.kept, self.ttl_s = store, kept, ttl_s
        self.store_timeout_s, self.breaker = store_timeout_s, breaker

    async def read(self, kept: Kept, key: str) -> dict[str, Any]:
        """The conversation's record: the store's, or the copy here when it is newer or the store fails
        (none: a new conversation, as the engine's fresh session during an outage)."""
        if kept.pending and kept.record is not None:
            return kept.record
        try:
            record = await self.ask(lambda: self.store.get(key)) or {}
        except STORE_ERRORS as exc:
            log.warning("speaker store unavailable (%r): conversation goes on from its copy here", exc)
            kept.pending = kept.record is not None
            return kept.record or {}
        kept.record = record or None
        return record

    async def save(self, kept: Kept, key: str, session_id: str | None, state: cb.CallbackState | None) -> None:
        """Keep the record here and store it; a store that fails gets it with a later turn's."""
        value = {"session_id": session_id, "callback": None if state is None else state.to_dict()}
        kept.record, kept.pending = value, True
        try:
            await self.ask(lambda: self.store.set(key, value, ttl_s=self.ttl_s))
        except STORE_ERRORS as exc:
            log.warning("speaker store unavailable (%r): conversation %s kept here", exc, session_id)
            return
        kept.pending = False

    async def end(self, kept: Kept, key: str, conversation_id: str) -> None:
        """The dialog ended the conversation: its session written back if still pending, its record gone."""
        await kept.thread.close()
        self.kept.drop(conversation_id)
        try:
            await self.ask(lambda: self.store.delete(key))
        except STORE_ERRORS as exc:  # it expires with the session TTL
            log.warning("speaker store unavailable (%r): ended conversation %s left to expire", exc, conversation_id)

    async def flush_pending(self, timeout_s: float) -> list[str]:
        """Shutdown (``telephony/shutdown.py``): the sessions and the records Redis has not taken yet, written
        at once within ``timeout_s``; the ones still not written are logged and returned."""
        records = {key: self._write_record(key, kept) for key, kept in self.kept.pending_records()}
        sessions, failed = await asyncio.gather(self.kept.flush_pending(timeout_s), settle_within(records, timeout_s))
        if failed:
            log.error("%d speaker conversation records never reached Redis at shutdown: %s", len(failed),
                      ", ".join(sorted(failed)))  # fmt: skip
        return [*sessions, *failed]

    async def _write_record(self, conversation_id: str, kept: Kept) -> bool:
        await self.store.set(CONVERSATION_KEY.format(conversation_id), kept.record or {}, ttl_s=self.ttl_s)
        kept.pending = False
        return True

    @property
    def stalled(self) -> bool:
        return self.breaker is not None and self.breaker.stalled

    async def ask(self, call: Callable[[], Awaitable[T]], bounded: bool = True) -> T:
        """``call()`` within ``store_timeout_s`` (``bounded``); not made while the breaker is open, and a failure
        told to it (a timeout opens it: the turns after this one need not wait one of their own)."""
        if self.stalled:
            raise StoreSkipped("the store timed out a moment ago: not asked")
        try:
            if not bounded or self.store_timeout_s is None:
                return await call()
            return await asyncio.wait_for(call(), self.store_timeout_s)
        except STORE_ERRORS as exc:
            if self.breaker is not None:
                self.breaker.saw(exc)
            raise


def session_of(record: dict[str, Any] | None) -> str | None:
    value = None if record is None else record.get("session_id")
    return value if isinstance(value, str) else None
