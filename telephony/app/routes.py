"""The router table: every route the gateway serves, each role's router with the dependencies it takes."""

from __future__ import annotations

from functools import partial
from typing import Any

from fastapi import APIRouter, Depends, FastAPI

from telephony.access.guard import ApiGuard, DocsGuard, MetricsGuard
from telephony.app.build import Gateway
from telephony.app.deps import GatewayDeps
from telephony.app.site import build_docs_router
from telephony.call.deps import CallDeps
from telephony.chat.api import build_chat_router
from telephony.console.api import build_agents_router
from telephony.console.audit_page import build_audit_page
from telephony.console.history_pages import build_history_pages
from telephony.console.pages import build_console_router
from telephony.console.sessions import CookiePolicy
from telephony.console.view import ViewConfig
from telephony.console.web import ConsoleConfig, console_static_files
from telephony.history.api import build_history_router
from telephony.insights.dashboard import DashboardConfig, build_dashboard_router
from telephony.insights.flush import KpiFlush
from telephony.insights.rating import build_rating_router
from telephony.insights.stats_api import build_stats_router
from telephony.insights.survey import build_survey_router
from telephony.metrics import build_metrics_router
from telephony.playground.routes import STATIC_PATH as PLAYGROUND_STATIC
from telephony.playground.routes import build_playground_router, playground_static_files
from telephony.settings import Settings
from telephony.speaker.device_turn import DeviceThreads
from telephony.speaker.voice_turn import build_voice_turn_router
from telephony.twilio.deps import TwilioDeps
from telephony.twilio.routes import build_twilio_router
from telephony.twilio.status import STATUS_SPOOL_KIND, apply_status


def include_routes(app: FastAPI, gateway: Gateway, console: ConsoleConfig) -> None:
    """Every router of ``route_table`` with its guards, then the static files and the KPI flush. ``console``:
    ``console_config``'s, the same the outage page of the error replies uses."""
    deps = GatewayDeps(gateway)
    twilio = twilio_deps(gateway, deps)
    if gateway.recovery is not None:  # final statuses spooled while Redis was down are applied when it is back
        gateway.recovery.on(STATUS_SPOOL_KIND, partial(apply_status, twilio))
    for router, dependencies in route_table(app, gateway, deps, console, twilio):
        app.include_router(router, dependencies=dependencies)
    app.mount(console.static_path, console_static_files(), name="console-static")
    if gateway.kpis is not None:  # a request's KPI writes are in Redis before its response starts (unless stalled)
        health = gateway.recovery.health if gateway.recovery is not None else None
        app.add_middleware(KpiFlush, kpis=gateway.kpis, health=health)
    app.mount(PLAYGROUND_STATIC, playground_static_files(), name="playground-static")


def route_table(
    app: FastAPI, gateway: Gateway, deps: GatewayDeps, console: ConsoleConfig, twilio: TwilioDeps
) -> list[tuple[APIRouter, list[Any]]]:
    """THE router table: each role's router, in the order the app includes them, with what it requires."""
    settings = gateway.settings
    # What each route requires (README "Security"): an API key (open in development mode only), Twilio's
    # signature (checked in the Twilio routers), an agent token or session (agents API, console), the
    # metrics allow-list or token, an API key or a supervisor token for the API documentation.
    api_key = [Depends(ApiGuard(gateway.access, gateway.limiter))]
    docs_guard = DocsGuard(gateway.access, gateway.limiter, deps.is_supervisor)
    table: list[tuple[APIRouter, list[Any]]] = [
        (chat_router(gateway, deps), api_key),  # POST /v1/chat, GET /v1/chat/greeting, live chat with agents
        (build_voice_turn_router(deps.services, gateway.metrics, device_threads(gateway)), api_key),  # /v1/voice/turn
        (build_twilio_router(twilio), []),  # /twilio/voice, /twilio/status, WS /twilio/stream
        (build_agents_router(deps.agents), []),  # /v1/agents, /v1/queues, /v1/callbacks, /v1/transfers, /v1/audit
        # the console; an agent going available rings a waiting caller (AgentsDeps.on_available)
        (build_console_router(console, deps.agents), []),  # /agents
        (build_metrics_router(gateway.metrics), [Depends(MetricsGuard(gateway.access))]),  # GET /metrics
        (build_history_router(deps.agents, deps.history), []),  # /v1/history, /v1/gaps (agent tokens)
        (build_history_pages(console, deps.agents, deps.history), []),  # /agents/history, /agents/gaps
        (build_audit_page(console, deps.agents), []),  # /agents/audit: who read which transcript (supervisors)
        (build_docs_router(app), [Depends(docs_guard)]),  # /docs, /redoc, /openapi.json
        (dashboard_router(gateway, deps, console), []),  # GET /agents/dashboard (+ /events SSE), console session
        (build_stats_router(deps.agents, deps.kpis, settings.timezone), []),  # /v1/stats, /v1/stats/live (supervisor)
        (rating_router(gateway, deps), api_key),  # POST /v1/chat/{id}/rating
    ]
    if gateway.survey is not None:  # POST /twilio/survey, /twilio/survey/answer (signed by Twilio)
        table.append((build_survey_router(gateway.survey), []))
    # /playground: talk to the phone pipeline from a browser (the docs' guard; the socket takes the page's ticket)
    playground = build_playground_router(
        gateway.store, partial(_call_deps, deps), docs_guard, gateway.admission, brand=console.brand
    )
    table.append((playground, []))
    if gateway.transfer is not None and gateway.transfer.router is not None:
        table.append((gateway.transfer.router, []))  # /twilio/transfer/{tid}/..., /twilio/audio/{id}.wav
    return table


