"""A device's voice turn (``POST /v1/voice/turn``) to the dialog, through Redis failing under its conversation.

Why: the device holds its ``session_id`` between requests, as a chat client does, while the conversation lives
in Redis. When Redis came back empty, the engine would take "a ile to kosztuje?" as the first words of a new
conversation under a new id; when Redis is down, it would forget the order number it just asked for. Each
request is stateless, so the conversations are held by the process, keyed by session id, bounded in number
and idle time (``telephony/speaker/kept.py`` says why that is enough and where it is not), each with the
phone's ``ConversationThread``: a lost session is judged (``dialog.resume``) and, where the words need it,
answered with ``CALL_THREAD_LOST`` under the same id; an outage goes on from the copy under the same id.

A session id the device sends names a conversation it had when its signature holds (``dialog/session_ids.py``:
the gateway issued it), so a lost one is judged even by a process that never saw it; a request without one,
or with an id the gateway never signed, is a first turn, never apologised to.

Turns of one session run one at a time (``locks``, as the chat's: ``telephony/chat/session_locks.py``, across the
workers with the session lease): each reads the session, runs the dialog and writes it back, so two at once kept
only the later one's. A turn that waited past the lease's wait for another worker's is not run: the device
hears ``SESSION_BUSY_SPOKEN`` under the same session id and the user asks again.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from dialog import catalogue
from dialog.ports import CallerInfo, Dialog, Hypothesis, Outcome
from dialog.session_keeper import StoreBreaker
from telephony.chat.session_locks import SessionLocks
from telephony.conversation_thread import ConversationThread
from telephony.speaker.kept import MAX_KEPT, Kept, KeptConversations

CHANNEL = "voice"  # the devices' channel, in the sessions and the lost-thread metric


class DeviceThreads:
    """``metrics``: where a lost thread is counted (``thread_lost``); ``store_timeout_s``: the longest a session
    read or write may keep a turn waiting before the copy here is used (None: the client's own limits);
    ``idle_s``: a conversation without a turn that long is forgotten here (the session TTL); ``breaker``: the
    worker's store-health breaker: a turn while Redis timed out a moment ago goes on from the copy here at once,
    instead of waiting out a read and a save of its own; ``locks``: one turn of a session at a time (the route
    holds them; with the workers' lease, across the workers)."""

    def __init__(
        self,
        metrics: object = None,
        store_timeout_s: float | None = None,
        idle_s: float = 3600.0,
        max_entries: int = MAX_KEPT,
        clock: Callable[[], float] = time.monotonic,
        breaker: StoreBreaker | None = None,
        locks: SessionLocks | None = None,
    ) -> None:
        self.metrics, self.store_timeout_s, self.breaker = metrics, store_timeout_s, breaker
        self.kept = KeptConversations(max_entries, idle_s, clock)
        self.locks = SessionLocks() if locks is None else locks  # held by the route around a turn and after it

    def thread(self, dialog: Dialog, session_id: str | None) -> ConversationThread:
        """The conversation's thread held here, or a new one on ``dialog`` (the request's engine)."""
        kept = self.kept.get(session_id) if session_id else None
        if kept is None:
            reply = catalogue.CALL_THREAD_LOST  # spoken, as on the phone: the whole question again
            # held_elsewhere: the device's next request may land on another worker, which may carry it on
            thread = ConversationThread(
                dialog, reply, CHANNEL, self.metrics, self.store_timeout_s, held_elsewhere=True, breaker=self.breaker
            )
            kept = Kept(thread)
        kept.thread.answered = kept.thread.answered or bool(session_id)
        if session_id:
            self.kept.put(session_id, kept)
        return kept.thread

    async def turn(
        self, dialog: Dialog, session_id: str | None, said: Sequence[Hypothesis], caller: CallerInfo
    ) -> tuple[Outcome, Dialog]:
        """The apology when Redis lost the session and the words need it, else the dialog's answer; and the
        dialog bound to the conversation's kept session (for what the route records after the turn)."""
        thread = self.thread(dialog, session_id)
        outcome = await thread.lost(session_id, said[0].text if said else "")
        if outcome is None:
            outcome = await thread.dialog.handle_nbest(session_id, said, caller)
        thread.answered = True
        if outcome.session_id != session_id:  # a first turn (or one the engine had to start afresh)
            self.kept.put(outcome.session_id, Kept(thread))
        return outcome, thread.dialog
