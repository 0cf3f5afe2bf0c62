"""The FastAPI gateway: ``create_app`` = the composition root (``build_gateway``) + the router table +
start-up in the background (``Gateway.start``), so ``/healthz`` answers at once and ``/readyz`` reports
ready only when the models are loaded."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from dialog import catalogue
from telephony.access.guard import TooMany
from telephony.app.body_limit import BodyLimit
from telephony.app.build import Gateway, build_gateway
from telephony.app.guards import unencodable_text, validation_error
from telephony.app.routes import brand_of, console_config, include_routes
from telephony.app.services import Services
from telephony.app.site import SiteStatus, build_landing_router, mount_site_assets
from telephony.chat.session_lease import SessionBusy
from telephony.console.outage import outage_page, wants_page
from telephony.console.web import ConsoleConfig
from telephony.settings import Settings
from telephony.spool import STORE_DOWN, StoreDown
from telephony.tasks import stop_task

log = logging.getLogger(__name__)


def create_app(settings: Settings, services: Services | None = None) -> FastAPI:
    """Build the gateway from ``settings``. ``services`` may be injected (tests); else start-up builds them."""
    return gateway_app(build_gateway(settings), services)


def gateway_app(gateway: Gateway, services: Services | None = None) -> FastAPI:
    """The app serving ``gateway`` (built by ``build_gateway``); start-up runs as a background task."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Models load in the background so /healthz answers at once; /readyz and the routes wait.
        start = asyncio.create_task(gateway.start(services))
        # Redis outages: replay the spool and restore the roster when it is back (telephony/app/recovery.py)
        watch = asyncio.create_task(gateway.recovery.run()) if gateway.recovery is not None else None
        try:
            yield
        finally:
            await stop_task(start, log_error=False)  # a failed start-up was logged already (Gateway.start)
            if watch is not None:
                await stop_task(watch)
            await gateway.close()

    # No public /docs, /redoc, /openapi.json: the router table serves them (site.py) behind a guard.
    app = FastAPI(
        title="infolinia", version="0.1.0", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None
    )
    app.add_middleware(BodyLimit, body_s=gateway.settings.body_read_s)  # before any route buffers a body
    console = console_config(gateway.settings, brand_of(gateway))
    add_error_replies(app, console)
    app.state.gateway = gateway  # for inspection (tests, tools); nothing in the gateway reads it back

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        """Alive: answers as soon as the process serves HTTP."""
        return {"status": "ok"}

    @app.get("/readyz")
    async def readyz() -> JSONResponse:
        """Ready: models loaded (when speech is on) and the store reachable."""
        return await readiness(gateway)

    include_routes(app, gateway, console)
    app.include_router(build_landing_router(lambda: site_status(gateway)))  # / (the docs: routes.py)
    mount_site_assets(app)
    return app


def add_error_replies(app: FastAPI, console: ConsoleConfig | None = None) -> None:
    """Errors a request or a Redis outage causes get their own answer (422, 429, 503), not a bare 500.
    ``console``: where the console lives and whose it is, for the outage page a browser gets."""
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(UnicodeEncodeError, unencodable_text)  # a lone surrogate a lenient model let in
    app.add_exception_handler(TooMany, rate_limited)  # 429: Retry-After and a Polish reply, like the 503
    app.add_exception_handler(SessionBusy, session_busy)  # another worker's turn of the session: send again
    for error in (RedisConnectionError, RedisTimeoutError, StoreDown):  # Redis down: "try again", never a 500
        app.add_exception_handler(error, partial(store_unavailable, console=console))


async def readiness_checks(gateway: Gateway) -> dict[str, bool]:
    svc = gateway.services.value
    checks: dict[str, bool] = {"services": svc is not None}
    if svc is not None:
        checks["store"] = await _ping(gateway)
        checks["accepting"] = not gateway.admission.draining
        if gateway.settings.speech:
            checks["models"] = svc.recognizer is not None and svc.synthesizer is not None
        if checks["store"] and gateway.transfer is not None:
            checks["roster"] = await _roster_present(gateway)
    return checks


