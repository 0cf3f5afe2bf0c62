"""The agents' JSON API (behind the console, usable on its own): ``/v1/agents``, ``/v1/queues``,
``/v1/callbacks``, ``/v1/transfers``, ``/v1/audit``. Every route needs ``Authorization: Bearer <agent token>``.

Roles: an agent sees and acts only on their own queues (another queue's transfer or callback is a 404, as
if it did not exist); a supervisor (``role: supervisor`` in the roster) sees every queue and the audit log
of transcript reads. Tokens cannot be guessed quickly: failed tokens per client IP share the console
login's brake (``AgentsDeps.limiter``), and every token has its own request rate.

Why Bearer tokens checked against sha256 hashes: the roster never holds a usable secret, and an agent
is identified by what they present, so "only your own status" is a comparison, not a lookup of who
claims to be whom. All state is in Redis (``AgentsDeps``), so any worker answers any request.
"""

import logging
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query
from pydantic import BaseModel, ConfigDict, Field

from telephony.agents import events as ev
from telephony.agents.audit import STREAM_ID, stream_id
from telephony.agents.dispatch import agent_available
from telephony.agents.events import ConsoleEvent
from telephony.agents.repo import StatusConflict
from telephony.agents.roster import Agent
from telephony.console.actions import callback_after, go_offline
from telephony.console.chat_api import chat_routes
from telephony.console.deps import (
    DEAD_CLAIM_S,
    AgentsDeps,
    DepsProvider,
    WrapUpClaim,
    bearer_agent,
    note_in_history,
    one_wrap_up,
)
from telephony.console.queues import queue_names, queue_view

log = logging.getLogger(__name__)


class StatusBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: Literal["available", "offline"]


class OutcomeBody(BaseModel):
    """An outcome: the console's keys ("resolved", "follow_up", …: ``console.view.DEFAULT_OUTCOMES``,
    shown with their Polish labels) or an integration's own code (shown as written)."""

    model_config = ConfigDict(extra="forbid")
    outcome: str = Field(..., min_length=1, max_length=200)


class WrapUpBody(OutcomeBody):
    note: str = Field("", max_length=1000)  # the agent's note, as the console's wrap-up form takes it


def build_agents_router(get_deps: DepsProvider) -> APIRouter:
    """The JSON API. ``get_deps`` resolves the AgentsDeps per request."""
    router = APIRouter(tags=["agents"])
    Deps = Annotated[AgentsDeps, Depends(get_deps)]
    Me = bearer_agent(get_deps)
    _agent_routes(router, Deps, Me)
    _queue_routes(router, Deps, Me)
    _callback_routes(router, Deps, Me)
    chat_routes(router, Deps, Me)  # /v1/chats/{transfer_id}/...
    return router


async def visible_callback(deps: AgentsDeps, me: Agent, callback_id: str) -> dict[str, Any]:
    """The callback, if ``me`` sees its queue; 404 otherwise (another queue's callbacks do not exist for them)."""
    record = await deps.callbacks.get(callback_id)
    if record is None or not me.sees(record.get("queue")):
        raise HTTPException(404, "callback not found")
    return record


async def audit_reads(deps: AgentsDeps, me: Agent, records: list[dict[str, Any]], kind: Any, via: str) -> None:
    """Record ``me`` reading the transcripts among ``records`` (each with ``id`` and maybe ``transcript``)."""
    for record in records:
        if record.get("transcript"):
            await deps.audit.record(me.id, kind, str(record["id"]), via)


async def change_status(deps: AgentsDeps, me: Agent, status: Literal["available", "offline"]) -> dict[str, Any]:
    """``me`` available or offline, told to the consoles; going available rings a waiting caller at once."""
    try:  # off duty hands back a chat offered to the agent or a phone ringing them, as in the console
        previous = await (go_offline(deps, me.id) if status == "offline" else deps.agents.set_status(me.id, status))
    except StatusConflict as exc:
        raise HTTPException(409, f"status cannot change while {exc.current}") from exc
    if previous is None:
        raise HTTPException(404, "agent not found")
    if status != "offline":  # (go_offline told the consoles)
        await deps.events.publish(ConsoleEvent(ev.AGENT_STATUS, me.id, None, {"status": status}))
    if status == "available" and previous != "available":
        await agent_available(deps.agents, me.id, deps.on_available)
    return {"id": me.id, "status": status, "previous": previous}


