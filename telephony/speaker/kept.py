"""Speaker conversations this process holds in memory: each one's ``ConversationThread``, bounded in number and time.

Why in process, keyed by the conversation: a speaker turn is one request (Home Assistant opens a new Wyoming
connection for every utterance and carries only ``context.conversation_id``; a device's ``POST /v1/voice/turn``
carries its ``session_id``), so no connection lives long enough to hold a conversation's session the way a
phone call's WebSocket does. The server process does live across the turns, though, and one speaker talks to
one server: what it saw of a conversation a turn ago is what Redis held then. So it keeps, per conversation:

* the thread's ``SessionKeeper``: while Redis is **down**, the next turn goes on from the copy under the same
  session id (an order number asked for, the topic behind "a ile to kosztuje?"), written back once Redis answers;
* that the conversation had a turn answered, and its session id (Wyoming: Home Assistant's id maps to it in
  Redis): when Redis comes back **empty**, the next turn is judged lost (``dialog.resume``) instead of silently
  starting over; a conversation this process never saw is taken as new (nothing to apologise for).

Bounded: at most ``max_entries`` conversations (the least recently used is forgotten first) and each forgotten
after ``idle_s`` without a turn (the session TTL: Redis forgets it then too), so memory stays small whatever
the number of speakers. Another worker (several HTTP workers) or a restarted process has no copy: there a turn
during an outage degrades as before (a fresh session), and a lost thread of a device's session id is still told
(its id says it had one). A copy still pending when its conversation is forgotten is lost, and logged; at
shutdown every copy still pending is written once more, all at once and bounded (``flush_pending``).
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from telephony.conversation_thread import ConversationThread
from telephony.shutdown import settle_within

log = logging.getLogger(__name__)
MAX_KEPT = 2048  # conversations at once: a household's speakers, or a few hundred devices, many times over


@dataclass
class Kept:
    """One conversation as this process last saw it."""

    thread: ConversationThread
    record: dict[str, Any] | None = None  # Wyoming's conversation record (session id, callback offer)
    pending: bool = False  # ``record`` is newer than the store's (a write the store refused)
    seen: float = 0.0  # the clock at its latest turn


class KeptConversations:
    """``max_entries`` conversations at most, each for ``idle_s``; ``clock``: monotonic seconds (for tests)."""

    def __init__(
        self, max_entries: int = MAX_KEPT, idle_s: float = 3600.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.max_entries, self.idle_s, self.clock = max_entries, idle_s, clock
        self._kept: OrderedDict[str, Kept] = OrderedDict()

    def __len__(self) -> int:
        return len(self._kept)

    def get(self, key: str) -> Kept | None:
        """The conversation's memory, or None (never seen, idle too long, or pushed out by newer ones)."""
        kept = self._kept.get(key)
        if kept is not None and self.clock() - kept.seen >= self.idle_s:
            self.drop(key)
            return None
        if kept is not None:
            kept.seen = self.clock()
            self._kept.move_to_end(key)
        return kept

    def take(self, key: str, make: Callable[[], ConversationThread]) -> Kept:
        """The conversation's memory; a new one (with ``make``'s thread) for a conversation not held here."""
        kept = self.get(key)
        return kept if kept is not None else self.put(key, Kept(make()))

    def put(self, key: str, kept: Kept) -> Kept:
        """Hold ``kept`` under ``key`` (a device's session id is known only after its first turn)."""
        kept.seen = self.clock()
        self._kept[key] = kept
        self._kept.move_to_end(key)
        while len(self._kept) > self.max_entries:
            self.drop(next(iter(self._kept)))
        return kept

    def drop(self, key: str) -> None:
        kept = self._kept.pop(key, None)
        repo = None if kept is None else kept.thread.repo
        if kept is not None and (kept.pending or (repo is not None and repo.pending)):
            log.warning("speaker conversation %s forgotten with turns Redis never got", key)

    def pending_records(self) -> list[tuple[str, Kept]]:
        """The conversations whose record (Wyoming's) Redis has not taken yet, by key."""
        return [(key, kept) for key, kept in self._kept.items() if kept.pending and kept.record is not None]

    async def flush_pending(self, timeout_s: float) -> list[str]:
        """Shutdown: every session copy Redis has not taken yet, written at once within ``timeout_s``
        (``telephony/shutdown.py``); the sessions still not written are logged (how many, which) and returned."""
        jobs = {}
        for kept in self._kept.values():
            if self.clock() - kept.seen >= self.idle_s:  # past the session's TTL: forgotten, not brought back
                continue
            repo = kept.thread.repo
            sid = None if repo is None or not repo.pending else repo.kept_id
            if repo is not None and sid is not None and sid not in jobs:  # one thread may be under two keys
                jobs[sid] = repo.flush(force=True)  # the breaker's back-off does not apply: last chance
        failed = await settle_within(jobs, timeout_s)
        if failed:
            log.error("%d of %d conversation sessions never reached Redis at shutdown: %s", len(failed), len(jobs),
                      ", ".join(sorted(failed)))  # fmt: skip
        return failed
