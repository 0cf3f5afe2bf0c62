"""One method per Twilio callback of the warm transfer: state in, TwiML out.

Why every step re-reads the record and changes it only by compare-and-set: Twilio retries, reorders
and duplicates callbacks, and any worker may receive any of them. So each step checks that the
transfer is still where that callback makes sense (the agent being rung is *this* agent, the caller
is still waiting, ...), and otherwise answers harmless TwiML and changes nothing.
"""

from __future__ import annotations

import contextlib
import logging
import math
import re
from collections.abc import Mapping

from dialog import catalogue
from telephony.agents.callbacks import CallbackBook
from telephony.agents.caller_id import dialable
from telephony.agents.events import TRANSFER_CONNECTED, ConsoleEvent
from telephony.agents.waits import hold_announcement, queue_estimate
from telephony.spool import STORE_DOWN, Spool
from telephony.transfer.escape import lost_hold, stuck_hold
from telephony.transfer.spooled import SpooledRequests, callback_id_of
from telephony.transfer.store import TransferRecord, TransferStatus
from telephony.transfer.twiml import (
    AGENT_LABEL,
    CALLER_LABEL,
    Prompt,
    agent_briefing_twiml,
    agent_join_twiml,
    callback_offer_twiml,
    empty_twiml,
    hold_twiml,
    say_and_hang_up_twiml,
    voicemail_twiml,
)
from telephony.transfer.warm import WarmTransfer
from telephony.twilio.rest import TwilioRestError
from telephony.twilio.twiml import fallback_twiml
from telephony.twilio.wire import recording_of

log = logging.getLogger(__name__)

MAX_BRIEFINGS = 3  # an agent pressing other keys hears the briefing at most this many times
ENDED_CALL = frozenset({"completed", "busy", "no-answer", "failed", "canceled"})
_YES = re.compile(r"\b(tak|jasne|poproszę|proszę|oczywiście|dobrze)\b", re.IGNORECASE)
_NO = re.compile(r"\b(nie)\b", re.IGNORECASE)


def said_yes(digits: str, speech: str) -> bool:
    """DTMF 1, or a spoken yes that is not also a no ("nie, dziękuję" is a no)."""
    if digits:
        return digits.strip() == "1"
    return bool(_YES.search(speech)) and not _NO.search(speech)


