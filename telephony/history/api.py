"""``GET /v1/gaps`` (supervisors): the KB gaps report; ``GET /v1/history`` (agents: their queues,
supervisors: all): past conversations by caller, order and date. ``Authorization: Bearer <agent token>``,
the same tokens, brake and roles as the agents API (``telephony/console/api.py``)."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, HTTPException, Query
from fastapi.responses import PlainTextResponse

from dialog.gaps import to_kb_yaml
from telephony.console.deps import AgentsDeps, DepsProvider, bearer_agent
from telephony.history.gaps import GapsReport
from telephony.history.store import HistoryStore
from telephony.history.when import BadDate, parse_when, period_start


@dataclass
class HistoryParts:
    """What the history routes use (Redis-backed; built by the composition root)."""

    gaps: GapsReport
    store: HistoryStore
    tz: str = "Europe/Warsaw"


HistoryProvider = Callable[..., Awaitable[HistoryParts]]


def build_history_router(get_agents: DepsProvider, get_history: HistoryProvider) -> APIRouter:
    """``/v1/history`` and ``/v1/gaps``. ``get_agents`` resolves the tokens (AgentsDeps), ``get_history`` the
    Redis-backed history and gaps report, both per request."""
    router = APIRouter(tags=["history"])
    Agents = Annotated[AgentsDeps, Depends(get_agents)]
    History = Annotated[HistoryParts, Depends(get_history)]
    Me = bearer_agent(get_agents)
    _history_route(router, History, Agents, Me)
    _gaps_route(router, History, Agents, Me)
    return router


# No ``from __future__ import annotations`` in this module: FastAPI must see History/Agents/Me (locals of
# ``build_history_router``) as evaluated annotations, not as strings it would look up in the module globals.


def _history_route(router: APIRouter, History: Any, Agents: Any, Me: Any) -> None:
    """``GET /v1/history``: agents their queues' conversations, supervisors all."""

    @router.get("/v1/history")
    async def history_search(
        history: History,
        agents: Agents,
        me: Me,
        caller: Annotated[str | None, Query(max_length=40)] = None,
        order: Annotated[str | None, Query(max_length=40)] = None,
        start: Annotated[str | None, Query(alias="from")] = None,
        end: Annotated[str | None, Query(alias="to")] = None,
        limit: Annotated[int, Query(ge=1, le=200)] = 50,
    ) -> dict[str, Any]:
        """Past conversations, newest first: an agent sees those handed to their queues, a supervisor all.
        Each transcript shown is recorded in the audit log, like a transfer's."""
        a, b = _range(start, end, history.tz)
        queues = None if me.supervisor else me.queues
        rows = await history.store.search(caller=caller, order=order, start=a, end=b, queues=queues, limit=limit)
        for row in rows:
            if row.get("transcript"):
                await agents.audit.record(me.id, "history", str(row["id"]), "api")
        return {"from": a, "to": b, "conversations": rows}


def _gaps_route(router: APIRouter, History: Any, Agents: Any, Me: Any) -> None:
    """``GET /v1/gaps``: the KB gaps report, for supervisors, as JSON or as KB YAML to paste."""

    @router.get("/v1/gaps", response_model=None)
    async def gaps(
        history: History,
        agents: Agents,
        me: Me,
        start: Annotated[str | None, Query(alias="from")] = None,
        end: Annotated[str | None, Query(alias="to")] = None,
        threshold: Annotated[float | None, Query(gt=0, lt=1)] = None,
        fmt: Annotated[str, Query(alias="format", pattern="^(json|yaml)$")] = "json",
        min_count: Annotated[int, Query(ge=1)] = 2,
    ) -> Any:
        """Questions the bot did not understand, grouped by meaning, largest group first. Without ``from``:
        the last 7 days, as the gaps page and ``infolinia gaps`` show (all time grouped would be slow and
        would not match the page a supervisor compares it with)."""
        if not me.supervisor:
            raise HTTPException(403, "the gaps report is for supervisors")
        a, b = _range(start, end, history.tz)
        a = a if a is not None else _default_start(end, b, agents.clock(), history.tz)
        groups, resolved = await history.gaps.gaps(a, b, threshold), await history.gaps.resolved(a, b)
        if fmt == "yaml":
            text = to_kb_yaml(groups, min_count=min_count, resolved=resolved)
            return PlainTextResponse(text, media_type="application/yaml")
        return {
            "from": a,
            "to": b,
            "misses": sum(g.count for g in groups),
            "gaps": [g.to_api() for g in groups],
            "resolved": [r.to_api() for r in resolved],  # wordings to add to existing entries' questions
        }


GAPS_DEFAULT_DAYS = 7


def _range(start: str | None, end: str | None, tz: str) -> tuple[float | None, float | None]:
    try:
        return parse_when(start, tz), parse_when(end, tz, end=True)
    except BadDate as exc:
        raise HTTPException(422, str(exc)) from exc


def _default_start(end: str | None, until: float | None, now: float, tz: str) -> float:
    """The gaps report's start without ``from``: a ``to`` that names a whole period (a day, a week, a month) is
    all of it, as in ``/v1/stats``; else the last 7 days before ``to`` (or now)."""
    start = period_start(end, ZoneInfo(tz))
    return start if start is not None else (until if until is not None else now) - GAPS_DEFAULT_DAYS * 86400
