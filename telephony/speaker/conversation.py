"""Speaker conversations: Home Assistant's ``conversation_id`` -> dialog session, plus the callback offer.

Why a mapping in the store: Home Assistant opens a new Wyoming connection for every utterance and only
carries ``context.conversation_id`` between them, so the session id and any pending callback offer must
outlive the connection (and be shared by every gateway worker: hence the KeyValueStore, with the same TTL
as dialog sessions). Booked callbacks go to the agents' callback book (``telephony/agents/callbacks.py``,
``RedisCallbacks``), where agents see and claim them.

The conversation keeps what the speaker said: the offer in place of the engine's "łączę", and the
exchange the callback flow answers itself (``Dialog.record``), with the number booked as the caller's.

Why no callback without that book (no Redis): a request kept in process memory is lost on restart, and
even on disk no agent would ever see it (the console and the agents' API live in Redis). A speaker that
said "a consultant will call you back" would be making a promise nobody keeps; it says instead that it
cannot book a call here and gives the hotline (``hotline``: the fallback number), which a user can act on.
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
from telephony.agents.callbacks import CallbackBook
from telephony.metrics import ConversationTurn
from telephony.speaker import callback as cb

log = logging.getLogger(__name__)

CONVERSATION_KEY = "speaker:conversation:{}"
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
    """One speaker utterance in, one reply out; the dialog engine does the thinking."""

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
    ) -> None:
        self.dialog, self.store, self.ttl_s = dialog, store, ttl_s
        self.callbacks = callbacks  # None: no book agents see, so no callback is ever promised
        self.hotline = hotline
        self.kpis = kpis  # conversations, contained, transfers, reply times (telephony/insights)
        self._clock, self._new_id, self.channel = clock, new_id, channel

    async def turn(self, text: str, conversation_id: str | None, phone: str | None = None) -> SpeakerReply:
        """Handle one utterance of conversation ``conversation_id`` (None or too long: a new one)."""
        if not conversation_id or len(conversation_id) > MAX_CONVERSATION_ID:
            conversation_id = self._new_id()
        key = CONVERSATION_KEY.format(conversation_id)
        record = await self.store.get(key) or {}
        session_id = record.get("session_id") if isinstance(record.get("session_id"), str) else None
        state = cb.CallbackState.from_dict(record.get("callback"))
        if state is not None:
            began = time.monotonic()
            step = cb.answer(state, text, phone)
            if not step.pass_through:
                callback_id = await self._book(step, state, session_id, conversation_id)
                await self._save(key, session_id, step.state)
                await self._callback_turn(text, step, state, session_id, callback_id, time.monotonic() - began)
                return SpeakerReply(step.reply, conversation_id, session_id, None, callback_id)
        return await self._engine_turn(text, conversation_id, key, not record, session_id, phone)

    async def _engine_turn(
        self, text: str, conversation_id: str, key: str, new: bool, session_id: str | None, phone: str | None
    ) -> SpeakerReply:
        """A turn the engine answers; a transfer it decides becomes the callback offer, or the hotline (no
        book), and the conversation records what the speaker said instead (no hand-off happened)."""
        caller = CallerInfo(channel=self.channel, phone=phone)
        began = time.monotonic()
        outcome = await self.dialog.handle(session_id, text, caller)
        seconds, t = time.monotonic() - began, outcome.transfer
        reply, new_state = outcome.reply, None
        if outcome.action == "transfer" and t is not None:
            if self.callbacks is None:  # nobody can be asked to call back: the history says what was said
                reply = no_callback_reply(self.hotline, t.emergency)
                await self.dialog.handover_refused(outcome.session_id, reply, caller)
            else:
                step = cb.offer(t)
                reply, new_state = step.reply, step.state
                await self.dialog.record(outcome.session_id, None, reply, caller, "offered")
        if self.kpis is not None:  # a transfer is only offered here: counted once a callback is booked
            self.kpis.conversation_turn(ConversationTurn.of("speaker", outcome, seconds, new=new, handed_over=False))
        if outcome.action == "end":
            await self.store.delete(key)
        else:
            await self._save(key, outcome.session_id, new_state)
        return SpeakerReply(reply, conversation_id, outcome.session_id, outcome.action)

    async def _callback_turn(
        self,
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
            await self.dialog.record(session_id, text, step.reply, caller, handover)
        if self.kpis is not None:
            action, reason, queue = ("transfer", state.reason, state.queue) if booked else ("answer", "", "")
            turn = ConversationTurn("speaker", action, seconds, False, reason, queue, conversation=session_id or "")
            self.kpis.conversation_turn(turn)

    async def _book(
        self, step: cb.Step, state: cb.CallbackState, session_id: str | None, conversation_id: str
    ) -> str | None:
        if step.book_phone is None or self.callbacks is None:
            return None
        request = cb.new_request(
            state,
            step.book_phone,
            request_id=self._new_id(),
            now=self._clock(),
            session_id=session_id,
            conversation_id=conversation_id,
            channel=self.channel,
        )
        await self.callbacks.add(request.to_dict())
        log.info("callback request %s queued for %s (%s)", request.id, request.queue, request.reason)
        return request.id

    async def _save(self, key: str, session_id: str | None, state: cb.CallbackState | None) -> None:
        value = {"session_id": session_id, "callback": None if state is None else state.to_dict()}
        await self.store.set(key, value, ttl_s=self.ttl_s)


def no_callback_reply(hotline: str, emergency: bool = False) -> str:
    """ "I cannot book a call here; please call the hotline (at <number>)"; an emergency hears the
    emergency number first."""
    number = cb.normalize_phone(hotline) if hotline.startswith("+48") else None
    spoken = cb.spoken_phone(number) if number else hotline.strip()
    text = catalogue.SPEAKER_NO_CALLBACK.format(number=f" pod numer {spoken}" if spoken else "")
    return f"{catalogue.EMERGENCY_ADVICE} {text}" if emergency else text
