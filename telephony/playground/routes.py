"""``GET /playground`` (the page) and ``WS /playground/ws/{ticket}`` (the conversation).

Who may talk: the page sits behind the same guard as ``/docs`` (open in development mode; otherwise an
API key or a supervisor's token, which a browser asks for with HTTP Basic). A browser cannot put a
credential on a WebSocket, so the page carries a single-use ticket (the Twilio stream's token store,
two minutes) and the socket consumes it: no ticket, no pipeline, and a ticket works on any worker.
Static JS and CSS are served from this package (no CDN), under the console's strict CSP.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, Request, WebSocket
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from dialog import catalogue
from dialog.ports import KeyValueStore
from telephony.call.admission import Admission
from telephony.call.deps import CallDeps
from telephony.playground.channel import BrowserChannel
from telephony.playground.session import talk
from telephony.tasks import stop_task
from telephony.twilio.security import StreamTokens

log = logging.getLogger(__name__)

HERE = Path(__file__).parent
PAGE_PATH = "/playground"
STATIC_PATH = "/playground/static"
TICKET_TTL_S = 120
WS_POLICY_VIOLATION, WS_SERVICE_RESTART, WS_TRY_AGAIN = 1008, 1012, 1013
DRAIN_POLL_S = 0.25  # how soon an open talk hears that its worker drains (as ``GracefulDrain`` polls)
HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; media-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
    ),
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Permissions-Policy": "microphone=(self)",
}
CallDepsProvider = Callable[[], Awaitable[CallDeps | None]]  # None: speech is off


def build_playground_router(
    store: KeyValueStore,
    call_deps: CallDepsProvider,
    guard: Callable[..., Any],
    admission: Admission | None = None,
    brand: str | None = None,
) -> APIRouter:
    """The page (behind ``guard``, a FastAPI dependency) and its socket (behind the page's ticket).
    ``admission``: the phone calls' limit, which a talk counts against (it runs the same pipeline). ``brand``:
    the operator's name in the title and heading, as the console's (the page an office shows its staff first)."""
    templates = Jinja2Templates(directory=HERE / "templates")
    tickets = StreamTokens(store, TICKET_TTL_S)
    router = APIRouter(include_in_schema=False)

    @router.get(PAGE_PATH, response_class=HTMLResponse, dependencies=[Depends(guard)])
    async def page(request: Request) -> Response:
        ticket = await tickets.issue("playground", {"kind": "playground"})
        root = str(request.scope.get("root_path", "")).rstrip("/")
        context = {
            "ticket": ticket,
            "static": root + STATIC_PATH,
            "ws_path": f"{root}{PAGE_PATH}/ws/{ticket}",
            "brand": brand,
        }
        return templates.TemplateResponse(request, "playground.html", context, headers=HEADERS)

    @router.websocket(PAGE_PATH + "/ws/{ticket}")
    async def conversation(websocket: WebSocket, ticket: str) -> None:
        record = await tickets.consume(ticket)
        await websocket.accept()  # then close with a code the page can explain
        if record is None or record.get("kind") != "playground":
            log.warning("playground: refused a socket without a valid ticket")
            await websocket.close(code=WS_POLICY_VIOLATION)
            return
        await _admitted(BrowserChannel(websocket), call_deps, admission)

    return router


async def _admitted(channel: BrowserChannel, call_deps: CallDepsProvider, admission: Admission | None) -> None:
    """A talk takes a line as a call does: without it, any holder of an API key could run the whole
    pipeline (VAD, Whisper at the phone's priority, Piper) on as many sockets as they open, past
    ``INFOLINIA_MAX_CONCURRENT_CALLS``, and during a drain."""
    if admission is None:
        await _converse(channel, call_deps)
        return
    line = admission.admit()
    if line is None:
        log.warning("playground: all lines busy (or draining): talk refused")
        await channel.event("end", how="busy", text=catalogue.PLAYGROUND_BUSY)
        await channel.close(WS_TRY_AGAIN)
        return
    talk_id = f"playground-{uuid.uuid4().hex}"
    admission.started(talk_id, phone=False, reservation=line)  # its own, not a phone webhook's
    watch = asyncio.create_task(_end_on_drain(channel, admission), name="playground-drain-watch")
    try:
        await _converse(channel, call_deps)
    finally:
        await stop_task(watch)
        admission.ended(talk_id)


async def _end_on_drain(channel: BrowserChannel, admission: Admission, poll_s: float = DRAIN_POLL_S) -> None:
    """The worker drains (SIGTERM, a deploy): the talk is told why and ended now. A talk has no caller to hand
    over to the fallback number, and left open it held the draining worker until the grace was over. Polled:
    the drain begins in a signal handler, where nothing of the event loop's may be touched."""
    while not admission.draining:
        await asyncio.sleep(poll_s)
    log.info("playground: the worker drains; the talk is ended")
    await channel.event("end", how="draining", text=catalogue.PLAYGROUND_DRAINING)
    channel.hang_up("draining", WS_SERVICE_RESTART)


async def _converse(channel: BrowserChannel, call_deps: CallDepsProvider) -> None:
    try:
        deps = await call_deps()
    except Exception:
        log.exception("playground: the gateway is not ready")
        deps = None
    if deps is None:
        await channel.event("end", how="unavailable", text=catalogue.PLAYGROUND_UNAVAILABLE)
        await channel.close(WS_TRY_AGAIN)
        return
    await talk(deps, channel)


def playground_static_files() -> StaticFiles:
    """Mount at ``STATIC_PATH``: the page's script and stylesheet."""
    return StaticFiles(directory=HERE / "static")
