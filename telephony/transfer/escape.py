"""The way out of the hold room that needs no Twilio REST: the star key.

Why: a caller waiting in the transfer's conference can only be moved out of it by Twilio's REST API (the
room's ``waitUrl`` TwiML may only ``<Play>``, ``<Say>``, ``<Pause>`` and ``<Redirect>``; a ``<Dial>`` or
``<Gather>`` there is Twilio error 13238). When REST is down the gateway cannot send them to the callback
offer or to the fallback number, however long they wait. So the caller's ``<Dial>`` into the room has
``hangupOnStar`` and an ``action``: pressing * ends the caller's part in the room and Twilio asks
``after_room`` what next, with no REST call. The hold loop tells them so once the gateway has failed to move
them (``stuck_hold``), and keeps retrying the REST redirect meanwhile.

``after_room`` by the transfer's state: offered a callback (its redirect failed) or still waiting -> the
callback offer, answered right here (callback or voicemail, spooled if Redis is down too); failed over or
the store unreachable, or stranded in a room nobody joined (``stranded``) -> the apology and a ``<Dial>`` of the
fallback number; connected or over -> the
satisfaction survey when configured (the agent hung up, or the caller pressed * while talking to the agent:
like hanging up, the price of the star key), else hang up.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Awaitable, Callable

from dialog import catalogue
from telephony.agents.events import TRANSFER_WAITING, ConsoleEvent
from telephony.spool import STORE_DOWN
from telephony.transfer.record import TransferRecord
from telephony.transfer.twiml import hang_up_twiml, hold_twiml, redirect_twiml
from telephony.transfer.warm import WarmTransfer
from telephony.twilio.rest import TwilioRestError

log = logging.getLogger(__name__)

STILL_IN_ROOM = frozenset({"waiting", "ringing"})
# An agent's 1 joins them to the room within a second or two, which starts it and ends the caller's hold loop. A
# hold tick this long after the claim (or once the transfer is over) means the bridge never happened: Redis died
# between the claim and the agent's join TwiML, so the agent was told of a technical problem and hung up.
BRIDGE_GRACE_S = 30.0


def stranded(t: WarmTransfer, record: TransferRecord) -> bool:
    """Is the caller of this hold tick in a room nobody will join (claimed long ago, or the transfer over)?
    Never once the room told us the agent joined (``bridged_at``): a tick sent just before the bridge and slow
    to come (a busy worker, a Redis failover's retries) ended a real conversation, or moved a caller out of the
    survey after one, to the fallback number."""
    if getattr(record, "bridged_at", None) is not None:
        return False
    if record.status == "completed":  # the agent's leg ended: a room that had started would have ended the loop
        return True
    claimed = record.connected_at
    return record.status == "connected" and claimed is not None and t.now() - claimed > BRIDGE_GRACE_S


async def back_in_queue(t: WarmTransfer, record: TransferRecord) -> bool:
    """A caller ``stranded`` by a claim that never became a bridge goes back to the head of the queue (the place
    their arrival gave them) while the queue is open, its maximum wait is not past and another agent serving it
    is free: a real caller expects the next agent, not the fallback number, which stays for when nobody can take
    them (``leave_stranded``). The move comes first, then the claiming agent's leg is stopped: stopped first, the
    report of its end could reach another worker before the move and complete the claim (the agent in wrap-up for
    a caller she never spoke to, the wait counted as answered, the caller sent to the fallback number). Once
    moved, that report and any news of her leg are an earlier leg's (``steps``: not this ring's). She is free
    again, not blamed, not rung for this caller again (tried), and offered to her queues' callers at once. A
    transfer whose agent's leg already ended it (``completed``: she is in wrap-up, its handling counted) is left
    to the fallback. True when the caller is back in the queue."""
    if record.status != "connected" or record.agent_id is None or not await _can_wait(t, record):
        return False
    fields = {"agent_id": None, "agent_call_sid": None, "agent_call_status": None, "connected_at": None}
    # her leg kept (``left_leg``): its late news is told apart even while the next ring's leg has no CallSid yet
    if not await t.p.store.requeue(record, back_at=t.now(), left_leg=record.agent_call_sid, **fields):
        return False
    log.warning(
        "transfer %s: agent %s claimed it but never reached the room: back in the queue", record.tid, record.agent_id
    )
    try:
        await t.cancel_agent_call(record.agent_call_sid, "in-progress")
    except TwilioRestError:  # REST down: the next agent's dial fails too, and the ring's failure is the fallback
        log.warning("transfer %s: the leg of agent %s not stopped (Twilio REST)", record.tid, record.agent_id)
    freed = await t.p.agents.release(record.agent_id, "available", transfer_id=record.tid)
    await t.p.events.publish(
        ConsoleEvent(TRANSFER_WAITING, None, record.tid, {"queue": record.queue, "priority": record.priority})
    )
    if freed == "available":  # at once, as every other way an agent is freed: not at her queues' next hold tick
        await t.offer_freed([record.agent_id])
    return True


async def _can_wait(t: WarmTransfer, record: TransferRecord) -> bool:
    """Open, within the queue's maximum wait, and an agent serving it free who was not tried for this caller."""
    if not t.open_now(record.queue) or t.now() - record.enqueued_at >= t.max_wait_s(record.queue):
        return False
    tried = {*record.tried_agents, record.agent_id}
    free = [s for s in await t.p.agents.list() if s.status == "available" and record.queue in s.agent.queues]
    return any(s.id not in tried for s in free)


