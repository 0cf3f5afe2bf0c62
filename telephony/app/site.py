"""The gateway's own pages: ``/`` (a small Polish landing page: status and links) and ``/docs`` offline.

Why a landing page: an operator who opens the gateway's address should see whether it is up, what is
on (phone line, transfers, console) and where to go next, not a 404. It names settings, never values.

Why ``/docs`` is served here: FastAPI's default Swagger UI page loads its JavaScript and CSS from a CDN,
so it is blank on a machine without internet (or behind a strict proxy). The same Swagger UI (and ReDoc)
assets are served from the ``fastapi-offline`` package (MIT), under ``/docs/assets``. Who may open
``/docs`` is an access decision made where the routes are included (these are ordinary routes).
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

HERE = Path(__file__).parent
SITE_STATIC_PATH = "/static"
DOCS_ASSETS_PATH = "/docs/assets"
DOCS_ASSETS_DIR = Path(str(resources.files("fastapi_offline") / "static"))
# Same policy as the console: nothing but this origin; the landing page has no script at all.
LANDING_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'"
    ),
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


@dataclass(frozen=True)
class SiteStatus:
    """What the landing page shows (built per request from the gateway by the caller)."""

    state: str  # "ready", "starting", "failed", "draining", "degraded" (up, but a readiness check fails)
    brand: str | None
    phone: bool  # calls answered: an auth token is set and speech is on
    transfers: bool  # warm transfer to agents (Redis + token + speech)
    console: bool  # the agent console (Redis)
    demo_data: bool  # the bundled demo KB is in use
    checks: dict[str, bool]
    speech: bool = True  # INFOLINIA_SPEECH: off, no call is answered whatever the token (the reason shown first)
    token: bool = False  # INFOLINIA_TWILIO_AUTH_TOKEN is set (what ``phone`` needs besides speech)


def build_landing_router(status: Any) -> APIRouter:
    """``/``, public. ``status``: an async callable returning ``SiteStatus``."""
    templates = Jinja2Templates(directory=HERE / "templates")
    router = APIRouter(include_in_schema=False)

    @router.get("/", response_class=HTMLResponse)
    async def landing(request: Request) -> Response:
        context = {"s": await status(), "static": _root(request) + SITE_STATIC_PATH}
        return templates.TemplateResponse(request, "landing.html", context, headers=LANDING_HEADERS)

    return router


def build_docs_router(app: FastAPI, openapi_url: str = "/openapi.json") -> APIRouter:
    """``/openapi.json`` of ``app`` (created without FastAPI's own, which is public) and the docs pages with
    locally served assets; the router table puts them behind ``DocsGuard``."""
    router = APIRouter(include_in_schema=False)
    title = app.title

    @router.get(openapi_url)
    async def openapi() -> JSONResponse:
        return JSONResponse(app.openapi())

    @router.get("/docs", response_class=HTMLResponse)
    async def swagger_ui(request: Request) -> HTMLResponse:
        root = _root(request)
        return get_swagger_ui_html(
            openapi_url=root + openapi_url,
            title=f"{title} – API",
            oauth2_redirect_url=root + "/docs/oauth2-redirect",
            swagger_js_url=f"{root}{DOCS_ASSETS_PATH}/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{DOCS_ASSETS_PATH}/swagger-ui.css",
            swagger_favicon_url=f"{root}{DOCS_ASSETS_PATH}/favicon.png",
        )

    @router.get("/docs/oauth2-redirect", response_class=HTMLResponse)
    async def swagger_redirect() -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()

    @router.get("/redoc", response_class=HTMLResponse)
    async def redoc(request: Request) -> HTMLResponse:
        root = _root(request)
        return get_redoc_html(
            openapi_url=root + openapi_url,
            title=f"{title} – API",
            redoc_js_url=f"{root}{DOCS_ASSETS_PATH}/redoc.standalone.js",
            redoc_favicon_url=f"{root}{DOCS_ASSETS_PATH}/favicon.png",
            with_google_fonts=False,
        )

    return router


def mount_site_assets(app: FastAPI) -> None:
    """The landing page's stylesheet and the docs' Swagger UI / ReDoc assets (no CDN)."""
    app.mount(DOCS_ASSETS_PATH, StaticFiles(directory=DOCS_ASSETS_DIR), name="docs-assets")
    app.mount(SITE_STATIC_PATH, StaticFiles(directory=HERE / "static"), name="site-static")


def _root(request: Request) -> str:
    return str(request.scope.get("root_path", "")).rstrip("/")