CLOSED_BY_LEAVING = (
    "this wrap-up was not recorded: the conversation was already closed by logging out (or going off duty) "
    "while this request was under way; its outcome is logged_out"
)


async def finish_wrap_up(deps: AgentsDeps, me: Agent, body: WrapUpBody) -> dict[str, Any]:
    """The outcome (and note) on the transfer and in history, a callback when one is due, then available;
    once, whatever number of the same request arrive at once (``one_wrap_up``: each waits for the one being
    written, then finds the agent available: 409). A claim still held after ``DEAD_CLAIM_S`` is taken over: it
    was a request Redis died under (its release lost), which kept the agent's retry once Redis was back at 409
    "another request is finishing it" for the claim's 30 s while the agent was still in wrap-up."""
    async with one_wrap_up(deps, me.id, wait_s=DEAD_CLAIM_S, take_over=True) as claim:
        return await _finish_wrap_up(deps, me, body, claim)


async def _finish_wrap_up(deps: AgentsDeps, me: Agent, body: WrapUpBody, claim: WrapUpClaim) -> dict[str, Any]:
    state = await deps.agents.get(me.id)
    if state is None or state.status != "wrap_up":
        raise HTTPException(409, "not in wrap-up")
    callback_id, note, status = None, body.note.strip(), "available"
    if state.last_transfer:
        fields = {"outcome": body.outcome, "wrap_up_note": note} if note else {"outcome": body.outcome}
        if not await claim.write(state.last_transfer, **fields):  # a logout slower to wait for took it over
            raise HTTPException(409, CLOSED_BY_LEAVING)
        await note_in_history(deps, state.last_transfer, me.id, body.outcome, note)
        if body.outcome == "callback":  # the console's "Trzeba oddzwonić": on the list, not forgotten
            callback_id = await callback_after(deps, state.last_transfer, note)
    if await deps.agents.finish_wrap_up(me.id):
        await deps.events.publish(ConsoleEvent(ev.AGENT_STATUS, me.id, state.last_transfer, {"status": status}))
        await agent_available(deps.agents, me.id, deps.on_available)
    elif not state.last_transfer:
        raise HTTPException(409, "not in wrap-up")
    else:  # the outcome is recorded, and the agent has left (logout, off duty) since: they stay where they went
        now = await deps.agents.get(me.id)
        status = now.status if now is not None else "offline"
    return {
        "id": me.id,
        "status": status,
        "transfer_id": state.last_transfer,
        "outcome": body.outcome,
        "note": note,
        "callback_id": callback_id,
    }


# No ``from __future__ import annotations`` in this module: FastAPI must see Deps/Me (locals of
# ``build_agents_router``) as evaluated annotations, not as strings it would look up in the module globals.


def _agent_routes(router: APIRouter, Deps: Any, Me: Any) -> None:
    """Who is on duty, the agent's own state and status, and the end of a wrap-up."""

    @router.get("/v1/agents")
    async def list_agents(deps: Deps, me: Me) -> dict[str, Any]:
        return {"me": me.id, "agents": [s.public() for s in await deps.agents.list()]}

    @router.get("/v1/agents/me")
    async def my_state(deps: Deps, me: Me) -> dict[str, Any]:
        state = await deps.agents.get(me.id)
        if state is None:
            raise HTTPException(404, "agent not found")
        current = state.reserved_for or state.last_transfer
        record = await deps.transfers.get(current) if current else None
        return {
            **state.public(),
            "reserved_for": state.reserved_for,
            "last_transfer": state.last_transfer,
            # what is on the agent's screen: a chat offered to them shows here (status ringing) until accepted
            "current": None if record is None else {**record.context(), "channel": record.channel},
        }

    @router.put("/v1/agents/{agent_id}/status")
    async def set_status(agent_id: str, body: StatusBody, deps: Deps, me: Me) -> dict[str, Any]:
        if agent_id != me.id:
            raise HTTPException(403, "an agent may change only their own status")
        return await change_status(deps, me, body.status)

    @router.post("/v1/agents/me/wrap-up")
    async def wrap_up(body: WrapUpBody, deps: Deps, me: Me) -> dict[str, Any]:
        return await finish_wrap_up(deps, me, body)


