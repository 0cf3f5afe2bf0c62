"""The warm transfer's callback offer and voicemail steps (``TransferSteps`` inherits them).

Why apart: they are the one place a caller leaves the transfer with a promise (a callback or a message), and
they go on while Redis is down (``SpooledRequests``); the hold loop and the agent's leg never do. Never a bare
``<Hangup/>``: a caller here hears the offer, a confirmation, or an apology with the fallback number.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping

from dialog import catalogue
from telephony.agents.callbacks import CallbackBook
from telephony.agents.caller_id import dialable
from telephony.spool import STORE_DOWN
from telephony.transfer.record import TransferRecord, TransferStatus
from telephony.transfer.spooled import SpooledRequests, waits_for_message
from telephony.transfer.twiml import (
    Prompt,
    callback_offer_twiml,
    empty_twiml,
    say_and_hang_up_twiml,
    voicemail_twiml,
)
from telephony.transfer.warm import WarmTransfer
from telephony.twilio.twiml import fallback_twiml
from telephony.twilio.wire import recording_of

log = logging.getLogger(__name__)

_YES = re.compile(r"\b(tak|jasne|poproszę|proszę|oczywiście|dobrze)\b", re.IGNORECASE)
_NO = re.compile(r"\b(nie)\b", re.IGNORECASE)


def said_yes(digits: str, speech: str) -> bool:
    """DTMF 1, or a spoken yes that is not also a no ("nie, dziękuję" is a no)."""
    if digits:
        return digits.strip() == "1"
    return bool(_YES.search(speech)) and not _NO.search(speech)


class CallbackSteps:
    """The callback offer, its answer and the voicemail; ``t``, ``callbacks`` and ``spooled`` are set by
    ``TransferSteps``."""

    t: WarmTransfer
    callbacks: CallbackBook
    spooled: SpooledRequests

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

    async def callback_offer(self, tid: str, form: Mapping[str, str] | None = None, queue: str = "") -> str:
        """ "Press 1 for a callback"; a withheld number (the record's caller, or the webhook's From while the
        store is down) cannot be called back, so that caller goes straight to voicemail, asked for a number.
        Twilio's retry of that fetch (the first reply lost) gets the same voicemail, not the apology.
        ``queue``: the caller's, from the signed URL: the hours read while the store is down."""
        form = form or {}
        record, down = await self._record_or_down(tid)
        if record is None and not (down or self.spooled.enabled):
            return self.refusal()
        again = record is not None and record.status == "voicemail" and dialable(record.caller) is None
        if record is not None and record.status != "callback_offered" and not again:
            return self.refusal()
        answer = record.kb_answer if record is not None else None  # an emergency's: what to do now, nobody free
        before = await self.t.p.audio.prompt(answer) if answer else None
        if again and record is not None:  # decided (and counted) by the first fetch: only said again
            return await self._answered(tid, record.queue, False, True, before)
        queue = record.queue if record is not None else self._queue(queue)
        if dialable(record.caller if record is not None else form.get("From")) is None:
            return await self._decide(tid, record, False, form, queue, before=before)
        # the store down: why it was offered is out of reach, the hours of the caller's queue are not
        closed = getattr(record, "offer", "") == "closed" if record is not None else not self.t.open_now(queue)
        text = catalogue.TRANSFER_CALLBACK_OFFER_CLOSED if closed else catalogue.TRANSFER_CALLBACK_OFFER_BUSY
        offer = await self.t.p.audio.prompt(text)
        return callback_offer_twiml(offer, self.t.urls.callback_answer(tid, queue), before=before)

    def _queue(self, given: str) -> str:
        """The queue the signed URL named, else the default (an offer made before the URL carried it)."""
        return given or self.t.cfg.default_queue

    async def callback_answer(self, tid: str, form: Mapping[str, str], queue: str = "") -> str:
        """Yes: a callback record and the promise of when; no (or silence): voicemail on the same record. A yes
        from a withheld number (an offer made before it was recognised) is voicemail too: nobody can dial it."""
        record, _ = await self._record_or_down(tid)
        caller = record.caller if record is not None else form.get("From")
        yes = said_yes(form.get("Digits", ""), form.get("SpeechResult", "")) and dialable(caller) is not None
        return await self._decide(tid, record, yes, form, self._queue(queue))

    async def _decide(
        self,
        tid: str,
        record: TransferRecord | None,
        yes: bool,
        form: Mapping[str, str],
        queue: str,
        before: Prompt | None = None,
    ) -> str:
        """The offer's outcome on the record (or the spool while Redis is down), then what the caller hears;
        ``queue``: the caller's as the signed URL named it, for a record out of reach."""
        t = self.t
        hidden = dialable(record.caller if record is not None else form.get("From")) is None
        if record is None:
            if not self.spooled.enabled:
                return self.refusal()
            await self.spooled.callback(tid, yes, form, None, queue)
            return await self._answered(tid, queue, yes, hidden, before)
        wanted: TransferStatus = "callback" if yes else "voicemail"
        try:
            moved = await t.p.store.transition(tid, wanted, expect=("callback_offered",), ended_at=t.now())
            if moved is not None and not waits_for_message(moved.caller, yes):
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
        urls = t.urls
        return voicemail_twiml(invite, urls.voicemail(tid, queue), urls.voicemail_status(tid, queue), before=before)

    async def voicemail(self, tid: str, form: Mapping[str, str], status_event: bool, queue: str = "") -> str:
        """The recording (``<Record action>`` or its status callback) is attached to the transfer's callback,
        made now if there is none yet (spooled when Redis is down or the transfer is not stored yet: it is
        still in the spool). No message at all: ``_no_message``."""
        recording = recording_of(form)  # only Twilio's URL of a recording that has a message
        if recording is None and form.get("RecordingUrl") and form.get("RecordingStatus", "completed") == "completed":
            log.warning("transfer %s: a voicemail's RecordingUrl is not Twilio's; not kept", tid)
        if recording is not None:
            url, seconds = recording
            try:
                attached = await self.spooled.store_voicemail(tid, url, seconds)
            except STORE_DOWN:
                if not self.spooled.enabled:
                    raise
                attached = False
            if not attached and self.spooled.enabled:
                await self.spooled.voicemail(tid, form, url, seconds, self._queue(queue))
        elif form.get("RecordingStatus") == "absent" or not form.get("RecordingUrl"):
            await self._no_message(tid)
        if status_event:
            return empty_twiml()
        return say_and_hang_up_twiml(await self.t.p.audio.prompt(catalogue.TRANSFER_VOICEMAIL_SAVED))

    async def _no_message(self, tid: str) -> None:
        """The voicemail ended empty (the caller hung up at the beep). A caller with a number keeps their
        callback (an agent can still call); one without has left nothing to do, so no callback was stored:
        the transfer ends ``abandoned`` (history, console event), counted, not silently lost. A message that
        comes after all is still stored (``store_voicemail`` makes its callback whatever the status)."""
        try:
            record = await self.t.p.store.get(tid)
            if record is None or record.callback_id is not None or not waits_for_message(record.caller, False):
                return
            await self.t.voicemail_abandoned(record)
        except STORE_DOWN:
            log.warning("transfer %s: an empty voicemail not recorded as abandoned (store down)", tid)
