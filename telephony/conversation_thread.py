"""One conversation's turns to the dialog: its session kept through a Redis outage, a lost one told about.

Why shared: a phone call (``telephony/call/resume.py``) and a speaker conversation (Home Assistant over
Wyoming, a device's ``POST /v1/voice/turn``: ``telephony/speaker/kept.py``) hold a session id across turns
while the conversation lives in Redis, and meet the same two failures:

* Redis came back **empty** (restarted without persistence, flushed): before a turn the thread asks the
  dialog's own session store whether the session is still there (only for an id this deployment signed,
  ``dialog.session_ids``: any other id is a new conversation the engine starts under a new id). If not,
  ``dialog.resume.verdict`` (the chat's judge) decides: words that need the lost thread get the channel's
  apology (``reply``, e.g. ``CALL_THREAD_LOST``) and a fresh session under the *same* id holding that
  exchange; words that stand alone go to the dialog as the first turn of a fresh session under that id. Counted as
  ``infolinia_threads_lost{channel}``; the first turn of a conversation (``answered`` False) loses nothing.
* Redis is **down**: the thread's ``SessionKeeper`` (``dialog.session_keeper``) goes on from its own copy of
  the session under the same id and writes it back once the store answers (``dialog`` is bound to it).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from dialog.ports import Dialog, Outcome
from dialog.resume import apology_session, fresh_session, session_repo, verdict
from dialog.session_keeper import STORE_ERRORS, SessionKeeper, StoreBreaker, with_sessions
from telephony.metrics import count_thread_lost

log = logging.getLogger(__name__)


class ConversationThread:
    """One conversation's dialog, bound to its own ``SessionKeeper``, and the check for a lost session.

    ``reply``: the apology; ``channel``: the session's channel and the metrics' label; ``metrics``: where a
    loss is counted (None: not); ``store_timeout_s``: the longest a session read or write may keep a turn
    waiting before the kept copy is used (None: no own limit); ``clock``: epoch seconds for the sessions it
    writes (as the engine's); ``held_elsewhere``: other processes may take turns of it too (the keeper's
    ``shared``); ``breaker``: the worker's store-health breaker (``telephony/store_health.py``), which the keeper
    consults and feeds (None: each turn waits out its own timeouts). ``dialog``: the given one bound to the
    keeper; every turn goes to it."""

    def __init__(
        self,
        dialog: Dialog,
        reply: str,
        channel: str,
        metrics: object = None,
        store_timeout_s: float | None = None,
        clock: Callable[[], float] = time.time,
        held_elsewhere: bool = False,
        breaker: StoreBreaker | None = None,
    ) -> None:
        self.reply, self.channel, self.metrics, self.clock = reply, channel, metrics, clock
        shared = session_repo(dialog)  # None: a dialog without the engine's sessions, nothing to keep or judge
        keeper = None if shared is None else SessionKeeper(shared, store_timeout_s, held_elsewhere, breaker)
        bound = None if keeper is None else with_sessions(dialog, keeper)
        # A dialog that cannot take the keeper (no ``with_sessions``) goes on with its own sessions, unjudged.
        self.repo = keeper if bound is not None else None
        self.dialog: Dialog = dialog if bound is None else bound
        self.answered = False  # a turn of this conversation was answered: there is a thread to lose

    async def close(self) -> None:
        """The conversation ended: a session still only here (the store was down) is written back, if it can."""
        if self.repo is not None and not await self.repo.flush():
            log.error("%s session %s never reached the store: its last turns are lost", self.channel, self.repo.kept_id)

    async def lost(self, session_id: str | None, text: str) -> Outcome | None:
        """The apology's outcome, or None: the session is there (or cannot be judged), or the words stand alone
        (then a fresh session under the same id is stored first, so the dialog continues under it)."""
        repo = self.repo
        if repo is None or not session_id:
            return None
        if not repo.could_have_issued(session_id):  # made up, altered, the old unsigned form: never judged lost
            log.debug("%s session id %r... not issued here (no valid signature): not judged lost", self.channel,
                      session_id[:8])  # fmt: skip
            return None
        try:
            if await repo.load(session_id) is not None:
                return None
        except STORE_ERRORS:
            return None  # down, and no copy of it here yet: the engine degrades on its own (a fresh session)
        judged = verdict(text, answered_before=self.answered)
        log.warning("%s session %s gone from the store (Redis lost it): %s", self.channel, session_id, judged)
        count_thread_lost(self.metrics, self.channel, judged)
        # The keeper's save never fails: a store that fails now gets the session once it answers again.
        if judged == "fresh":
            await repo.save(fresh_session(session_id, self.channel, self.clock()))
            return None
        await repo.save(apology_session(session_id, self.channel, text, self.reply, "thread", self.clock()))
        return Outcome(session_id, "clarify", self.reply)