class TransferSteps:
    """The Twilio-facing steps; ``transfer_routes`` verifies signatures and calls these."""

    def __init__(self, transfer: WarmTransfer, callbacks: CallbackBook, spool: Spool | None = None) -> None:
        self.t = transfer
        self.callbacks = callbacks
        self.spooled = SpooledRequests(transfer, callbacks, spool)

    # --- the caller's hold loop ----------------------------------------------------------------------
    async def hold(self, tid: str, call_sid: str = "") -> str:
        """Announcement with fresh position and wait, then music, then back here.

        Each fetch is also the transfer's clock tick: it rings an agent who became free and, past
        the queue's maximum wait, moves the caller to the callback offer. A transfer the store lost:
        the caller (``call_sid``) goes to the fallback number (``lost_hold``).
        """
        t, record = self.t, await self.t.p.store.get(tid)
        if record is None:
            return await lost_hold(t, tid, call_sid, self.refusal)
        if record is not None and record.status == "fallback":
            return await self._out_of_room(record)
        if record is not None and record.status == "callback_offered":  # its REST redirect failed: retry, star key
            return await stuck_hold(t, record)
        if record.status not in ("waiting", "ringing"):
            return hold_twiml(Prompt(""), t.p.audio.music_url, 1, t.urls.hold(tid))
        if t.ring_overdue(record):  # Twilio's word on the agent's ring was lost: the next agent
            await t.give_up_ring(record)
            record = await t.p.store.get(tid) or record
        waited = t.now() - record.enqueued_at
        max_wait = t.max_wait_s(record.queue)
        late = waited >= max_wait or not t.open_now(record.queue)
        moved = (
            late and record.status == "waiting" and await self._offer(tid, "busy" if waited >= max_wait else "closed")
        )
        if moved is None:  # offered, but Twilio REST could not move the caller: they hear about the star key
            return await stuck_hold(t, record)
        if moved:
            return hold_twiml(Prompt(""), t.p.audio.music_url, 1, t.urls.hold(tid))
        if record.status == "waiting":
            await t.dispatch(record.queue)
            record = await t.p.store.get(tid) or record
            if record.status == "fallback":  # ringing failed: Twilio REST is down
                return await self._out_of_room(record)
        position = await t.p.store.position(record.queue, tid) or 1
        seconds = await queue_estimate(t.p.stats, t.p.agents.counts, record.queue, position)
        announcement = await t.p.audio.prompt(hold_announcement(position, seconds))
        span = min(t.cfg.hold_repeat_s, max(max_wait - waited, 1.0))
        loops = max(1, math.ceil(span / t.p.audio.music_s))
        return hold_twiml(announcement, t.p.audio.music_url, loops, t.urls.hold(tid))

    async def _offer(self, tid: str, offer: str) -> bool | None:
        """Move the caller to the callback offer. None: REST down, the record says offered but the caller is
        still here (the ticks retry and tell them about the star key, ``telephony/transfer/escape.py``)."""
        try:
            return await self.t.offer_callback(tid, offer)
        except TwilioRestError:
            log.warning("transfer %s: callback offer redirect failed (Twilio REST); the star key is the way out", tid)
            return None

    async def _out_of_room(self, record: TransferRecord) -> str:
        """The transfer failed over (Twilio REST down while ringing): a caller in the room can only be moved
        by REST, so each hold tick tries to send them to the fallback number; meanwhile they hear the
        apology and the music (never silence). A wait URL cannot dial by itself."""
        t = self.t
        with contextlib.suppress(TwilioRestError):
            await t.p.rest.update_call(record.call_sid, {"Twiml": self.refusal()})
        apology = await t.p.audio.prompt(catalogue.HOLD_PRESS_STAR)  # the star key: out without REST (escape.py)
        return hold_twiml(apology, t.p.audio.music_url, 1, t.urls.hold(record.tid))

    # --- the agent's leg ------------------------------------------------------------------------------
    async def _rung(self, tid: str, agent_id: str) -> TransferRecord | None:
        record = await self.t.p.store.get(tid)
        if record is None or record.agent_id != agent_id or record.status not in ("ringing", "connected"):
            return None
        return record

    async def agent_leg(self, tid: str, agent_id: str, plays: int = 0) -> str:
        """The agent picked up: the briefing in a one-digit Gather; with no key pressed it plays once more,
        then the leg ends (its status callback moves the ring on). ``plays``: briefings played before."""
        record = await self._rung(tid, agent_id)
        if record is None or record.status != "ringing":
            return say_and_hang_up_twiml(await self.t.p.audio.prompt(catalogue.AGENT_CALLER_GONE))
        text = catalogue.AGENT_BRIEFING.format(queue=record.queue, summary=" ".join(record.summary.split()))
        briefing = await self.t.p.audio.prompt(text)
        next_url = self.t.urls.agent(tid, agent_id, plays + 1) if plays == 0 else None
        return agent_briefing_twiml(briefing, self.t.urls.agent_answer(tid, agent_id, plays), next_url)

    async def agent_answer(self, tid: str, agent_id: str, digits: str, plays: int = 0) -> str:
        """1: bridge (join the room); 2: decline (next agent); another key: the briefing again, at most
        ``MAX_BRIEFINGS`` times in all, then the caller goes to the next agent: the caller holds meanwhile,
        and the ring's deadline would otherwise cut a fumbling agent off with no word why."""
        t, record = self.t, await self._rung(tid, agent_id)
        if record is None:
            return say_and_hang_up_twiml(await t.p.audio.prompt(catalogue.AGENT_CALLER_GONE))
        if digits == "1":
            return await self._accept(record, tid, agent_id)
        if record.status == "ringing" and (digits == "2" or plays + 1 >= MAX_BRIEFINGS):
            await t.agent_missed(tid, agent_id, no_answer=False)
            gone = catalogue.AGENT_DECLINED if digits == "2" else catalogue.AGENT_NO_CHOICE
            return say_and_hang_up_twiml(await t.p.audio.prompt(gone))
        return await self.agent_leg(tid, agent_id, plays + 1)

    async def _accept(self, record: TransferRecord, tid: str, agent_id: str) -> str:
        t = self.t
        if record.status == "ringing":
            connected = await t.p.store.transition(tid, "connected", expect=("ringing",), connected_at=t.now())
            if connected is None:
                return say_and_hang_up_twiml(await t.p.audio.prompt(catalogue.AGENT_CALLER_GONE))
            await t.p.events.publish(ConsoleEvent(TRANSFER_CONNECTED, agent_id, tid, connected.context()))
            log.info("transfer %s: agent %s accepted", tid, agent_id)
        return agent_join_twiml(record.conference)

    async def agent_status(self, tid: str, agent_id: str, form: Mapping[str, str]) -> None:
        """The agent leg's call progress: a ring that ended without "1" moves on to the next agent;
        the end of an accepted call completes the transfer."""
        call_sid, status = form.get("CallSid", ""), form.get("CallStatus", "")
        if not await self.t.p.store.first_time(f"agentcall:{call_sid}:{status}"):
            return
        record = await self._rung(tid, agent_id)
        if record is None or (record.agent_call_sid and call_sid and record.agent_call_sid != call_sid):
            return
        if status not in ENDED_CALL:
            if record.status == "ringing":
                await self.t.p.store.update(tid, agent_call_status=status)
            return
        if record.status == "ringing":
            await self.t.agent_missed(tid, agent_id, no_answer=True)
        elif record.status == "connected":
            await self.t.complete(tid)

    # --- the conference ------------------------------------------------------------------------------
    async def conference(self, tid: str, form: Mapping[str, str]) -> None:
        """Room events: the caller leaving before the bridge abandons; the room ending completes."""
        event = form.get("StatusCallbackEvent", "")
        key = f"conf:{tid}:{form.get('ConferenceSid', '')}:{form.get('SequenceNumber', '')}:{event}"
        if not await self.t.p.store.first_time(key):
            return
        record = await self.t.p.store.get(tid)
        if record is None:
            return
        label = form.get("ParticipantLabel", "")
        is_caller = label == CALLER_LABEL or (not label and form.get("CallSid") == record.call_sid)
        if event == "participant-join" and label == AGENT_LABEL and record.status == "ringing":
            agent_id = record.agent_id
            if await self.t.p.store.transition(tid, "connected", expect=("ringing",), connected_at=self.t.now()):
                await self.t.p.events.publish(ConsoleEvent(TRANSFER_CONNECTED, agent_id, tid, record.context()))
        elif (event == "participant-leave" and is_caller) or event == "conference-end":
            if record.status in ("waiting", "ringing"):
                await self.t.abandon(tid)
            elif record.status == "connected":
                await self.t.complete(tid)
        elif event == "participant-leave" and label == AGENT_LABEL and record.status == "connected":
            await self.t.complete(tid)

    # --- callback offer and voicemail ----------------------------------------------------------------
    # Never a bare <Hangup/>: a caller here hears the offer, a confirmation, or an apology with the fallback
    # number. While Redis is down the answer is spooled (``SpooledRequests``) and confirmed all the same.
    def refusal(self) -> str:
        """The apology and the fallback number (or "please call again" without one)."""
        number = self.t.cfg.fallback_number
        return fallback_twiml(number, catalogue.FALLBACK_APOLOGY if number else catalogue.UNAVAILABLE_APOLOGY)

    async def _record_or_down(self, tid: str) -> tuple[TransferRecord | None, bool]:
        """The record, and whether the store could not be asked (down); raises when down and no spool."""
        try:
            return await self.t.p.store.get(tid), False
        except STORE_DOWN:
            if not self.spooled.enabled:
                raise
            log.warning("transfer %s: store down, the callback step goes on from the spool", tid)
            return None, True

    async def callback_offer(self, tid: str, form: Mapping[str, str] | None = None) -> str:
        """ "Press 1 for a callback"; a withheld number (the record's caller, or the webhook's From while the
        store is down) cannot be called back, so that caller goes straight to voicemail, asked for a number."""
        form = form or {}
        record, down = await self._record_or_down(tid)
        if record is None and not (down or self.spooled.enabled):
            return self.refusal()
        if record is not None and record.status != "callback_offered":
            return self.refusal()
        answer = record.kb_answer if record is not None else None  # an emergency's: what to do now, nobody free
        before = await self.t.p.audio.prompt(answer) if answer else None
        if dialable(record.caller if record is not None else form.get("From")) is None:
            return await self._decide(tid, record, False, form, before=before)
        closed = record is not None and getattr(record, "offer", "") == "closed"
        text = catalogue.TRANSFER_CALLBACK_OFFER_CLOSED if closed else catalogue.TRANSFER_CALLBACK_OFFER_BUSY
        offer = await self.t.p.audio.prompt(text)
        return callback_offer_twiml(offer, self.t.urls.callback_answer(tid), before=before)

    async def callback_answer(self, tid: str, form: Mapping[str, str]) -> str:
        """Yes: a callback record and the promise of when; no (or silence): voicemail on the same record. A yes
        from a withheld number (an offer made before it was recognised) is voicemail too: nobody can dial it."""
        record, _ = await self._record_or_down(tid)
        caller = record.caller if record is not None else form.get("From")
        yes = said_yes(form.get("Digits", ""), form.get("SpeechResult", "")) and dialable(caller) is not None
        return await self._decide(tid, record, yes, form)

    async def _decide(
        self, tid: str, record: TransferRecord | None, yes: bool, form: Mapping[str, str], before: Prompt | None = None
    ) -> str:
        """The offer's outcome on the record (or the spool while Redis is down), then what the caller hears."""
        t = self.t
        hidden = dialable(record.caller if record is not None else form.get("From")) is None
        if record is None:
            if not self.spooled.enabled:
                return self.refusal()
            await self.spooled.callback(tid, yes, form, None)
            return await self._answered(tid, t.cfg.default_queue, yes, hidden, before)
        wanted: TransferStatus = "callback" if yes else "voicemail"
        try:
            moved = await t.p.store.transition(tid, wanted, expect=("callback_offered",), ended_at=t.now())
            if moved is not None:
                await self.spooled.store_callback(moved, wants_call=yes)
                await t.ended_in_history(moved, wanted)  # not from the spool: Redis is down, the caller waits
        except STORE_DOWN:
            if not self.spooled.enabled:
                raise
            await self.spooled.callback(tid, yes, form, record)
            moved = record
        if moved is not None:
            t.offer_ended(wanted)
        elif record.status != wanted:
            return self.refusal()  # stale: another answer already decided
        return await self._answered(tid, record.queue, yes, hidden, before)

    async def _answered(self, tid: str, queue: str, yes: bool, hidden: bool, before: Prompt | None = None) -> str:
        """The promise of a callback, or the voicemail invitation (``hidden``: no number to call back, so the
        caller is asked for one)."""
        t = self.t
        if yes:
            when = t.p.hours.hours(queue).callback_when(t.wall_now())
            promise = catalogue.CALLBACK_PROMISE.format(when=when)
            text = catalogue.TRANSFER_CALLBACK_BOOKED.format(promise=promise)
            return say_and_hang_up_twiml(await t.p.audio.prompt(text))
        text = catalogue.TRANSFER_WITHHELD_VOICEMAIL if hidden else catalogue.TRANSFER_VOICEMAIL_INVITE
        invite = await t.p.audio.prompt(text)
        return voicemail_twiml(invite, t.urls.voicemail(tid), t.urls.voicemail_status(tid), before=before)

    async def voicemail(self, tid: str, form: Mapping[str, str], status_event: bool) -> str:
        """The recording (``<Record action>`` or its status callback) is attached to the transfer's callback
        (spooled when Redis is down or the callback is not stored yet: it is still in the spool)."""
        recording = recording_of(form)  # only Twilio's URL of a recording that has a message
        if recording is None and form.get("RecordingUrl") and form.get("RecordingStatus", "completed") == "completed":
            log.warning("transfer %s: a voicemail's RecordingUrl is not Twilio's; not kept", tid)
        if recording is not None:
            url, seconds = recording
            try:
                attached = await self.callbacks.attach_voicemail(callback_id_of(tid), url, seconds)
            except STORE_DOWN:
                if not self.spooled.enabled:
                    raise
                attached = False
            if not attached and self.spooled.enabled:
                await self.spooled.voicemail(tid, form, url, seconds)
        if status_event:
            return empty_twiml()
        return say_and_hang_up_twiml(await self.t.p.audio.prompt(catalogue.TRANSFER_VOICEMAIL_SAVED))
