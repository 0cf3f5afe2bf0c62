"""A phone call whose dialog session vanished from the store mid-call: tell the caller, as the chat does.

Why: the call holds its session id; the conversation behind it lives in Redis. When Redis restarts empty
(no persistence), the engine would read the caller's next turn as the first of a new conversation under a
new id: "a ile to kosztuje?" answered out of context, an order number or a "tak" to a pending question
silently forgotten. So before each caller turn the call asks the dialog's own session store whether the
session is still there. If not, ``dialog.resume.verdict`` (the chat's judge) decides: words that need the
lost thread get ``CALL_THREAD_LOST`` ("straciłem wątek ..., proszę powiedzieć całe pytanie jeszcze raz")
and a fresh session under the *same* id holding that exchange; words that stand alone go to the dialog
as the first turn of a fresh session under that id, answered normally. Either way the call goes on; the
event is logged and counted (``infolinia_threads_lost{channel="phone"}``).

A store that is down (not empty) is not judged here: the call's ``SessionKeeper`` (``dialog.session_keeper``)
goes on from its own copy of the session under the same id and writes it back once the store answers
(``CallThread.dialog`` is the dialog bound to it; ``close`` writes what is still pending when the call ends).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence

from dialog.ports import CallerInfo, Dialog, Hypothesis, Outcome
from dialog.resume import apology_session, fresh_session, session_repo, verdict
from dialog.session_keeper import STORE_ERRORS, SessionKeeper, with_sessions
from telephony.metrics import count_thread_lost

log = logging.getLogger(__name__)


class CallThread:
    """One call's turns to the dialog, each first checked for a session the store lost; its session kept.

    ``reply``: the apology (``CallTexts.thread_lost``); ``metrics``: where the loss is counted (None: not);
    ``clock``: epoch seconds for the sessions it writes (as the engine's); ``store_timeout_s``: the longest
    a session read or write may keep a turn waiting before the call's copy is used (None: no own limit).
    ``dialog``: the given one bound to this call's keeper; every turn of the call goes to it."""

    def __init__(
        self,
        dialog: Dialog,
        reply: str,
        metrics: object = None,
        store_timeout_s: float | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.reply, self.metrics, self.clock = reply, metrics, clock
        shared = session_repo(dialog)  # None: a dialog without the engine's sessions, nothing to keep or judge
        keeper = None if shared is None else SessionKeeper(shared, store_timeout_s)
        bound = None if keeper is None else with_sessions(dialog, keeper)
        # A dialog that cannot take the keeper (no ``with_sessions``) goes on with its own sessions, unjudged.
        self.repo = keeper if bound is not None else None
        self.dialog: Dialog = dialog if bound is None else bound
        self.answered = False  # a caller turn of this call was answered: there is a thread to lose

    async def close(self) -> None:
        """The call ended: a session still only here (the store was down) is written back, if it answers now."""
        if self.repo is not None and not await self.repo.flush():
            log.error("call session %s never reached the store: its last turns are lost", self.repo.kept_id)

    async def turn(self, session_id: str | None, text: str, said: Sequence[Hypothesis], caller: CallerInfo) -> Outcome:
        """The apology when the session vanished and ``text`` needs it; otherwise the dialog's answer."""
        lost = await self._lost(session_id, text)
        self.answered = True
        return lost or await self.dialog.handle_nbest(session_id, said, caller)

    async def _lost(self, session_id: str | None, text: str) -> Outcome | None:
        """The apology's outcome, or None: the session is there (or cannot be judged), or the words stand alone
        (then a fresh session under the call's id is stored first, so the dialog continues under it)."""
        repo = self.repo
        if repo is None or not session_id or not repo.could_have_issued(session_id):
            return None
        try:
            if await repo.load(session_id) is not None:
                return None
        except STORE_ERRORS:
            return None  # down, and no copy of it here yet: the engine degrades on its own (a fresh session)
        judged = verdict(text, answered_before=self.answered)
        log.warning("call session %s gone from the store (Redis lost it): %s", session_id, judged)
        count_thread_lost(self.metrics, "phone", judged)
        # The keeper's save never fails: a store that fails now gets the session once it answers again.
        if judged == "fresh":
            await repo.save(fresh_session(session_id, "phone", self.clock()))
            return None
        await repo.save(apology_session(session_id, "phone", text, self.reply, "thread", self.clock()))
        return Outcome(session_id, "clarify", self.reply)
