"""Reservations that never became a ring: an agent reserved for a caller who was never rung to her.

Why a lease by age: Redis dying between the reservation and the ring (or between a miss's move back to the queue
and the agent's release) left the agent busy for a caller never rung to her, so the only agent on duty was never
rung, the caller met the callback offer at the maximum wait, and she stayed busy until she logged out. Only a hold
tick can notice, and only by age; so the worker that reserved her checks it still holds her before ringing.
"""

from __future__ import annotations

import logging

from telephony.agents.repo import AgentRepo
from telephony.transfer.record import TransferRecord
from telephony.transfer.store import TransferStore

log = logging.getLogger(__name__)

# A reservation is followed by its ring in milliseconds, or a few seconds of redis-py retries in a failover: one
# this old for a caller still waiting was never followed (``free_stale``).
STALE_RESERVATION_S = 30.0


async def free_stale(agents: AgentRepo, record: TransferRecord, now: float) -> None:
    """Agents still reserved for this waiting caller ``STALE_RESERVATION_S`` after both the reservation and the
    caller's move back to the queue (``back_at``; a ring's reservation is as old as the ring, so a tick between a
    miss's move and its release freed her unblamed, and her missed ring never counted). Given back (not blamed,
    not forgotten as tried), and the tick's dispatch rings whoever is free."""
    if record.status != "waiting":
        return
    back_at = getattr(record, "back_at", None)
    since = back_at if isinstance(back_at, int | float) else 0.0
    for state in await agents.list():
        if state.reserved_for == record.tid and now - max(state.changed_at, since) > STALE_RESERVATION_S:
            log.warning("transfer %s: agent %s reserved for it but never rung; freed", record.tid, state.id)
            await agents.release(state.id, "available", transfer_id=record.tid, read_at=state.changed_at)


async def free_left_behind(agents: AgentRepo, tid: str) -> list[str]:
    """Agents still reserved for a transfer that left the queue for good (abandoned, offered the callback): given
    back, whatever the reservation's age; the ids freed. Why: only a waiting caller's hold tick frees a stale
    reservation (``free_stale``), so one whose caller hung up within ``STALE_RESERVATION_S`` (or met the callback
    offer, or got another agent) had no tick left to free it: the agent stayed busy until she logged out. A worker
    still about to ring her finds the caller gone and gives her back too (``AgentRinging._ring``)."""
    freed: list[str] = []
    for state in await agents.list():
        if state.reserved_for != tid:
            continue
        now = await agents.release(state.id, "available", transfer_id=tid, read_at=state.changed_at)
        if now is not None:
            log.warning("transfer %s: left the queue, agent %s still reserved for it; freed", tid, state.id)
        if now == "available":
            freed.append(state.id)
    return freed


async def still_reserved(agents: AgentRepo, store: TransferStore, tid: str, agent_id: str, now: float) -> bool:
    """Is ``agent_id`` still reserved for ``tid`` now that the transfer says it rings her? A worker slow between
    the reservation and here (a failover's retries) may find it freed by a tick (``free_stale``): rung anyway, her
    phone rang while she was free for any other caller. Then the caller waits again, and she may be rung afresh.
    Checked and held for the ring in one step (``TransferStore.ring_held``): a tick that read the reservation stale
    before and released it after a plain check freed her just before the dial."""
    if await store.ring_held(tid, agent_id, agents.key_of(agent_id), now):
        return True
    log.warning("transfer %s: agent %s's reservation was freed before her ring; not rung", tid, agent_id)
    if await store.transition(tid, "waiting", expect=("ringing",), agent_id=None, back_at=now):
        await store.forget_tried(tid, agent_id)
    return False
