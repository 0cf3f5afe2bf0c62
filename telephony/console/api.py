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
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ConfigDict, Field
from redis.asyncio import Redis

from telephony.access.guard import admit, client_ip
from telephony.access.ratelimit import Limiter, Rules, limits_storage
from telephony.agents import events as ev
from telephony.agents.audit import TranscriptAudit
from telephony.agents.callbacks import CallbackBook, RedisCallbacks
from telephony.agents.dispatch import OnAvailable, agent_available
from telephony.agents.events import ConsoleEvent, EventBus
from telephony.agents.hours import DEFAULT_HOURS, DEFAULT_TZ, QueueHours
from telephony.agents.repo import AgentRepo, StatusConflict
from telephony.agents.roster import Agent
from telephony.agents.routing import count_serving
from telephony.agents.waits import HandlingStats, WaitModel, estimate_wait_s, wait_phrase
from telephony.chat.handoff import ChatHandoff
from telephony.console.chat_api import chat_routes
from telephony.history.store import HistoryStore
from telephony.transfer.store import TransferStore

log = logging.getLogger(__name__)


@dataclass
class AgentsDeps:
    """Everything the agents features share, built once per process over one Redis connection pool."""

    agents: AgentRepo
    transfers: TransferStore
    callbacks: CallbackBook
    events: EventBus
    stats: HandlingStats
    hours: QueueHours
    limiter: Limiter  # failed tokens per client IP (API and console login), requests per token
    audit: TranscriptAudit  # who read which transcript
    wait_model: WaitModel = field(default_factory=WaitModel)
    clock: Callable[[], float] = time.time
    # Rings waiting callers when an agent becomes available (``WarmTransfer.dispatch_queues``, given by
    # the composition root); None without the warm transfer. Used only through ``agent_available``.
    on_available: OnAvailable | None = None
    chat: ChatHandoff | None = None  # live chat hand-offs (the composition root adds it with the transfer)
    history: HistoryStore | None = None  # past conversations: wrap-up notes, the caller's earlier contacts


def build_agents_deps(
    redis: Redis,
    *,
    prefix: str = "infolinia:",
    hours: QueueHours | None = None,
    on_available: OnAvailable | None = None,
    clock: Callable[[], float] = time.time,
    transfer_ttl_s: int = 2 * 86400,
    callback_ttl_s: int = 30 * 86400,
    limiter: Limiter | None = None,
    audit_retention_s: int = 90 * 86400,
    replicas: int = 0,
    replica_wait_ms: int = 500,
) -> AgentsDeps:
    """The agents features over ``redis`` (``decode_responses=True``; the caller owns and closes it).
    Publishing the roster is a separate, awaited step: ``deps.agents.sync_roster(roster)``. The TTLs are
    the retention of transfer records and callback requests (``telephony.retention.policy``); ``limiter``:
    the gateway's (default: the default rules over this Redis); ``replicas``: how many replicas confirm a
    callback request before it counts as stored (``RedisCallbacks``)."""
    return AgentsDeps(
        agents=AgentRepo(redis, prefix=prefix, clock=clock),
        transfers=TransferStore(redis, prefix=prefix, clock=clock, ttl_s=transfer_ttl_s),
        callbacks=RedisCallbacks(
            redis, prefix=prefix, clock=clock, ttl_s=callback_ttl_s, replicas=replicas, replica_wait_ms=replica_wait_ms
        ),
        events=EventBus(redis, prefix=prefix),
        stats=HandlingStats(redis, prefix=prefix),
        hours=hours or QueueHours({}, DEFAULT_HOURS, DEFAULT_TZ),
        limiter=limiter or Limiter(limits_storage(redis, prefix), Rules()),
        audit=TranscriptAudit(redis, prefix=prefix, retention_s=audit_retention_s, clock=clock),
        clock=clock,
        on_available=on_available,
    )


# Resolves the process's AgentsDeps for a request, as a FastAPI dependency (it may itself take injected
# parameters): ``GatewayDeps.agents`` in the app (waits for start-up, 503 without Redis). Routers take it
# as a parameter, so whoever hosts them decides where the deps come from.
DepsProvider = Callable[..., Awaitable[AgentsDeps]]


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


async def note_in_history(deps: AgentsDeps, tid: str, agent_id: str, outcome: str, note: str = "") -> None:
    """The agent's wrap-up on the conversation's history (the transfer names its dialog session); best
    effort: the wrap-up itself is already stored on the transfer."""
    if deps.history is None:
        return
    try:
        record = await deps.transfers.get(tid)
        if record is not None and record.session_id:
            await deps.history.add_note(record.session_id, agent_id, outcome, note, record.queue)
    except Exception:
        log.exception("wrap-up of transfer %s not added to the history", tid)


