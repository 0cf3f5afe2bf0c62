"""One conversation's session kept in memory by the process that holds the conversation (a phone call).

Why: a phone call lives on one worker (its WebSocket) for its whole length. When Redis is *down* (refused,
reset, timed out; not restarted empty) during a turn, the engine alone would degrade to a fresh session
under a new id, and once Redis answered again the call's real session would never be found: an order
number asked for, or the topic behind "a ile to kosztuje?", forgotten for the rest of the call, and the
history showing the call split in two. The worker already saw that session a moment ago, so the
``SessionKeeper`` (a ``SessionRepo`` for one conversation, wrapped around the shared one) keeps its last
loaded or saved copy: while the store fails, a turn gets that copy and its update stays in memory under
the *same* id; the next save that the store takes writes it back (the next turn's, whichever turn it is),
and ``flush`` writes it when the conversation ends. A copy the store has not yet taken is newer than the
store's, so it is used without asking the store (which may hold the older one, or nothing after a restart).

A store that answers but no longer has the session (Redis restarted empty with nothing pending here) is *not*
covered: that is the lost thread of ``dialog.resume``, judged and told as before. The copy is kept as the
store would keep it (``Session.stored``, personal data masked), so a turn during an outage sees what a turn
after it would. ``timeout_s`` bounds each store call (None: the client's own limits): a stalled Redis then
costs a turn that much, not the caller's whole turn deadline. A wait for a pooled connection (every one busy,
Redis answering) does not count (``dialog.store_deadline``): the pool bounds it, and it is no stall.
``breaker``: the process's word on a store that timed out a moment ago (telephony's ``StoreHealth``, passed
in: dialog/ knows no gateway); while it is open the keeper goes straight to its copy, so only the first turn
of a stall waits, and a timeout it sees opens it for every other part of the process too. With no copy here (a
device's conversation another worker answered so far) the store is asked all the same: skipped, the engine
would start a new conversation and orphan the customer's, though Redis may be answering (the breaker opens on
any one timeout). But once per turn: when that read fails (``unreached``), the turn's next read of the session
(the engine's, after the lost-thread check's) is not sent until a save or a read gets through, so a turn
waits out one timeout at most, not one per read.

``shared``: another process may carry the conversation on meanwhile (a device's requests land on any HTTP
worker). A pending copy is then checked against the store once per turn, and one the store has a *newer*
session than (``updated_at``: another worker's turn after Redis came back) is dropped for the store's: else
this worker's stale copy would overwrite turns the device heard from the other one.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any, Protocol, TypeVar

from pydantic import ValidationError
from redis.exceptions import RedisError

from dialog.session import Session
from dialog.store import SessionRepo
from dialog.store_deadline import within

log = logging.getLogger(__name__)
STORE_ERRORS = (RedisError, OSError)  # down, refused, reset, timed out (TimeoutError is an OSError)
T = TypeVar("T")


class StoreBreaker(Protocol):
    """Whether the store timed out a moment ago (``stalled``: do not send it anything now), and where each
    failure of it is told (``saw``: a timeout opens the back-off). Structural, so telephony's ``StoreHealth``
    fits as it is."""

    @property
    def stalled(self) -> bool: ...

    def saw(self, exc: BaseException) -> bool: ...


class StoreSkipped(RedisError):
    """Not sent to the store: its breaker is open. Handled as any store failure (the kept copy is used)."""


class SessionKeeper(SessionRepo):
    """``repo`` for one conversation, with its latest session in memory for when ``repo``'s store fails.

    ``pending``: the kept copy may be newer than the store's (a save the store refused, or a load it failed);
    it is what every load returns until a save or ``flush`` gets it there (``shared``: a conversation other
    workers may also answer, so the store is asked once per turn and a newer session there wins)."""

    def __init__(
        self,
        repo: SessionRepo,
        timeout_s: float | None = None,
        shared: bool = False,
        breaker: StoreBreaker | None = None,
    ) -> None:
        super().__init__(repo.store, repo.ttl_s, repo.ids)  # issues and checks ids as ``repo``
        self.repo, self.timeout_s, self.shared, self.breaker = repo, timeout_s, shared, breaker
        self.checked = False  # a pending copy was checked against the store since the last save
        self.kept: dict[str, Any] | None = None  # the latest session, as stored (masked)
        self.before: tuple[str, dict[str, Any] | None] | None = None  # (id, session before the latest turn)
        self.pending = False
        self.unreached: str | None = None  # a session with no copy here whose read the store just failed

    @property
    def kept_id(self) -> str | None:
        return None if self.kept is None else str(self.kept["id"])

    async def load(self, session_id: str) -> Session | None:
        """The store's session; the kept copy when it is newer (``pending``) or the store fails. Raises the
        store's error only when there is no copy of ``session_id`` here (the engine degrades as before)."""
        kept = self._copy(session_id)
        if kept is not None and self.pending:
            return await self._pending_or_newer(session_id, kept)
        if kept is None and self.unreached == session_id:  # this turn's first read of it failed a moment ago
            raise StoreSkipped("the session store failed this session's read a moment ago: not asked again")
        try:  # with no copy here the store is asked even while the breaker is open: nothing to go on from
            session = await self._ask(lambda: self.repo.load(session_id), force=kept is None)
        except STORE_ERRORS as exc:
            if kept is None:
                self.unreached = session_id
                raise
            self.pending = True  # the store is not trusted to hold the latest until a save gets through
            log.warning("session store unavailable (%r): session %s goes on from its copy here", exc, session_id)
            return kept
        self.kept = None if session is None else session.stored()
        self.unreached = None
        return session

    async def save(self, session: Session) -> None:
        """Keep ``session`` and store it; when the store fails it stays here (``pending``), never an error:
        the conversation goes on under its id and the next save or ``flush`` writes it back."""
        self.kept = session.stored()
        self.pending, self.checked, self.unreached = True, False, None
        await self.flush()

    async def flush(self, force: bool = False) -> bool:
        """Write the pending copy to the store (a conversation's end); True when nothing is left pending.
        ``force``: tried even while the breaker is open (shutdown: its last chance, and Redis may have come
        back since the breaker last heard from it)."""
        kept = self.kept
        if not self.pending or kept is None:
            return True
        try:
            await self._ask(lambda: self.repo.save(Session.model_validate(kept)), force)
        except STORE_ERRORS as exc:
            log.warning("session store unavailable (%r): session %s kept here until it answers", exc, self.kept_id)
            return False
        if self.kept is kept:  # a turn saved a newer copy meanwhile: that one is still to be written
            self.pending = False
        return not self.pending

    async def delete(self, session_id: str) -> None:
        if self.kept_id == session_id:
            self.kept, self.pending = None, False
        await self._ask(lambda: self.repo.delete(session_id))

    async def save_before(self, session_id: str, before: dict[str, Any]) -> None:
        """The session before the latest turn, here (for a retract while the store fails) and in the store."""
        try:
            masked: dict[str, Any] | None = Session.model_validate(before).stored()
        except ValidationError:
            masked = None
        self.before = (session_id, masked)
        if not self.pending:  # else the store holds an older turn: its "before" would be wrong anyway
            await self._ask(lambda: self.repo.save_before(session_id, before))

    async def restore_before(self, session_id: str) -> bool:
        """Take back the latest turn: in the store when it is up to date and answers, else in the copy here."""
        before = self.before[1] if self.before is not None and self.before[0] == session_id else None
        self.before = None
        if not self.pending:
            try:
                restored = await self._ask(lambda: self.repo.restore_before(session_id))
            except STORE_ERRORS as exc:
                log.warning("session store unavailable (%r): turn of %s taken back here", exc, session_id)
            else:
                self.kept = before if restored else self.kept
                return restored
        if before is None:
            return False
        self.kept, self.pending = before, True
        return True

    async def _pending_or_newer(self, session_id: str, kept: Session) -> Session:
        """The pending copy; when ``shared``, the store's session instead if it is newer (once per turn: a
        stalled store costs one wait, and the turn's other loads take the copy)."""
        if not self.shared or self.checked:
            return kept
        self.checked = True
        try:
            stored = await self._ask(lambda: self.repo.load(session_id))
        except STORE_ERRORS:
            return kept
        if stored is None or stored.updated_at <= kept.updated_at:
            return kept
        log.warning("session %s went on elsewhere while this copy waited: the store's is used", session_id)
        self.kept, self.pending = stored.stored(), False
        return stored

    def _copy(self, session_id: str) -> Session | None:
        """A fresh object from the kept copy (the engine changes what it loads), if it is ``session_id``'s."""
        if self.kept is None or self.kept_id != session_id:
            return None
        return Session.model_validate(self.kept)

    async def _ask(self, call: Callable[[], Awaitable[T]], force: bool = False) -> T:
        """``call()`` within ``timeout_s``; not made at all while the ``breaker`` is open (``StoreSkipped``)
        unless ``force``, and a failure told to it (a timeout opens it: the next turns need not wait for one of
        their own)."""
        if self.breaker is not None and self.breaker.stalled and not force:
            raise StoreSkipped("the session store timed out a moment ago: not asked")
        try:
            if self.timeout_s is None:
                return await call()
            return await within(call, self.timeout_s)  # not counting a wait for a pooled connection
        except STORE_ERRORS as exc:
            if self.breaker is not None:
                self.breaker.saw(exc)
            raise


def with_sessions(dialog: object, sessions: SessionRepo) -> Any:
    """``dialog`` keeping its sessions in ``sessions`` (a call's keeper), through the dialog's own
    ``with_sessions`` (``DialogEngine``'s is a copy sharing everything else), or None when the dialog has none:
    it keeps its sessions elsewhere or not at all. Looked up on the class, so a proxy that forwards unknown
    attributes to an engine is never copied half-built: it binds only if it says how."""
    bind = getattr(type(dialog), "with_sessions", None)
    return None if bind is None else bind(dialog, sessions)
