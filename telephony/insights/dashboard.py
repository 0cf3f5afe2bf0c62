"""The supervisor dashboard: ``/agents/dashboard``, for agents with ``role: supervisor``, live over SSE.

Who: the console's login session (the same cookie as ``/agents``); anonymous -> the login page, an agent
without the supervisor role -> 403. What: ``board.py`` over the KPI store and the agents' state. Live:
``/agents/dashboard/events`` sends the re-rendered panels whenever a console event is published by any
worker (a caller queued, an agent's status...) and at least every ``refresh_s`` (the KPIs move with every
turn, which publishes nothing). The page works without JavaScript too (it is complete as served; a
``<noscript>`` refresh keeps a script-less wallboard current).
"""

# No ``from __future__ import annotations``: FastAPI must see the routes' Annotated dependencies.
import asyncio
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import FileResponse, RedirectResponse, Response, StreamingResponse
from fastapi.templating import Jinja2Templates

from telephony.agents.events import ConsoleEvent
from telephony.agents.fanout import Listener
from telephony.console.deps import AgentsDeps, DepsProvider
from telephony.console.sessions import ConsoleSessions, CookiePolicy
from telephony.console.sse import SSE_HEADERS
from telephony.console.web import SECURITY_HEADERS
from telephony.insights.board import MissCount, board, snapshot
from telephony.insights.kpis import KpiStore
from telephony.spool import STORE_DOWN

log = logging.getLogger(__name__)
HERE = Path(__file__).parent
STATIC = {"dashboard.css": "text/css", "dashboard.js": "text/javascript"}


@dataclass(frozen=True)
class DashboardConfig:
    cookie: CookiePolicy = field(default_factory=CookiePolicy)
    path: str = "/agents/dashboard"
    login_path: str = "/agents/login"
    session_ttl_s: int = 8 * 3600  # the console's (sessions are shared)
    refresh_s: float = 5.0
    timezone: str = "Europe/Warsaw"
    # The operator's name (the one the greeting says): a wallboard, or a supervisor with several operators'
    # tabs open, shows whose line the figures are; None: "Infolinia" alone.
    brand: str | None = None


def build_dashboard_router(
    config: DashboardConfig,
    get_deps: DepsProvider,
    get_kpis: Callable[[], Awaitable[KpiStore]],
    misses: MissCount | None = None,  # the unanswered questions today (None: no history kept)
) -> APIRouter:
    """The page, its SSE stream and its static files; what they do is ``_Dashboard``'s."""
    router = APIRouter(prefix=config.path, include_in_schema=False)
    dashboard = _Dashboard(config, Jinja2Templates(directory=HERE / "templates"), ZoneInfo(config.timezone), misses)
    Deps = Annotated[AgentsDeps, Depends(get_deps)]
    Kpis = Annotated[KpiStore, Depends(get_kpis)]

    @router.get("")
    async def page(request: Request, deps: Deps, kpis: Kpis) -> Response:
        return await dashboard.page(request, deps, kpis)

    @router.get("/events")
    async def events(request: Request, deps: Deps, kpis: Kpis) -> StreamingResponse:
        return await dashboard.events(request, deps, kpis)

    @router.get("/static/{name}")
    async def static(name: str) -> FileResponse:
        if name not in STATIC:
            raise HTTPException(404)
        return FileResponse(HERE / "static" / name, media_type=STATIC[name], headers={"Cache-Control": "no-cache"})

    return router


