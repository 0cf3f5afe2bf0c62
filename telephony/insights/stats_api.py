"""``GET /v1/stats`` (KPIs over a period) and ``GET /v1/stats/live``: supervisors only.

Who: ``Authorization: Bearer <agent token>`` of an agent with ``role: supervisor`` in the roster (an
agent's token is a 403, none or a wrong one a 401, through the same brake as the agents API).
``from``/``to``: ISO 8601 dates or date-times (naive ones in the gateway's time zone); default: today
so far. ``channel``: one of phone, chat, speaker (default: all three).
"""

# No ``from __future__ import annotations``: FastAPI must see the routes' Annotated dependencies.
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from telephony.access.guard import admit, client_ip
from telephony.agents.roster import Agent
from telephony.console.deps import AgentsDeps, DepsProvider
from telephony.insights.buckets import CHANNELS
from telephony.insights.kpis import KpiStore
from telephony.insights.stats import day_start, live_state, parse_instant, period_stats

KpisProvider = Callable[[], Awaitable[KpiStore]]


def supervisor_dependency(get_deps: DepsProvider) -> Callable[..., Awaitable[Agent]]:
    """A FastAPI dependency: the supervisor presenting the bearer token, or 401/403."""
    bearer = HTTPBearer(auto_error=False)

    async def supervisor(
        request: Request,
        deps: Annotated[AgentsDeps, Depends(get_deps)],
        creds: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    ) -> Agent:
        token = None if creds is None else creds.credentials
        agent = await admit(
            deps.limiter, client_ip(request), token, deps.agents.authenticate, lambda a: f"agent:{a.id}", "agent token"
        )
        if agent is None:
            raise HTTPException(401, "a valid agent token is required", headers={"WWW-Authenticate": "Bearer"})
        if not agent.supervisor:
            raise HTTPException(403, "the statistics are for supervisors")
        return agent

    return supervisor


def build_stats_router(get_deps: DepsProvider, get_kpis: KpisProvider, timezone: str = "Europe/Warsaw") -> APIRouter:
    router = APIRouter(tags=["insights"])
    tz = ZoneInfo(timezone)
    Supervisor = Annotated[Agent, Depends(supervisor_dependency(get_deps))]
    Kpis = Annotated[KpiStore, Depends(get_kpis)]

    @router.get("/v1/stats")
    async def stats(
        _: Supervisor,
        kpis: Kpis,
        start: Annotated[str | None, Query(alias="from", max_length=40)] = None,
        end: Annotated[str | None, Query(alias="to", max_length=40)] = None,
        channel: Literal["phone", "chat", "speaker"] | None = None,
    ) -> dict[str, Any]:
        now = kpis.clock()
        try:
            until = parse_instant(end, now, tz, end=True)
            since = parse_instant(start, day_start(until, tz), tz)
        except ValueError as exc:
            raise HTTPException(422, f"from/to must be ISO 8601 dates or date-times: {exc}") from exc
        if since > until:
            raise HTTPException(422, "from is after to")
        return await period_stats(kpis, since, until, (channel,) if channel else CHANNELS)

    @router.get("/v1/stats/live")
    async def live(_: Supervisor, kpis: Kpis, deps: Annotated[AgentsDeps, Depends(get_deps)]) -> dict[str, Any]:
        return {"in_progress": await kpis.in_progress()} | await live_state(deps)

    return router