async def readiness(gateway: Gateway) -> JSONResponse:
    """Ready, with what is degraded: ``store`` (Redis down: calls go on in memory and end at the fallback
    number, callback requests are spooled), ``spool`` (requests waiting to be stored), ``roster`` (agents
    missing from Redis: they would get 401), ``twilio_rest`` (unreachable a moment ago)."""
    checks = await readiness_checks(gateway)
    degraded: list[str] = []
    if not checks.get("store", True):
        degraded.append("store")
    if gateway.recovery is not None and gateway.recovery.spool.pending():
        degraded.append("spool")
    if not checks.get("roster", True):
        degraded.append("roster")
    if not gateway.rest.reachable:
        degraded.append("twilio_rest")
    ok = all(checks.values())
    body: dict[str, object] = {"ready": ok, "checks": checks, "degraded": degraded}
    if (failure := gateway.services.failure) is not None:
        body["startup_error"] = failure  # a bad KB file, a missing model: what to fix, not only "false"
    return JSONResponse(body, status_code=200 if ok else 503)


async def _roster_present(gateway: Gateway) -> bool:
    transfer = gateway.transfer
    if transfer is None or not transfer.roster:
        return True
    try:
        return {s.id for s in await transfer.agents.agents.list()} >= {a.id for a in transfer.roster}
    except STORE_DOWN:
        return False


async def site_status(gateway: Gateway) -> SiteStatus:
    """What the landing page shows: readiness in words and which features this configuration has."""
    checks = await readiness_checks(gateway)
    if gateway.services.failed:
        state = "failed"
    elif gateway.admission.draining:
        state = "draining"
    elif gateway.services.value is None:
        state = "starting"
    else:
        state = "ready" if all(checks.values()) else "degraded"
    shop, speech = gateway.shop, gateway.settings.speech  # speech off: no call answered, whatever the token
    return SiteStatus(
        state=state,
        brand=shop.brand.name if shop else None,
        phone=speech and bool(gateway.settings.twilio_auth_token),  # the token alone said "włączone"
        transfers=speech and gateway.warm is not None,
        console=gateway.transfer is not None,
        demo_data=bool(shop and shop.demo_kb),
        checks=checks,
        speech=speech,
        token=bool(gateway.settings.twilio_auth_token),
    )


async def _ping(gateway: Gateway) -> bool:
    try:
        return bool(await gateway.store.ping())
    except Exception:  # a down Redis is a "not ready", not a crash
        log.warning("store ping failed", exc_info=True)
        return False


async def store_unavailable(request: Request, exc: Exception, console: ConsoleConfig | None = None) -> Response:
    """Redis is down (or its pool stayed full past the wait): 503 with a retry hint, never a 500. A browser
    opening a console page gets a Polish page that retries by itself; everything else the JSON below."""
    log.warning("%s %s: store unavailable: %r", request.method, request.url.path, exc)
    if wants_page(request, console):
        return outage_page(request, console)
    detail = str(exc) if isinstance(exc, StoreDown) else "state store unavailable, try again shortly"
    body = {"detail": detail, "reply": catalogue.STORE_DOWN_REPLY}  # "reply": what a chat widget shows
    return JSONResponse(body, 503, {"Retry-After": "5"})


async def session_busy(request: Request, exc: Exception) -> JSONResponse:
    """A chat message whose session another worker's turn held past ``INFOLINIA_SESSION_LEASE_WAIT_S``
    (``telephony/chat/session_lease.py``): 503 with ``Retry-After`` and the Polish ``reply``. The message was not
    taken (answering it from the session the other turn is about to overwrite would lose one of the two), and
    the customer is told to send it again, never left to think it was read."""
    log.warning("%s %s: session busy: %s", request.method, request.url.path, exc)
    body = {"detail": str(exc), "reply": catalogue.SESSION_BUSY_REPLY}
    return JSONResponse(body, 503, {"Retry-After": "2"})


async def rate_limited(request: Request, exc: Exception) -> JSONResponse:
    """A rate limit or the failed-credential brake: 429 with ``Retry-After`` and the Polish ``reply`` that a
    chat widget shows (the bare ``detail`` left the customer with an English sentence or nothing)."""
    assert isinstance(exc, TooMany)
    body = {"detail": exc.detail, "reply": catalogue.RATE_LIMITED_REPLY if exc.reply is None else exc.reply}
    return JSONResponse(body, exc.status_code, exc.headers)
