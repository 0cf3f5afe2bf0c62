"""The FastAPI gateway: one app factory, settings injected, services built once in the lifespan."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from dialog.ports import KeyValueStore
from telephony.app.guards import BodyLimit, validation_error
from telephony.app.phone import build_phone_router
from telephony.app.services import Services, build_services, build_store
from telephony.app.transfer import TransferWiring, build_transfer_wiring
from telephony.call.admission import Admission
from telephony.chat.api import build_chat_router
from telephony.console.api import build_agents_router
from telephony.console.pages import ConsoleConfig, build_console_router, console_static_files
from telephony.console.sessions import CookiePolicy
from telephony.metrics import Metrics, build_metrics_router
from telephony.settings import Settings
from telephony.speaker.voice_turn import build_voice_turn_router

log = logging.getLogger(__name__)


def create_app(settings: Settings, services: Services | None = None) -> FastAPI:
    """Build the gateway. ``services`` may be injected (tests); otherwise they are built at start-up."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Models load in the background so /healthz answers at once; /readyz and the routes wait.
        app.state.services_task = asyncio.create_task(_load(app, settings, services, store, wiring))
        try:
            yield
        finally:
            app.state.metrics.close()
            task: asyncio.Task[Services] = app.state.services_task
            task.cancel()
            if services is None and task.done() and not task.cancelled() and task.exception() is None:
                await task.result().close()

    app = FastAPI(title="infolinia", version="0.1.0", lifespan=lifespan)
    app.add_middleware(BodyLimit)  # before any route buffers a body
    app.add_exception_handler(RequestValidationError, validation_error)
    app.state.settings = settings
    # The store exists before start-up finishes: the Twilio webhook needs it even while models load.
    store = services.store if services is not None else build_store(settings)
    app.state.metrics = metrics = Metrics(multiprocess_dir=settings.metrics_dir)
    app.state.admission = Admission(settings.max_concurrent_calls)
    wiring = build_transfer_wiring(app, settings) if services is None else None

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        """Alive: answers as soon as the process serves HTTP."""
        return {"status": "ok"}

    @app.get("/readyz")
    async def readyz(request: Request) -> JSONResponse:
        """Ready: models loaded (when speech is on) and the store reachable."""
        svc: Services | None = getattr(request.app.state, "services", None)
        checks: dict[str, Any] = {"services": svc is not None}
        if svc is not None:
            checks["store"] = await _ping(svc)
            checks["accepting"] = not request.app.state.admission.draining
            if settings.speech:
                checks["models"] = svc.recognizer is not None and svc.synthesizer is not None
        ok = all(checks.values())
        return JSONResponse({"ready": ok, "checks": checks}, status_code=200 if ok else 503)

    app.include_router(build_chat_router())
    app.include_router(build_voice_turn_router())
    app.include_router(build_phone_router(app, settings, store, wiring.warm.call_ended if wiring else None))
    app.include_router(build_agents_router())
    app.include_router(build_metrics_router(metrics))
    _include_console(app, settings)
    if wiring is not None:
        app.include_router(wiring.router)
    return app


def _include_console(app: FastAPI, settings: Settings) -> None:
    """The agent console (/agents); an agent going available rings a waiting caller at once (through
    ``AgentsDeps.on_available``, wired by ``transfer_wiring`` as for the JSON API)."""
    config = ConsoleConfig(
        cookie=CookiePolicy(secure=settings.public_url.startswith("https://")), public_url=settings.public_url
    )
    app.include_router(build_console_router(config))
    app.mount(config.static_path, console_static_files(), name="console-static")


async def _load(
    app: FastAPI,
    settings: Settings,
    services: Services | None,
    store: KeyValueStore,
    wiring: TransferWiring | None,
) -> Services:
    try:
        built = services if services is not None else await build_services(settings, store, wiring)
    except Exception:
        log.exception("start-up failed: the gateway stays up but not ready (see /readyz)")
        raise
    app.state.services = built
    app.state.metrics.watch(built)
    log.info("infolinia ready on %s", settings.public_url)
    return built


async def _ping(svc: Services) -> bool:
    try:
        return bool(await svc.store.ping())
    except Exception:  # a down Redis is a "not ready", not a crash
        log.warning("store ping failed", exc_info=True)
        return False