def dashboard_router(gateway: Gateway, deps: GatewayDeps, console: ConsoleConfig) -> APIRouter:
    """The supervisor's live dashboard: the console's session and brand, the gaps book's unanswered count."""
    settings = gateway.settings
    dashboard = DashboardConfig(
        cookie=console.cookie, session_ttl_s=console.session_ttl_s, timezone=settings.timezone, brand=console.brand
    )
    misses = gateway.history.gaps.book.unanswered if gateway.history is not None else None  # the dashboard's tile
    return build_dashboard_router(dashboard, deps.agents, deps.kpis, misses)


def chat_router(gateway: Gateway, deps: GatewayDeps) -> APIRouter:
    """POST /v1/chat, GET /v1/chat/greeting; live chat with agents: GET /v1/chat/{id}, .../events (SSE), .../end.
    A Redis that timed out a moment ago (``gateway.recovery.health``) answers a chat 503 at once."""
    health, locks = gateway.recovery.health if gateway.recovery is not None else None, gateway.locks
    return build_chat_router(
        deps.dialog, deps.live_chat, gateway.metrics, gateway.store, health, brand_of(gateway), locks
    )


def brand_of(gateway: Gateway) -> str | None:
    """The operator's name the chat's greeting gives (the one the phone greeting says); the console's pages
    and the dashboard name it too (``ConsoleConfig.brand``)."""
    return gateway.shop.brand.name if gateway.shop is not None else None


def console_config(settings: Settings, brand: str | None = None) -> ConsoleConfig:
    """The console's cookie, view, links and the operator's name (``brand_of``); no orders source (a clinic, an
    office): no order number on the history page."""
    return ConsoleConfig(
        cookie=CookiePolicy(secure=settings.public_url.startswith("https://")),
        view=ViewConfig(orders=bool(settings.orders_path or settings.orders_url or settings.kb_path is None)),
        public_url=settings.public_url,
        brand=brand,
    )


def device_threads(gateway: Gateway) -> DeviceThreads:
    """The devices' conversations this worker holds through a Redis failure: a session read or write waits as
    long as a call's (``INFOLINIA_CALL_SESSION_TIMEOUT_S``), and not at all while Redis timed out a moment ago
    (``gateway.recovery.health``, the chats' breaker); it is forgotten with the session TTL."""
    settings, health = gateway.settings, gateway.recovery.health if gateway.recovery is not None else None
    threads = DeviceThreads(
        gateway.metrics,
        settings.call_session_timeout_s,
        idle_s=settings.session_ttl_s,
        breaker=health,
        locks=gateway.locks,  # the chat's: one turn of a session at a time (a chat's id, too), across the workers
    )
    gateway.held.append(threads.kept)  # copies still pending are written once more when the gateway stops
    return threads


def rating_router(gateway: Gateway, deps: GatewayDeps) -> APIRouter:
    """Chat ratings: KPIs, and kept in the conversation's history when there is one."""
    return build_rating_router(
        deps.kpis,
        gateway.store,
        session_ttl_s=gateway.settings.session_ttl_s,
        agent_of=deps.chat_agent,
        on_rated=gateway.history.store.set_rating if gateway.history is not None else None,
    )


async def _call_deps(deps: GatewayDeps) -> CallDeps | None:
    """The phone pipeline's deps for the playground, once start-up built them (None: speech is off)."""
    return (await deps.gateway.services.get()).call_deps


def twilio_deps(gateway: Gateway, deps: GatewayDeps) -> TwilioDeps:
    """The Twilio endpoints' deps. The webhook answers from the first second (it needs only the store);
    the media stream runs ``deps.phone_call``, which waits for start-up."""
    settings = gateway.settings
    return TwilioDeps(
        public_url=settings.public_url,
        auth_token=settings.twilio_auth_token,
        fallback_number=settings.fallback_number,
        # a final status callback closes what the call left open (a callback offer the caller hung up on)
        on_call_ended=gateway.warm.call_ended if gateway.warm else None,
        store=gateway.store,
        run_call=deps.phone_call,  # THE way into a call (see deps.py)
        admission=gateway.admission,
        send_timeout_s=settings.stream_stall_s,  # Twilio not taking our audio: stalled the other way
        start_timeout_s=settings.stream_stall_s,  # a stream that never sends "start" is stalled from the first
        call_control=gateway.rest,  # ... and handed over through Twilio's REST API as a stalled call is
        on_event=gateway.metrics.edge_event,
        spool=gateway.recovery.spool if gateway.recovery else None,
        claims=gateway.webhooks,  # copies of one webhook get one answer on all the workers
    )
