"""A phone call whose dialog session vanished from the store mid-call: tell the caller, as the chat does.

Why: the call holds its session id; the conversation behind it lives in Redis. When Redis restarts empty
(no persistence), the engine would read the caller's next turn as the first of a new conversation under a
new id: "a ile to kosztuje?" answered out of context, an order number or a "tak" to a pending question
silently forgotten. So before each caller turn the call asks the dialog's own session store whether the
session is still there. If not, ``dialog.resume.verdict`` (the chat's judge) decides: words that need the
lost thread get ``CALL_THREAD_LOST`` ("straciłem wątek ..., proszę powiedzieć całe pytanie jeszcze raz")
and a fresh session under the *same* id holding that exchange; words that stand alone go to the dialog
as the first turn of a fresh session under that id, answered normally. Either way the call goes on; the
event is logged and counted (``infolinia_threads_lost{channel="phone"}``). The work is
``telephony/conversation_thread.py``, shared with the speakers; this is the call's turn.

A store that is down (not empty) is not judged here: the call's ``SessionKeeper`` (``dialog.session_keeper``)
goes on from its own copy of the session under the same id and writes it back once the store answers
(``CallThread.dialog`` is the dialog bound to it; ``close`` writes what is still pending when the call ends).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from dialog.ports import CallerInfo, Dialog, Hypothesis, Outcome
from telephony.conversation_thread import ConversationThread


class CallThread(ConversationThread):
    """One call's turns to the dialog, each first checked for a session the store lost; its session kept.

    ``reply``: the apology (``CallTexts.thread_lost``); the rest as ``ConversationThread``, on the phone."""

    def __init__(
        self,
        dialog: Dialog,
        reply: str,
        metrics: object = None,
        store_timeout_s: float | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(dialog, reply, "phone", metrics, store_timeout_s, clock)

    async def turn(self, session_id: str | None, text: str, said: Sequence[Hypothesis], caller: CallerInfo) -> Outcome:
        """The apology when the session vanished and ``text`` needs it; otherwise the dialog's answer."""
        lost = await self.lost(session_id, text)
        self.answered = True
        return lost or await self.dialog.handle_nbest(session_id, said, caller)
