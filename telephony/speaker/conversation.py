"""Speaker conversations: Home Assistant's ``conversation_id`` -> dialog session, plus the callback offer.

Why a mapping in the store: Home Assistant opens a new Wyoming connection for every utterance and only
carries ``context.conversation_id`` between them, so the session id and any pending callback offer must
outlive the connection (and be shared by every gateway worker: hence the KeyValueStore, with the same TTL
as dialog sessions). Booked callbacks go to the agents' callback book (``telephony/agents/callbacks_redis.py``,
``RedisCallbacks``), where agents see and claim them.

The conversation keeps what the speaker said: the offer in place of the engine's "łączę", and the
exchange the callback flow answers itself (``Dialog.record``), with the number booked as the caller's.

Why no callback without that book (no Redis): a request kept in process memory is lost on restart, and
even on disk no agent would ever see it (the console and the agents' API live in Redis). A speaker that
said "a consultant will call you back" would be making a promise nobody keeps; it says instead that it
cannot book a call here and gives the hotline (``hotline``: the fallback number), which a user can act on.

Redis failing under a conversation (``telephony/speaker/kept.py``, ``telephony/conversation_thread.py``, as a
phone call; the record's reads and writes: ``telephony/speaker/records.py``): the process keeps each
conversation's record and session. While Redis is down a turn goes on
from those copies under the same ids, written back when it answers; when Redis came back empty, words that
lean on the lost exchange get ``CALL_THREAD_LOST`` (the whole question again), a question that stands alone
is answered, and the first turn of a conversation is never apologised to.

Redis *stalled* (accepting, never answering): the server's store-health breaker (``breaker``,
``telephony/store_health.py``, built with its watcher by ``telephony/app/speaker.py``) opens on the first
timeout; while it is open a turn goes on from the copies here at once (a conversation never seen here starts
afresh), no callback is offered or booked (a booking nobody can store is a promise nobody keeps: the hotline
instead), and once Redis answers the next turn writes back what it kept.

Turns of one conversation run one at a time (``locks``: ``SessionLocks`` in a process, and the conversations'
lease across the servers on one Redis, ``telephony/chat/session_lease.py``): two utterances answered at once
(two satellites, a retry) kept only the later one's turn. A turn that waited past the lease's wait is not
run: the speaker says ``SESSION_BUSY_SPOKEN`` and the user asks again.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from dialog import catalogue
from dialog.ports import Action, CallerInfo, Dialog, Handover, KeyValueStore
from dialog.session_keeper import STORE_ERRORS, StoreBreaker
from telephony.agents.callbacks import CallbackBook
from telephony.chat.session_lease import SessionBusy
from telephony.chat.session_locks import SessionLocks
from telephony.conversation_thread import ConversationThread
from telephony.conversation_turn import ConversationTurn
from telephony.speaker import callback as cb
from telephony.speaker.kept import Kept, KeptConversations
from telephony.speaker.records import CONVERSATION_KEY, SpeakerRecords, session_of

log = logging.getLogger(__name__)

MAX_CONVERSATION_ID = 128


def _new_id() -> str:
    return uuid.uuid4().hex


@dataclass(frozen=True)
class SpeakerReply:
    """What the speaker says, and the identifiers a client may want back in the Wyoming context."""

    text: str
    conversation_id: str
    session_id: str | None
    action: Action | None  # the engine's action; None when the callback flow answered by itself
    callback_id: str | None = None


class TurnSink(Protocol):
    """Where a turn is counted (``telephony.insights.recorder.TurnKpis``)."""

    def conversation_turn(self, turn: ConversationTurn) -> None: ...


class SpeakerConversations:
    """One speaker utterance in, one reply out; the dialog engine does the thinking.

    ``metrics``: where a lost thread is counted (``thread_lost``; the Wyoming server has none: logged only);
    ``store_timeout_s``: the longest a read or write of a conversation may wait on Redis before the copy here
    is used (None: the client's own limits); ``kept``: the conversations held here (a bounded default);
    ``breaker``: the server's store-health breaker (None: each turn waits out its own timeouts)."""

    def __init__(
        self,
        dialog: Dialog,
        store: KeyValueStore,
        *,
        ttl_s: int = 3600,
        clock: Callable[[], float] = time.time,
        new_id: Callable[[], str] = _new_id,
        channel: str = "speaker",
        callbacks: CallbackBook | None = None,
        hotline: str = "",
        kpis: TurnSink | None = None,
        metrics: object = None,
        store_timeout_s: float | None = None,
        kept: KeptConversations | None = None,
        breaker: StoreBreaker | None = None,
        locks: SessionLocks | None = None,
    ) -> None:
        self.dialog, self.store, self.ttl_s = dialog, store, ttl_s
        self.callbacks = callbacks  # None: no book agents see, so no callback is ever promised
        self.hotline = hotline
        self.kpis = kpis  # conversations, contained, transfers, reply times (telephony/insights)
        self._clock, self._new_id, self.channel = clock, new_id, channel
        self.metrics, self.store_timeout_s, self.breaker = metrics, store_timeout_s, breaker
        self.kept = KeptConversations(idle_s=ttl_s) if kept is None else kept  # an empty one is falsy (len 0)
        self.locks = SessionLocks() if locks is None else locks  # one turn of a conversation at a time
        self.records = SpeakerRecords(store, self.kept, ttl_s=ttl_s, store_timeout_s=store_timeout_s, breaker=breaker)

    async def turn(self, text: str, conversation_id: str | None, phone: str | None = None) -> SpeakerReply:
        """Handle one utterance of conversation ``conversation_id`` (None or too long: a new one), after the
        conversation's earlier utterances."""
        if not conversation_id or len(conversation_id) > MAX_CONVERSATION_ID:
            conversation_id = self._new_id()
        try:
            async with self.locks.hold(conversation_id):
                return await self._turn(text, conversation_id, phone)
        except SessionBusy as exc:  # another process's turn of it ran past the wait: said, never dropped
            log.warning("speaker turn not run: %s", exc)
            return SpeakerReply(catalogue.SESSION_BUSY_SPOKEN, conversation_id, None, "clarify")

    async def _turn(self, text: str, conversation_id: str, phone: str | None) -> SpeakerReply:
        key, kept = CONVERSATION_KEY.format(conversation_id), self.kept.take(conversation_id, self._thread)
        remembered = session_of(kept.record)  # what this process saw, should Redis have come back empty
        record = await self.records.read(kept, key)
        session_id = session_of(record) or remembered
        kept.thread.answered = kept.thread.answered or session_of(record) is not None
        state = cb.CallbackState.from_dict(record.get("callback"))
        if state is not None:
            began = time.monotonic()
            step = cb.answer(state, text, phone)
            if not step.pass_through:
                step, callback_id = await self._book(step, state, session_id, conversation_id)
                await self.records.save(kept, key, session_id, step.state)
                seconds = time.monotonic() - began
                await self._callback_turn(kept, text, step, state, session_id, callback_id, seconds)
                return SpeakerReply(step.reply, conversation_id, session_id, None, callback_id)
        lost = await kept.thread.lost(session_id, text)
        if lost is not None:  # Redis lost the conversation and these words need it: asked again
            await self.records.save(kept, key, session_id, None)
            return SpeakerReply(lost.reply, conversation_id, session_id, lost.action)
        return await self._engine_turn(text, conversation_id, (key, kept), session_id, phone)

    def _thread(self) -> ConversationThread:
        reply = catalogue.CALL_THREAD_LOST  # spoken, as on the phone: the whole question again
        return ConversationThread(
            self.dialog, reply, self.channel, self.metrics, self.store_timeout_s, self._clock, breaker=self.breaker
        )

    async def _engine_turn(
        self, text: str, conversation_id: str, held: tuple[str, Kept], session_id: str | None, phone: str | None
    ) -> SpeakerReply:
        """A turn the engine answers; a transfer it decides becomes the callback offer, or the hotline (no
        book), and the conversation records what the speaker said instead (no hand-off happened)."""
        (key, kept), dialog = held, held[1].thread.dialog
        caller = CallerInfo(channel=self.channel, phone=phone)
        began = time.monotonic()
        outcome = await dialog.handle(session_id, text, caller)
        kept.thread.answered = True
        seconds, t = time.monotonic() - began, outcome.transfer
        reply, new_state = outcome.reply, None
        if outcome.action == "transfer" and t is not None:
            if self.callbacks is None or self.records.stalled:  # nobody can be asked to call back: the history says so
                reply = cb.no_callback_reply(self.hotline, t)
                await dialog.handover_refused(outcome.session_id, reply, caller)
            else:
                step = cb.offer(t)
                reply, new_state = step.reply, step.state
                await dialog.record(outcome.session_id, None, reply, caller, "offered")
        if self.kpis is not None:  # a transfer is only offered here: counted once a callback is booked
            turn = ConversationTurn.of("speaker", outcome, seconds, new=session_id is None, handed_over=False)
            self.kpis.conversation_turn(turn)
        if outcome.action == "end":
            await self.records.end(kept, key, conversation_id)
        else:
            await self.records.save(kept, key, outcome.session_id, new_state)
        return SpeakerReply(reply, conversation_id, outcome.session_id, outcome.action)

    async def _callback_turn(
        self,
        kept: Kept,
        text: str,
        step: cb.Step,
        state: cb.CallbackState,
        session_id: str | None,
        callback_id: str | None,
        seconds: float,
    ) -> None:
        """A turn of the callback exchange (no engine): into the conversation and its history as said, with
        the number given once a callback is booked (an agent looks the conversation up by it); counted as a
        hand-off to the queue only then: a declined offer is no transfer."""
        booked = callback_id is not None
        if session_id is not None:
            handover: Handover | None = "booked" if booked else "not_booked" if step.state is None else None
            caller = CallerInfo(channel=self.channel, phone=step.book_phone if booked else None)
            await kept.thread.dialog.record(session_id, text, step.reply, caller, handover)
        if self.kpis is not None:
            action, reason, queue = ("transfer", state.reason, state.queue) if booked else ("answer", "", "")
            turn = ConversationTurn("speaker", action, seconds, False, reason, queue, conversation=session_id or "")
            self.kpis.conversation_turn(turn)

    async def flush_pending(self, timeout_s: float) -> list[str]:
        """Shutdown (``telephony/shutdown.py``): what Redis has not taken yet (``SpeakerRecords.flush_pending``)."""
        return await self.records.flush_pending(timeout_s)

    async def _book(
        self, step: cb.Step, state: cb.CallbackState, session_id: str | None, conversation_id: str
    ) -> tuple[cb.Step, str | None]:
        """The step as said and the booked request's id; a booking the store did not take (failed, or skipped
        while the breaker is open) is said as the hotline instead of "a consultant will call you"."""
        callbacks = self.callbacks
        if step.book_phone is None or callbacks is None:
            return step, None
        request = cb.new_request(
            state,
            step.book_phone,
            request_id=self._new_id(),
            now=self._clock(),
            session_id=session_id,
            conversation_id=conversation_id,
            channel=self.channel,
        )
        try:  # not bounded by ``store_timeout_s``: a booking cut short may be stored all the same
            await self.records.ask(lambda: callbacks.add(request.to_dict()), bounded=False)
        except STORE_ERRORS as exc:
            log.warning("callback request of %s not booked (%r): the hotline is given instead", conversation_id, exc)
            return cb.Step(cb.no_callback_reply(self.hotline), None), None
        log.info("callback request %s queued for %s (%s)", request.id, request.queue, request.reason)
        return step, request.id
