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
from collections.abc import Mapping

from dialog import catalogue
from telephony.agents.callbacks import CallbackBook
from telephony.agents.events import TRANSFER_CONNECTED, ConsoleEvent
from telephony.agents.waits import hold_announcement, queue_estimate
from telephony.spool import Spool
from telephony.transfer.callback_steps import CallbackSteps
from telephony.transfer.escape import back_in_queue, leave_stranded, lost_hold, stranded, stuck_hold
from telephony.transfer.record import TransferRecord
from telephony.transfer.spooled import SpooledRequests
from telephony.transfer.twiml import (
    AGENT_LABEL,
    CALLER_LABEL,
    Prompt,
    agent_briefing_twiml,
    agent_join_twiml,
    hold_twiml,
    say_and_hang_up_twiml,
)
from telephony.transfer.warm import WarmTransfer
from telephony.twilio.rest import TwilioRestError

log = logging.getLogger(__name__)

MAX_BRIEFINGS = 3  # an agent pressing other keys hears the briefing at most this many times
ENDED_CALL = frozenset({"completed", "busy", "no-answer", "failed", "canceled"})


class TransferSteps(CallbackSteps):
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
        requeued = False
        if stranded(t, record):  # back in the queue when someone can take them, else the fallback (``_off_queue``)
            requeued = await back_in_queue(t, record)
            record = await t.p.store.get(tid) or record  # another tick may have put them back meanwhile
        off_queue = await self._off_queue(record, call_sid)
        if off_queue is not None:
            return off_queue
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
            await t.free_stale_reservations(record)
            await t.dispatch(record.queue)
            record = await t.p.store.get(tid) or record
            if record.status == "fallback":  # ringing failed: Twilio REST is down
                return await self._out_of_room(record)
        return await self._announce(record, max_wait - waited, requeued)

    async def _announce(self, record: TransferRecord, left_s: float, requeued: bool) -> str:
        """The position and the wait, then music until the next tick; ``requeued``: the apology first (the agent
        who took the call never reached the room, and the caller is back at the head of the queue)."""
        t = self.t
        position = await t.p.store.position(record.queue, record.tid) or 1
        seconds = await queue_estimate(t.p.stats, t.p.agents.counts, record.queue, position)
        text = hold_announcement(position, seconds)
        announcement = await t.p.audio.prompt(f"{catalogue.HOLD_BACK_IN_QUEUE} {text}" if requeued else text)
        loops = max(1, math.ceil(min(t.cfg.hold_repeat_s, max(left_s, 1.0)) / t.p.audio.music_s))
        return hold_twiml(announcement, t.p.audio.music_url, loops, t.urls.hold(record.tid))

    async def _off_queue(self, record: TransferRecord, call_sid: str) -> str | None:
        """The hold's answer for a caller no longer waiting in the queue; None while they are."""
        t = self.t
        if record.status == "fallback":
            return await self._out_of_room(record)
        if record.status == "callback_offered":  # its REST redirect failed: retry, star key
            return await stuck_hold(t, record)
        if stranded(t, record):  # claimed by an agent who never joined: out of the room, never music for ever
            return await leave_stranded(t, record, call_sid, self.refusal)
        if record.status not in ("waiting", "ringing"):
            return hold_twiml(Prompt(""), t.p.audio.music_url, 1, t.urls.hold(record.tid))
        return None

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
        """Room events: the caller leaving before the bridge abandons; the room ending completes. The agent's
        joining (or the room's start) is noted (``bridged_at``): a hold tick that comes late to a caller talking
        to the agent must not read the claim as one that never became a bridge (``escape.stranded``)."""
        event = form.get("StatusCallbackEvent", "")
        key = f"conf:{tid}:{form.get('ConferenceSid', '')}:{form.get('SequenceNumber', '')}:{event}"
        if not await self.t.p.store.first_time(key):
            return
        record = await self.t.p.store.get(tid)
        if record is None:
            return
        label, leg = form.get("ParticipantLabel", ""), form.get("CallSid", "")
        is_caller = label == CALLER_LABEL or (not label and leg == record.call_sid)
        if _earlier_leg(record, label, leg):
            return
        bridged = event == "conference-start" or (event == "participant-join" and label == AGENT_LABEL)
        if bridged and record.status == "ringing":
            agent_id, now = record.agent_id, self.t.now()
            if await self.t.p.store.transition(tid, "connected", expect=("ringing",), connected_at=now, bridged_at=now):
                await self.t.p.events.publish(ConsoleEvent(TRANSFER_CONNECTED, agent_id, tid, record.context()))
        elif bridged and record.status in ("connected", "completed"):  # news of the bridge: never 'stranded'
            await self.t.p.store.update(tid, bridged_at=self.t.now())
        elif (event == "participant-leave" and is_caller) or event == "conference-end":
            if record.status in ("waiting", "ringing"):
                await self.t.abandon(tid)
            elif record.status == "connected":
                await self.t.complete(tid)
        elif event == "participant-leave" and label == AGENT_LABEL and record.status == "connected":
            await self.t.complete(tid)


def _earlier_leg(record: TransferRecord, label: str, leg: str) -> bool:
    """Is this room news of an earlier agent's leg (her claim never became a bridge, the caller back in the queue),
    not of this ring's? Told by the leg the move back left (``left_leg``) too: while the ring's own leg is being
    dialled it has no CallSid to compare, and a late join of the earlier leg connected the agent being rung."""
    if label != AGENT_LABEL or not leg:
        return False
    return leg == getattr(record, "left_leg", None) or (bool(record.agent_call_sid) and leg != record.agent_call_sid)
