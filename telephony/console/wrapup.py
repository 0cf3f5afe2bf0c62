"""Ending a wrap-up: the one path that the console's form (``actions.wrap_up``) and the JSON API's
``POST /v1/agents/me/wrap-up`` (``api.finish_wrap_up``) both take; each only words the result its own way.

Why one: the two were near-copies, and each fix of one (the claim, the take-over by a logout, the callback
a „Trzeba oddzwonić” books) had to be made again in the other; the API's also skipped the presence note the
console's made, so a Redis lost right after an API wrap-up put the agent back in wrap-up, not available.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from telephony.agents import events as ev
from telephony.agents.callbacks import callback_from_transfer, iso_now
from telephony.agents.caller_id import dialable
from telephony.agents.dispatch import OnAvailable, agent_available
from telephony.agents.events import ConsoleEvent
from telephony.console.deps import DEAD_CLAIM_S, AgentsDeps, WrapUpClaim, note_in_history, one_wrap_up

# claimed: another request is finishing it; not_in_wrap_up: nothing to finish; closed_by_leaving: a logout
# (or off duty) slower to wait for took the claim over and wrote ``logged_out``: this outcome was not written
Refusal = Literal["claimed", "not_in_wrap_up", "closed_by_leaving"]


@dataclass(frozen=True)
class WrapUpEnd:
    """What ending a wrap-up did. ``refused``: nothing written. Else the outcome is on ``transfer_id`` (None: a
    wrap-up with no conversation named) and ``available`` says whether the agent went wrap_up -> available
    (False: they left since, logout or off duty, and stay where they went; the outcome written stays)."""

    refused: Refusal | None = None
    transfer_id: str | None = None
    available: bool = False
    callback_id: str | None = None  # the callback a "callback" outcome put on the list (None: no number to call)


async def became_available(deps: AgentsDeps, agent_id: str, on_available: OnAvailable | None) -> None:
    """Ring a waiting caller at once (``agent_dispatch.agent_available``); a hook given to the console
    overrides the deps' own (``AgentsDeps.on_available``). The presence notes the new status now: a Redis
    that loses it a moment later gets it back as it is (``Presence``)."""
    await agent_available(deps.agents, agent_id, on_available or deps.on_available)
    await deps.presence.note()


async def finish_wrap_up(
    deps: AgentsDeps, agent_id: str, outcome: str, note: str, on_available: OnAvailable | None = None
) -> WrapUpEnd:
    """The outcome (and note, already stripped) on the transfer and in history, a callback when the outcome is
    "callback", then wrap_up -> available; once, however many of the same request arrive at once
    (``one_wrap_up``). The outcome is the caller's to check (the console takes only its list's keys, the API
    an integration's own codes too)."""
    async with one_wrap_up(deps, agent_id, wait_s=DEAD_CLAIM_S, take_over=True) as claim:  # a dead request's claim too
        if not claim:
            return WrapUpEnd(refused="claimed")
        return await _finish(deps, claim, agent_id, (outcome, note), on_available)


async def _finish(
    deps: AgentsDeps, claim: WrapUpClaim, agent_id: str, chosen: tuple[str, str], on_available: OnAvailable | None
) -> WrapUpEnd:
    outcome, note = chosen
    state = await deps.agents.get(agent_id)
    if state is None or state.status != "wrap_up":
        return WrapUpEnd(refused="not_in_wrap_up")
    tid, callback_id = state.last_transfer, None
    if tid:
        fields = {"outcome": outcome, "wrap_up_note": note} if note else {"outcome": outcome}
        if not await claim.write(tid, **fields):  # a logout slower to wait for took it over
            return WrapUpEnd(refused="closed_by_leaving", transfer_id=tid)
        if not await claim.still_held():  # stalled past DEAD_CLAIM_S: the request that took over writes it all
            return WrapUpEnd(refused="claimed", transfer_id=tid)
        await note_in_history(deps, tid, agent_id, outcome, note)
        if outcome == "callback" and await claim.still_held():  # "Trzeba oddzwonić": on the list, not forgotten
            callback_id = await callback_after(deps, tid, note)
    if not await claim.still_held():
        return WrapUpEnd(refused="claimed", transfer_id=tid, callback_id=callback_id)
    if not await deps.agents.finish_wrap_up(agent_id):  # left since (logout, off duty): an outcome written stays
        return WrapUpEnd(refused=None if tid else "not_in_wrap_up", transfer_id=tid, callback_id=callback_id)
    await deps.events.publish(ConsoleEvent(ev.AGENT_STATUS, agent_id, tid, {"status": "available"}))
    await became_available(deps, agent_id, on_available)
    return WrapUpEnd(transfer_id=tid, available=True, callback_id=callback_id)


async def callback_after(deps: AgentsDeps, tid: str, note: str) -> str | None:
    """ "Trzeba oddzwonić" as the outcome puts a callback on the queue's list (the caller's number, summary,
    transcript and the agent's note): a promise to call back that nobody writes down is forgotten. None:
    no number to call (a chat, a withheld number: ``dialable``), the agent is told so."""
    record = await deps.transfers.get(tid)
    if record is None or dialable(record.caller) is None:
        return None
    data = callback_from_transfer(record, callback_id=f"wu-{tid}", created_at=iso_now(deps.clock))
    if note:
        data["summary"] = f"{data['summary']} Notatka konsultanta: {note}"
    await deps.callbacks.add({**data, "requested": "agent"})
    event = {"callback_id": data["id"], "queue": record.queue}
    await deps.events.publish(ConsoleEvent(ev.TRANSFER_CALLBACK, None, tid, event))
    return str(data["id"])
