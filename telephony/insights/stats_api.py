"""``GET /v1/stats`` (KPIs over a period) and ``GET /v1/stats/live``: supervisors only.

Who: ``Authorization: Bearer <agent token>`` of an agent with ``role: supervisor`` in the roster (an
agent's token is a 403, none or a wrong one a 401, through the same brake as the agents API).
``from``/``to``: ISO 8601 dates, weeks (2026-W49), months (2026-12) or date-times (naive ones in the gateway's
time zone) on whole hours, ``to`` exclusive (a bare date, week or month as ``to``: up to the end of it); default:
today so far.
``channel``: one of phone, chat, speaker (default: all three).
"""

# No ``from __future__ import annotations``: FastAPI must see the routes' Annotated dependencies.
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, HTTPException, Query

from telephony.agents.roster import Agent
from telephony.console.deps import AgentsDeps, DepsProvider, bearer_agent
from telephony.history.when import day_start, period_start
from telephony.insights.buckets import CHANNELS, on_the_hour
from telephony.insights.kpis import KpiStore
from telephony.insights.stats import live_state, parse_instant, period_stats

KpisProvider = Callable[[], Awaitable[KpiStore]]


def supervisor_dependency(get_deps: DepsProvider) -> Callable[..., Awaitable[Agent]]:
    """A FastAPI dependency: the supervisor presenting the bearer token (``bearer_agent``: 401 without a
    valid one), or 403 for an agent who is not one."""
    return _only_supervisors(bearer_agent(get_deps))


def _only_supervisors(Me: Any) -> Callable[..., Awaitable[Agent]]:
    async def supervisor(agent: Me) -> Agent:
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
        since, until = _period(start, end, kpis.clock(), tz)
        return await period_stats(kpis, since, until, (channel,) if channel else CHANNELS)

    @router.get("/v1/stats/live")
    async def live(_: Supervisor, kpis: Kpis, deps: Annotated[AgentsDeps, Depends(get_deps)]) -> dict[str, Any]:
        return {"in_progress": await kpis.in_progress()} | await live_state(deps)

    return router


def _period(start: str | None, end: str | None, now: float, tz: ZoneInfo) -> tuple[float, float]:
    """``from``/``to`` as epochs, ``to`` exclusive; 422 for a bound inside an hour. Why refuse rather than
    round: the counts are hourly buckets, so 22:24-22:25 can only be answered as 22:00-23:00, and a reply
    echoing the asked range over a whole hour's figures reads as exact when it is not."""
    try:
        until = parse_instant(end, now, tz, end=True)
        since = parse_instant(start, period_start(end, tz) or day_start(until - 1, tz), tz)
    except ValueError as exc:
        raise HTTPException(422, f"from/to must be ISO 8601 dates or date-times: {exc}") from exc
    for name, text, moment in (("from", start, since), ("to", end, until)):
        if text and not on_the_hour(moment):
            raise HTTPException(422, f"{name} must be a whole hour (e.g. 22:00): the figures are counted per hour")
    if since >= until:
        raise HTTPException(422, "from must be before to")
    return since, until
