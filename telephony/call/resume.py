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

A store that is down (not empty) is not judged here: the engine degrades on its own for the phone (a fresh
session, the caller keeps hearing answers), and the next turn after it comes back is judged then.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence

from redis.exceptions import RedisError

from dialog.ports import CallerInfo, Dialog, Hypothesis, Outcome
from dialog.resume import apology_session, fresh_session, session_repo, verdict
from dialog.session import Session
from dialog.store import SessionRepo
from telephony.metrics import count_thread_lost

log = logging.getLogger(__name__)
_STORE_ERRORS = (RedisError, OSError)


class CallThread:
    """One call's turns to the dialog, each first checked for a session the store lost.

    ``reply``: the apology (``CallTexts.thread_lost``); ``metrics``: where the loss is counted (None: not);
    ``clock``: epoch seconds for the sessions it writes (as the engine's)."""

    def __init__(
        self, dialog: Dialog, reply: str, metrics: object = None, clock: Callable[[], float] = time.time
    ) -> None:
        self.dialog, self.reply, self.metrics, self.clock = dialog, reply, metrics, clock
        self.repo = session_repo(dialog)  # None: a dialog without the engine's sessions, nothing to judge
        self.answered = False  # a caller turn of this call was answered: there is a thread to lose

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
        except _STORE_ERRORS:
            return None  # down, not empty: the engine degrades on its own
        judged = verdict(text, answered_before=self.answered)
        log.warning("call session %s gone from the store (Redis lost it): %s", session_id, judged)
        count_thread_lost(self.metrics, "phone", judged)
        if judged == "fresh":
            await _save(repo, fresh_session(session_id, "phone", self.clock()))
            return None
        saved = await _save(repo, apology_session(session_id, "phone", text, self.reply, "thread", self.clock()))
        return Outcome(session_id, "clarify", self.reply, saved=saved)


async def _save(repo: SessionRepo, session: Session) -> bool:
    """Best effort: a store that fails now must not silence the caller (the engine copes as usual)."""
    try:
        await repo.save(session)
    except _STORE_ERRORS as exc:
        log.warning("call session %s not stored after the loss: %r", session.id, exc)
        return False
    return True
