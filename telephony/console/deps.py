"""What the agents features share (agents, transfers, callbacks, events, handling stats, hours, limiter,
audit, live chats, history), built once per process over one Redis connection pool, and how routers get it.

Why a module of its own: the agents' JSON API, the console pages, the supervisor's dashboard and the
history pages all take the same ``AgentsDeps`` through a ``DepsProvider``; none of them owns it.
"""

import asyncio
import logging
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from redis.asyncio import Redis

from telephony.access.guard import admit, client_ip
from telephony.access.ratelimit import Limiter, Rules, limits_storage
from telephony.agents.audit import TranscriptAudit
from telephony.agents.callbacks import DEFAULT_RETRIES, CallbackBook, Retries
from telephony.agents.callbacks_redis import RedisCallbacks
from telephony.agents.dispatch import OnAvailable
from telephony.agents.events import EventBus
from telephony.agents.hours import DEFAULT_HOURS, DEFAULT_TZ, QueueHours
from telephony.agents.presence import Presence
from telephony.agents.repo import AgentRepo
from telephony.agents.roster import Agent
from telephony.agents.waits import HandlingStats, WaitModel
from telephony.cancel_guard import give_back_anyway, honour_cancel
from telephony.chat.handoff import ChatHandoff
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
    presence: Presence  # agents with a live console here: put back when Redis comes back empty
    wait_model: WaitModel = field(default_factory=WaitModel)
    clock: Callable[[], float] = time.time
    # Rings waiting callers when an agent becomes available (``WarmTransfer.dispatch_queues``, given by
    # the composition root); None without the warm transfer. Used only through ``agent_available``.
    on_available: OnAvailable | None = None
    chat: ChatHandoff | None = None  # live chat hand-offs (the composition root adds it with the transfer)
    # Takes back a phone ring from an agent who went offline (``WarmTransfer.agent_left(tid, agent_id)``, given
    # by the composition root): the caller moves on at once instead of waiting out the ring's timeout.
    on_left: Callable[[str, str], Awaitable[object]] | None = None
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
    callback_retries: Retries = DEFAULT_RETRIES,
    recovery_grace_s: float = 30.0,
) -> AgentsDeps:
    """The agents features over ``redis`` (``decode_responses=True``; the caller owns and closes it).
    Publishing the roster is a separate, awaited step: ``deps.agents.sync_roster(roster)``. The TTLs are
    the retention of transfer records and callback requests (``telephony.retention.policy``); ``limiter``:
    the gateway's (default: the default rules over this Redis); ``replicas``: how many replicas confirm a
    callback request before it counts as stored (``RedisCallbacks``); ``callback_retries``: how often and
    how far apart a callback nobody answers is tried again; ``recovery_grace_s``: ``Presence.grace_s``."""
    agents = AgentRepo(redis, prefix=prefix, clock=clock)
    events = EventBus(redis, prefix=prefix)
    return AgentsDeps(
        agents=agents,
        transfers=TransferStore(redis, prefix=prefix, clock=clock, ttl_s=transfer_ttl_s),
        callbacks=_callback_book(redis, prefix, clock, callback_ttl_s, replicas, replica_wait_ms, callback_retries),
        events=events,
        stats=HandlingStats(redis, prefix=prefix),
        hours=hours or QueueHours({}, DEFAULT_HOURS, DEFAULT_TZ),
        limiter=limiter or Limiter(limits_storage(redis, prefix), Rules()),
        audit=TranscriptAudit(redis, prefix=prefix, retention_s=audit_retention_s, clock=clock),
        presence=Presence.of(agents, events, clock, recovery_grace_s),
        clock=clock,
        on_available=on_available,
    )


def _callback_book(
    redis: Redis,
    prefix: str,
    clock: Callable[[], float],
    ttl_s: int,
    replicas: int,
    replica_wait_ms: int,
    retries: Retries,
) -> CallbackBook:
    """The callback requests in Redis: their retention, replica confirmation and retry plan (the options
    ``build_agents_deps`` takes for them)."""
    return RedisCallbacks(
        redis,
        prefix=prefix,
        clock=clock,
        ttl_s=ttl_s,
        replicas=replicas,
        replica_wait_ms=replica_wait_ms,
        retries=retries,
    )


# Resolves the process's AgentsDeps for a request, as a FastAPI dependency (it may itself take injected
# parameters): ``GatewayDeps.agents`` in the app (waits for start-up, 503 without Redis). Routers take it
# as a parameter, so whoever hosts them decides where the deps come from.
DepsProvider = Callable[..., Awaitable[AgentsDeps]]


def agent_token_id(agent: Agent) -> str:
    """The name an agent token's request rate is counted under (never the token itself)."""
    return f"agent:{agent.id}"


async def admit_agent(deps: AgentsDeps, ip: str, token: str | None) -> Agent | None:
    """The agent whose token this is (None without one) through the gateway's guard (``access.guard.admit``):
    a wrong token is a failed attempt of ``ip`` (401), a spent brake or token rate a 429. The JSON APIs and
    the console login all go through here, so guessing is braked the same wherever it is tried."""
    return await admit(deps.limiter, ip, token, deps.agents.authenticate, agent_token_id, "agent token")