def _queue_routes(router: APIRouter, Deps: Any, Me: Any) -> None:
    """The queues the agent sees, one transfer's context (each read audited) and the audit log itself."""

    @router.get("/v1/queues")
    async def queues(deps: Deps, me: Me) -> dict[str, Any]:
        names = [q for q in await queue_names(deps) if me.sees(q)]
        return {"queues": [await queue_view(deps, q) for q in names]}

    @router.get("/v1/transfers/{transfer_id}")
    async def transfer(transfer_id: str, deps: Deps, me: Me) -> dict[str, Any]:
        record = await deps.transfers.get(transfer_id)
        if record is None or not me.sees(record.queue):
            raise HTTPException(404, "transfer not found")
        position = await deps.transfers.position(record.queue, record.tid)
        await deps.audit.record(me.id, "transfer", record.tid, "api")
        return {**record.context(), "position": position}

    @router.get("/v1/audit")
    async def audit(
        deps: Deps,
        me: Me,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
        agent: Annotated[str | None, Query(max_length=64)] = None,
        before: Annotated[str | None, Query(pattern=f"^{STREAM_ID.pattern}$")] = None,
    ) -> dict[str, Any]:
        """Who read which transcript, newest first: supervisors only. One request reads at most
        ``TranscriptAudit.scan_cap`` entries: ``older`` (a stream id) asks for the reads before these
        (``before=``), ``capped`` says the scan stopped there before ``limit`` were found."""
        if not me.supervisor:
            raise HTTPException(403, "the audit log is for supervisors")
        if before is not None and stream_id(before) is None:  # the form, but past 64 bits or 0-0: Redis refuses it
            raise HTTPException(422, "before: not a stream id the audit log can page back from")
        page = await deps.audit.page(limit, agent, before)
        return {"entries": page.entries, "older": page.older, "capped": page.capped}


def _callback_routes(router: APIRouter, Deps: Any, Me: Any) -> None:
    """The callback list and its claim / close / release."""

    @router.get("/v1/callbacks")
    async def callbacks(
        deps: Deps, me: Me, status: Annotated[Literal["pending", "claimed", "closed"], Query()] = "pending"
    ) -> dict[str, Any]:
        records = [r for r in await deps.callbacks.list(status) if me.sees(r.get("queue"))]
        await audit_reads(deps, me, records, "callback", "api")
        return {"callbacks": records}

    @router.post("/v1/callbacks/{callback_id}/claim")
    async def claim(callback_id: str, deps: Deps, me: Me) -> dict[str, Any]:
        await visible_callback(deps, me, callback_id)
        result = await deps.callbacks.claim(callback_id, me.id)
        if not result.won:
            _refused(result.reason, result.record)
        await deps.events.publish(ConsoleEvent(ev.CALLBACK_CLAIMED, None, None, {"id": callback_id, "by": me.id}))
        await audit_reads(deps, me, [result.record or {}], "callback", "api")
        return {"claimed": True, "callback": result.record}

    @router.post("/v1/callbacks/{callback_id}/close")
    async def close(callback_id: str, body: OutcomeBody, deps: Deps, me: Me) -> dict[str, Any]:
        await visible_callback(deps, me, callback_id)
        result = await deps.callbacks.close(callback_id, me.id, body.outcome)
        if not result.won:
            _refused(result.reason, result.record)
        await deps.events.publish(ConsoleEvent(ev.CALLBACK_CLOSED, None, None, {"id": callback_id, "by": me.id}))
        status = (result.record or {}).get("status")  # pending: a try nobody answered, back in the list
        return {"closed": status == "closed", "status": status, "callback": result.record}

    @router.post("/v1/callbacks/{callback_id}/release")
    async def release(callback_id: str, deps: Deps, me: Me) -> dict[str, Any]:
        """Back to the open list: the holder's own, or any a supervisor sees (one left claimed by someone)."""
        await visible_callback(deps, me, callback_id)
        result = await deps.callbacks.release(callback_id, me.id, anyone=me.supervisor)
        if not result.won:
            _refused(result.reason, result.record)
        await deps.events.publish(ConsoleEvent(ev.CALLBACK_RELEASED, None, None, {"id": callback_id, "by": me.id}))
        return {"released": True, "callback": result.record}


def _refused(reason: str, record: dict[str, Any] | None) -> None:
    if reason == "unknown" or record is None:
        raise HTTPException(404, "callback not found")
    detail = {"error": reason, "status": record.get("status"), "claimed_by": record.get("claimed_by")}
    raise HTTPException(409, detail)