@dataclass(frozen=True)
class _Dashboard:
    """What the dashboard's routes do, apart from FastAPI's wiring: who is looking, and the rendered panels."""

    config: DashboardConfig
    templates: Jinja2Templates
    tz: ZoneInfo
    misses: MissCount | None = None

    def sessions(self, deps: AgentsDeps) -> ConsoleSessions:
        return ConsoleSessions(deps.agents.redis, prefix=deps.agents.prefix, ttl_s=self.config.session_ttl_s)

    async def supervisor(self, request: Request, deps: AgentsDeps) -> str | None:
        """The supervisor's id; None when nobody is logged in; 403 for an agent who is not one."""
        agent_id = await self.sessions(deps).resolve(request.cookies.get(self.config.cookie.name))
        state = None if agent_id is None else await deps.agents.get(agent_id)
        if state is None:
            return None
        if not state.agent.supervisor:
            raise HTTPException(403, "panel kierownika jest dostępny tylko dla roli supervisor")
        return agent_id

    def header(self) -> dict[str, str | None]:
        """What every rendering of the page needs: where its files are, whose line it is, and its time zone (the
        live clock's: the wallboard PC's own may be UTC while every other time shown is the line's)."""
        return {"path": self.config.path, "brand": self.config.brand, "tz": self.tz.key}

    async def panels(self, deps: AgentsDeps, kpis: KpiStore) -> str:
        return self.templates.get_template("dashboard_panels.html").render(
            board(await snapshot(deps, kpis, self.tz, self.misses))
        )

    async def page(self, request: Request, deps: AgentsDeps, kpis: KpiStore) -> Response:
        """The whole page; the login page for nobody, a page saying so (not JSON) for an agent."""
        try:
            me = await self.supervisor(request, deps)
        except HTTPException as exc:  # an agent who is not a supervisor: a page that says so, not JSON
            if exc.status_code != 403:
                raise
            agent = await self.sessions(deps).resolve(request.cookies.get(self.config.cookie.name))
            context = {"forbidden": True, **self.header(), "me": await _name(deps, agent)}
            response = self.templates.TemplateResponse(request, "dashboard.html", context, status_code=403)
            response.headers.update(SECURITY_HEADERS)
            return response
        if me is None:
            return RedirectResponse(self.config.login_path, status_code=303)
        context = {"panels": await self.panels(deps, kpis), **self.header(), "me": await _name(deps, me)}
        response = self.templates.TemplateResponse(request, "dashboard.html", context)
        response.headers.update(SECURITY_HEADERS)
        return response

    async def events(self, request: Request, deps: AgentsDeps, kpis: KpiStore) -> StreamingResponse:
        """The live panels while this login session lasts (401 without one)."""
        me, sid = await self.supervisor(request, deps), request.cookies.get(self.config.cookie.name)
        if me is None:
            raise HTTPException(401, "zaloguj się")

        async def still_valid() -> bool:  # logged out or expired: the stream ends
            return await self.sessions(deps).peek(sid) == me

        stream = _stream(deps, lambda: self.panels(deps, kpis), still_valid, self.config.refresh_s)
        return StreamingResponse(stream, media_type="text/event-stream", headers=SSE_HEADERS)


async def _stream(
    deps: AgentsDeps,
    render: Callable[[], Awaitable[str]],
    still_valid: Callable[[], Awaitable[bool]],
    refresh_s: float,
    reconnect_s: float = 1.0,
) -> AsyncIterator[str]:
    """Fresh panels on every console event and at least every ``refresh_s``; one line of JSON each. A Redis
    outage does not end it (an ended stream is reopened into 503s, and errors after the response started are
    stack traces in the log): comment lines meanwhile, then it subscribes again."""
    failures, opened = 0, False
    while True:
        try:
            async with deps.events.listen() as listener:
                if not opened:
                    opened = True
                    yield "retry: 3000\n: connected\n\n"
                failures = 0
                async for chunk in _panels(listener, render, still_valid, refresh_s):
                    yield chunk
                return
        except STORE_DOWN:
            failures += 1
            if failures == 1:
                log.warning("dashboard stream: Redis unavailable; kept open, subscribing again")
            yield ": store unavailable\n\n"
            await asyncio.sleep(min(reconnect_s * failures, refresh_s))


async def _panels(
    listener: Listener[ConsoleEvent],
    render: Callable[[], Awaitable[str]],
    still_valid: Callable[[], Awaitable[bool]],
    refresh_s: float,
) -> AsyncIterator[str]:
    """One listening's part of ``_stream``; returns when the session is gone (logged out, expired). Any event
    re-renders, ``RESYNC`` (this stream fell behind) too."""
    while await still_valid():
        try:
            html = await render()
        except Exception as exc:  # Redis away for a moment: say so, keep the stream
            log.warning("dashboard not refreshed: %r", exc)
            yield ": refresh failed\n\n"
        else:
            yield f"event: panels\ndata: {json.dumps({'html': html})}\n\n"
        await listener.get(refresh_s)


async def _name(deps: AgentsDeps, agent_id: str | None) -> str | None:
    """Who is logged in, as the console shows it: the roster's name ("Ewa Szef"), not the id."""
    state = None if agent_id is None else await deps.agents.get(agent_id)
    return agent_id if state is None else state.agent.name