def bearer_agent(get_deps: DepsProvider) -> Any:
    """``Annotated[Agent, Depends(...)]`` for a route parameter: the agent presenting ``Authorization: Bearer
    <agent token>`` (``admit_agent``), or 401. One dependency for the agents, history and stats APIs, which
    each wrote the same check; ``get_deps`` is the router's provider, so the type is built per router."""
    bearer = HTTPBearer(auto_error=False)

    async def current_agent(
        request: Request,
        deps: Annotated[AgentsDeps, Depends(get_deps)],
        creds: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    ) -> Agent:
        agent = await admit_agent(deps, client_ip(request), None if creds is None else creds.credentials)
        if agent is None:
            raise HTTPException(401, "a valid agent token is required", headers={"WWW-Authenticate": "Bearer"})
        return agent

    return Annotated[Agent, Depends(current_agent)]


async def note_in_history(deps: AgentsDeps, tid: str, agent_id: str, outcome: str, note: str = "") -> None:
    """The agent's wrap-up on the conversation's history (the transfer names its dialog session); best
    effort: the wrap-up itself is already stored on the transfer."""
    if deps.history is None:
        return
    try:
        record = await deps.transfers.get(tid)
        if record is not None and record.session_id:
            await deps.history.add_note(record.session_id, agent_id, outcome, note, record.queue, transfer_id=tid)
    except Exception:
        log.exception("wrap-up of transfer %s not added to the history", tid)


WRAP_UP_HOLD_S = 30  # a wrap-up request that died holding the claim frees it after this long
# A wrap-up is written in milliseconds: a claim held longer than this is a dead request's (Redis died under it, so
# its release never reached Redis), or one hopelessly slow. Whoever waited that long takes it over (``one_wrap_up``).
DEAD_CLAIM_S = 5.0
_WAIT_STEP_S = 0.05


@dataclass(frozen=True)
class WrapUpClaim:
    """The outcome of one wrap-up request: true when it holds the claim, and ``write`` writes the outcome only
    while it still does (a leaving request that waited for it in vain takes it over: ``one_wrap_up``)."""

    transfers: TransferStore
    key: str
    token: str
    held: bool

    def __bool__(self) -> bool:
        return self.held

    async def write(self, tid: str, **fields: Any) -> bool:
        """The wrap-up's fields on the transfer, in one step with the check that the claim is still this one's;
        False (nothing written) when it was taken over: the logout's ``logged_out`` stands, alone."""
        return await self.transfers.update_held(tid, self.key, self.token, **fields)

    async def still_held(self) -> bool:
        """Is the claim still this request's? Asked before each write after the outcome (the history note, the
        callback, the agent made available), which ``write``'s one-step check does not cover: a request stalled
        past ``DEAD_CLAIM_S`` after its outcome wrote its note over the one of the request that took over."""
        return await self.transfers.holds(self.key, self.token)


@asynccontextmanager
async def one_wrap_up(
    deps: AgentsDeps, agent_id: str, wait_s: float = 0.0, take_over: bool = False
) -> AsyncIterator[WrapUpClaim]:
    """Held by the one request that may finish ``agent_id``'s wrap-up now, from before their status is read
    until it is done. Ten identical wrap-ups sent at once over the API were each answered 200 and each
    recorded the outcome and a history note (two notes kept, the rest lost to each other) and made the agent
    available again (the fifth hostile probe): the status change could not tell them apart. Leaving (logout,
    off duty) takes it too, waiting up to ``wait_s`` for a wrap-up being written: it also ends the wrap-up.

    The claim is this request's token: released by compare-and-delete, so a request slower than
    ``WRAP_UP_HOLD_S`` does not free the claim the next request took after it lapsed (a review). Leaving
    (``take_over``) takes the claim after ``wait_s`` even from a live request slower than that: the request
    then writes nothing (``WrapUpClaim.write``), where it wrote its outcome over the logout's (a later review)."""
    key, token = f"wrap-up:{agent_id}", uuid.uuid4().hex
    if not await _take(deps.transfers, key, token, time.monotonic() + wait_s, take_over):
        yield WrapUpClaim(deps.transfers, key, token, held=False)
        return
    try:
        yield WrapUpClaim(deps.transfers, key, token, held=True)
    finally:  # through a cancel scope's cancel too: a plain await there held the next wrap-up off for the TTL
        await give_back_anyway(deps.transfers.let_go(key, token), f"wrap-up claim {key}")


async def _take(transfers: TransferStore, key: str, token: str, deadline: float, take_over: bool) -> bool:
    """Hold the claim (polling until ``deadline``, then taking it over when ``take_over``); False when not.
    A request dropped meanwhile stops polling even when redis-py lost its cancel, and gives back what its last
    try may have taken (``telephony/cancel_guard.py``): a dropped logout took the claim for nobody and logged
    the agent out, and a take that ran as its cancel came held the agent's next wrap-up off for the TTL."""
    try:
        while not await honour_cancel(transfers.hold(key, token, WRAP_UP_HOLD_S)):
            if time.monotonic() >= deadline:
                if not take_over:
                    return False
                await honour_cancel(transfers.take_over(key, token, WRAP_UP_HOLD_S))
                return True
            await asyncio.sleep(_WAIT_STEP_S)
    except asyncio.CancelledError:
        await give_back_anyway(transfers.let_go(key, token), f"wrap-up claim {key}")
        raise
    return True