async def leave_stranded(t: WarmTransfer, record: TransferRecord, call_sid: str, refusal: Callable[[], str]) -> str:
    """A caller ``stranded`` in the room: the claim given up (``fallback``, the agent free again, their leg
    stopped), and the caller moved by REST to ``refusal`` (the apology and the fallback number) hearing the
    apology with the star key meanwhile, which ``after_room`` answers with ``refusal`` too (``stranded`` mark).
    A claim another hold tick put back in the queue meanwhile (``back_in_queue``) is left there: hold music."""
    if record.status == "connected":
        log.warning("transfer %s: agent %s claimed it but never reached the room", record.tid, record.agent_id)
        if not await t.claim_lost(record):
            latest = await t.p.store.get(record.tid)
            if latest is not None and latest.status in STILL_IN_ROOM:
                prompt = await t.p.audio.prompt(catalogue.HOLD_CONNECTING)
                return hold_twiml(prompt, t.p.audio.music_url, 1, t.urls.hold(record.tid))
    await t.p.store.update(record.tid, stranded=True)
    return await lost_hold(t, record.tid, call_sid or record.call_sid, refusal)


async def lost_hold(t: WarmTransfer, tid: str, call_sid: str, refusal: Callable[[], str]) -> str:
    """A hold tick for a transfer the store no longer knows (Redis came back empty): no queue, no agent and no
    maximum wait would ever end it, so the caller is moved to ``refusal`` (the apology and the fallback
    number) by REST, hearing the apology with the star key meanwhile (``after_room`` refuses too)."""
    log.warning("transfer %s: the store lost it while the caller waited: fallback number", tid)
    if call_sid:
        with contextlib.suppress(TwilioRestError):
            await t.p.rest.update_call(call_sid, {"Twiml": refusal()})
    prompt = await t.p.audio.prompt(catalogue.HOLD_PRESS_STAR)
    return hold_twiml(prompt, t.p.audio.music_url, 1, t.urls.hold(tid))


async def stuck_hold(t: WarmTransfer, record: TransferRecord) -> str:
    """A hold tick for a caller the gateway failed to move to the callback offer: retry the redirect, and
    meanwhile the apology with the star key, then music and back (never silence)."""
    with contextlib.suppress(TwilioRestError):
        await t.p.rest.update_call(
            record.call_sid, {"Url": t.urls.callback_offer(record.tid, record.queue), "Method": "POST"}
        )
    prompt = await t.p.audio.prompt(catalogue.HOLD_PRESS_STAR)
    return hold_twiml(prompt, t.p.audio.music_url, 1, t.urls.hold(record.tid))


async def after_room(
    t: WarmTransfer, tid: str, refusal: Callable[[], str], offer: Callable[[str], Awaitable[str]]
) -> str:
    """The caller left the room by pressing * (or the room ended): what their call does next. ``refusal``:
    the apology and the fallback dial; ``offer``: the callback-offer step (``TransferSteps``)."""
    try:
        record = await t.p.store.get(tid)
    except STORE_DOWN:
        log.warning("transfer %s: the caller left the room while the store is down: fallback number", tid)
        return refusal()
    if record is None or record.status == "fallback" or getattr(record, "stranded", False):
        return refusal()
    if record.status in STILL_IN_ROOM:
        moved = await t.p.store.transition(tid, "callback_offered", expect=tuple(STILL_IN_ROOM), offer="busy")
        if moved is not None and record.status == "ringing" and record.agent_id:
            await _free_agent(t, record)
        record = moved or await t.p.store.get(tid) or record
    if record.status == "callback_offered":
        log.info("transfer %s: the caller left the hold room (star key): callback offer", tid)
        return await offer(tid)
    if t.cfg.after_call_url and record.connected_at:  # the talk with the agent is over: the survey
        return redirect_twiml(f"{t.cfg.after_call_url}?tid={tid}")
    return hang_up_twiml()


async def _free_agent(t: WarmTransfer, record: TransferRecord) -> None:
    """The agent being rung for a caller who left: free again, their ringing stopped (when REST allows)."""
    assert record.agent_id is not None
    await t.p.agents.release(record.agent_id, "available", transfer_id=record.tid)
    with contextlib.suppress(TwilioRestError):
        await t.cancel_agent_call(record.agent_call_sid, getattr(record, "agent_call_status", None))