async def queue_view(deps: AgentsDeps, queue: str) -> dict[str, Any]:
    """One queue: who waits (position, waited, estimate) and who serves it."""
    states = await deps.agents.list()
    available, staffed = count_serving([s.view() for s in states], queue)
    avg = await deps.stats.average(queue)
    records = await deps.transfers.records(await deps.transfers.waiting(queue))
    now = deps.clock()
    waiting = []
    for position, record in enumerate(records, start=1):
        estimate = (
            None if record.status == "ringing" else estimate_wait_s(position, available, staffed, avg, deps.wait_model)
        )
        waiting.append(
            {
                "transfer_id": record.tid,
                "channel": record.channel,
                "session_id": record.session_id,
                "position": position,
                "status": record.status,
                "priority": record.priority,
                "reason": record.reason,
                "waited_s": round(max(0.0, now - record.enqueued_at), 1),
                "estimate_s": None if estimate is None else round(estimate),
                "estimate_text": wait_phrase(estimate),
            }
        )
    hours = deps.hours.hours(queue)
    return {
        "queue": queue,
        "open": hours.is_open(_aware(now)),
        "available_agents": available,
        "staffed_agents": staffed,
        "avg_handling_s": None if avg is None else round(avg, 1),
        "waiting_count": len(waiting),
        "waiting_by_channel": {c: sum(1 for w in waiting if w["channel"] == c) for c in ("phone", "chat")},
        "waiting": waiting,
    }


def _aware(epoch: float) -> Any:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(epoch, UTC)


async def queue_names(deps: AgentsDeps) -> list[str]:
    names = set(await deps.transfers.queue_names()) | set(deps.hours.queues)
    for state in await deps.agents.list():
        names.update(state.agent.queues)
    return sorted(names)


def _agent_id(agent: Agent) -> str:
    return f"agent:{agent.id}"


def build_agents_router(get_deps: DepsProvider) -> APIRouter:
    """The JSON API. ``get_deps`` resolves the AgentsDeps per request."""
    bearer = HTTPBearer(auto_error=False)
    router = APIRouter(tags=["agents"])
    Deps = Annotated[AgentsDeps, Depends(get_deps)]

    async def current_agent(
        request: Request, deps: Deps, creds: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
    ) -> Agent:
        token = None if creds is None else creds.credentials
        agent = await admit(deps.limiter, client_ip(request), token, deps.agents.authenticate, _agent_id, "agent token")
        if agent is None:
            raise HTTPException(401, "a valid agent token is required", headers={"WWW-Authenticate": "Bearer"})
        return agent

    Me = Annotated[Agent, Depends(current_agent)]
    _routes(router, Deps, Me)
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


def _routes(router: APIRouter, Deps: Any, Me: Any) -> None:
    # No ``from __future__ import annotations`` in this module: FastAPI must see Deps/Me (locals here)
    # as evaluated annotations, not as strings it would look up in the module globals.
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
        try:
            previous = await deps.agents.set_status(me.id, body.status)
        except StatusConflict as exc:
            raise HTTPException(409, f"status cannot change while {exc.current}") from exc
        if previous is None:
            raise HTTPException(404, "agent not found")
        await deps.events.publish(ConsoleEvent(ev.AGENT_STATUS, me.id, None, {"status": body.status}))
        if body.status == "available" and previous != "available":
            await agent_available(deps.agents, me.id, deps.on_available)
        return {"id": me.id, "status": body.status, "previous": previous}

    @router.post("/v1/agents/me/wrap-up")
    async def wrap_up(body: WrapUpBody, deps: Deps, me: Me) -> dict[str, Any]:
        state = await deps.agents.get(me.id)
        if state is None or state.status != "wrap_up":
            raise HTTPException(409, "not in wrap-up")
        if state.last_transfer:
            note = body.note.strip()
            fields = {"outcome": body.outcome, "wrap_up_note": note} if note else {"outcome": body.outcome}
            await deps.transfers.update(state.last_transfer, **fields)
            await note_in_history(deps, state.last_transfer, me.id, body.outcome, note)
        if not await deps.agents.finish_wrap_up(me.id):
            raise HTTPException(409, "not in wrap-up")
        await deps.events.publish(ConsoleEvent(ev.AGENT_STATUS, me.id, state.last_transfer, {"status": "available"}))
        await agent_available(deps.agents, me.id, deps.on_available)
        return {
            "id": me.id,
            "status": "available",
            "transfer_id": state.last_transfer,
            "outcome": body.outcome,
            "note": body.note.strip(),
        }

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
        return {"closed": True, "callback": result.record}

    @router.get("/v1/audit")
    async def audit(
        deps: Deps,
        me: Me,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
        agent: Annotated[str | None, Query(max_length=64)] = None,
    ) -> dict[str, Any]:
        """Who read which transcript, newest first: supervisors only."""
        if not me.supervisor:
            raise HTTPException(403, "the audit log is for supervisors")
        return {"entries": await deps.audit.entries(limit, agent)}


def _refused(reason: str, record: dict[str, Any] | None) -> None:
    if reason == "unknown" or record is None:
        raise HTTPException(404, "callback not found")
    detail = {"error": reason, "status": record.get("status"), "claimed_by": record.get("claimed_by")}
    raise HTTPException(409, detail)
