"""Callback and voicemail requests taken while Redis is down: spooled to a local file, stored when it returns.

Why the caller is still told "saved": the request is on disk (fsynced) before the answer goes out, and
``replay`` stores it in Redis later. Everything is keyed by the transfer id from the signed URL, so a
replay is idempotent: the callback id is ``cb-<tid>`` (``CallbackBook.add`` keeps an existing one), the
transfer's status moves only by compare-and-set, a voicemail is attached by overwriting the same fields.
When Redis came back without the transfer record (failover without persistence) the callback is still
made, from what the spool kept: the caller's number, the queue, the time.

A caller with no number to call back (withheld) who goes to the voicemail gets a callback record only with
their message (``store_voicemail``): one who hung up at the beep left an agent nothing to do.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from telephony.agents.callbacks import CallbackBook, callback_from_transfer, iso_now
from telephony.agents.caller_id import dialable
from telephony.agents.events import TRANSFER_CALLBACK, ConsoleEvent
from telephony.spool import Spool
from telephony.transfer.record import TransferRecord, TransferStatus
from telephony.transfer.warm import WarmTransfer

log = logging.getLogger(__name__)

CALLBACK = "transfer.callback"
VOICEMAIL = "transfer.voicemail"
SPOOLED_SUMMARY = "Prośba zapisana podczas awarii bazy: szczegóły rozmowy niedostępne."


def callback_id_of(tid: str) -> str:
    """One callback per transfer: a retried or replayed step cannot make a second."""
    return f"cb-{tid}"


def waits_for_message(caller: str | None, wants_call: bool) -> bool:
    """A voicemail from a caller with no number to dial: its callback is stored with the message, not
    before (a caller who hangs up at the beep would leave an entry with neither a number nor a message)."""
    return not wants_call and dialable(caller) is None


class SpooledRequests:
    """Writes the spool entries of the transfer's callback steps and applies them back."""

    def __init__(self, transfer: WarmTransfer, callbacks: CallbackBook, spool: Spool | None) -> None:
        self.t, self.callbacks, self._spool = transfer, callbacks, spool

    @property
    def enabled(self) -> bool:
        """Without a spool, a request Redis cannot take is refused (apology and the fallback number)."""
        return self._spool is not None

    @property
    def spool(self) -> Spool:
        if self._spool is None:
            raise RuntimeError("no spool configured")
        return self._spool

    async def callback(
        self, tid: str, wants_call: bool, form: Mapping[str, str], record: TransferRecord | None, queue: str = ""
    ) -> None:
        """Keep the caller's yes (callback) or no (voicemail follows) for ``replay``; ``queue``: the caller's
        (from the signed URL), for a callback made from the spool alone."""
        data = {
            "tid": tid,
            "queue": queue,
            "wants_call": wants_call,
            "phone": form.get("From") or None,
            "call_sid": form.get("CallSid", ""),
            "at": self.t.now(),
            "record": None if record is None else record.model_dump(mode="json"),
        }
        await self.spool.append(CALLBACK, data)

    async def voicemail(
        self, tid: str, form: Mapping[str, str], url: str, seconds: float | None, queue: str = ""
    ) -> None:
        """Keep a message for ``replay``; ``queue``: the caller's (from the signed URL), for the callback a message
        makes from the spool alone (a withheld caller's: their "no" stored nothing)."""
        data = {"tid": tid, "url": url, "seconds": seconds, "phone": form.get("From") or None, "at": self.t.now()}
        data["queue"] = queue
        data["call_sid"] = form.get("CallSid", "")
        await self.spool.append(VOICEMAIL, data)

    async def apply(self, kind: str, data: dict[str, Any]) -> bool:
        """Store one spooled entry; False when ``kind`` is not a transfer entry."""
        if kind == CALLBACK:
            await self._apply_callback(data)
        elif kind == VOICEMAIL:
            await self._apply_voicemail(data)
        else:
            return False
        return True

    async def _apply_callback(self, data: dict[str, Any]) -> None:
        tid, wants_call = str(data["tid"]), bool(data["wants_call"])
        record = await self.t.p.store.get(tid)
        if record is not None:
            wanted: TransferStatus = "callback" if wants_call else "voicemail"
            moved = await self.t.p.store.transition(tid, wanted, expect=("callback_offered",), ended_at=data["at"])
            record = moved or record
        else:
            record = self._from_spool(data)
        if not waits_for_message(record.caller, wants_call):
            await self.store_callback(record, wants_call=wants_call)

    async def _apply_voicemail(self, data: dict[str, Any]) -> None:
        seconds = None if data.get("seconds") is None else float(data["seconds"])
        await self.store_voicemail(str(data["tid"]), str(data["url"]), seconds, data)

    async def store_voicemail(
        self, tid: str, url: str, seconds: float | None, spooled: dict[str, Any] | None = None
    ) -> bool:
        """Attach the message to the transfer's callback, storing the callback first when there is none yet
        (a withheld caller's, stored only with its message; or the "no" that led here was lost with the
        store): the message always reaches an agent, and the history reads ``voicemail`` (it was written
        with the callback: a withheld caller's read "transferred", or "left_queue" when the call's end came
        first). False when the transfer is unknown and nothing was spooled to make its callback from."""
        callback_id = callback_id_of(tid)
        if await self.callbacks.attach_voicemail(callback_id, url, seconds):
            return True
        record = await self.t.p.store.get(tid)
        if record is None and spooled is None:
            return False
        made = record or self._from_spool(spooled or {})
        await self.store_callback(made, wants_call=False)
        await self.t.ended_in_history(made, "voicemail")
        return await self.callbacks.attach_voicemail(callback_id, url, seconds)

    def _from_spool(self, data: dict[str, Any]) -> TransferRecord:
        if data.get("record"):
            return TransferRecord.model_validate(data["record"])
        at = float(data.get("at") or self.t.now())
        return TransferRecord(
            tid=str(data["tid"]),
            call_sid=str(data.get("call_sid") or ""),
            caller=data.get("phone"),
            queue=str(data.get("queue") or self.t.cfg.default_queue),
            reason="callback",
            summary=SPOOLED_SUMMARY,
            created_at=at,
            enqueued_at=at,
            status="callback" if data.get("wants_call") else "voicemail",
        )

    async def store_callback(self, record: TransferRecord, *, wants_call: bool) -> str:
        """The callback record for ``record`` (idempotent), linked from the transfer, announced to agents."""
        callback_id = callback_id_of(record.tid)
        data = callback_from_transfer(record, callback_id=callback_id, created_at=iso_now(self.t.p.clock))
        await self.callbacks.add({**data, "requested": "callback" if wants_call else "voicemail"})
        await self.t.p.store.update(record.tid, callback_id=callback_id)
        event = ConsoleEvent(TRANSFER_CALLBACK, None, record.tid, {"callback_id": callback_id, "queue": record.queue})
        await self.t.p.events.publish(event)
        return callback_id
