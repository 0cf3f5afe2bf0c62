"""The console's web plumbing shared by its pages (``pages.py``, ``history_pages.py``, ``audit_page.py``, the
dashboard): the options, templates and static files, the security headers every page carries, the login
session lookup, and the same-origin check of state-changing POSTs.

A module of its own so the route modules can all build on it without importing one another.
"""

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from fastapi import HTTPException, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from telephony.console import actions as act
from telephony.console.deps import AgentsDeps
from telephony.console.sessions import ConsoleSessions, CookiePolicy, resolve_present
from telephony.console.view import ViewConfig, queue_label

TEMPLATES_DIR = Path(__file__).parent / "templates"
STATIC_DIR = Path(__file__).parent / "static"
PANELS = ("status", "transfer", "queues", "callbacks")
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
    ),
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}


@dataclass(frozen=True)
class ConsoleConfig:
    """Settings-independent console options (the app maps Settings onto these)."""

    cookie: CookiePolicy = field(default_factory=CookiePolicy)
    view: ViewConfig = field(default_factory=ViewConfig)
    base_path: str = "/agents"
    static_path: str = "/agents/static"
    session_ttl_s: int = 8 * 3600
    keepalive_s: float = 15.0
    # The public URL agents open (INFOLINIA_PUBLIC_URL): behind a reverse proxy that rewrites Host, the
    # browser's Origin names this address, not the Host header the gateway receives.
    public_url: str | None = None
    # The operator's name (the one the greeting says), in every page's title and top bar: an agent who serves
    # several operators' lines, tab by tab, sees whose console this is (as the dashboard); None: "Infolinia" alone.
    brand: str | None = None


def console_static_files() -> StaticFiles:
    """Mount at ``ConsoleConfig.static_path``: ``app.mount("/agents/static", console_static_files())``."""
    return StaticFiles(directory=STATIC_DIR)


def _asset_version() -> str:
    """Changes whenever the JS or CSS does, so browsers never run a stale script against new HTML."""
    digest = hashlib.sha256()
    for name in ("console.js", "console.css"):
        digest.update((STATIC_DIR / name).read_bytes())
    return digest.hexdigest()[:10]


class _Console:
    """Shared helpers of the console routes: sessions, page rendering, origin check, action replies."""

    def __init__(self, config: ConsoleConfig, on_available: act.OnAvailable | None) -> None:
        self.config, self.on_available = config, on_available
        self.templates = Jinja2Templates(directory=TEMPLATES_DIR)
        self.templates.env.filters["queue_label"] = queue_label
        self.base = {
            "base": config.base_path,
            "static_url": config.static_path,
            "asset_version": _asset_version(),
            "brand": config.brand,
        }

    def sessions(self, deps: AgentsDeps) -> ConsoleSessions:
        agents = deps.agents
        return ConsoleSessions(agents.redis, prefix=agents.prefix, ttl_s=self.config.session_ttl_s)

    def sid(self, request: Request) -> str | None:
        return request.cookies.get(self.config.cookie.name)

    async def agent_id(self, request: Request, deps: AgentsDeps, hold: bool = True) -> str | None:
        """The logged-in agent, a session Redis lost put back first (``resolve_present``)."""
        return await resolve_present(self.sessions(deps), deps.presence, self.sid(request), hold=hold)

    def page(self, request: Request, name: str, context: dict[str, Any], status: int = 200) -> Response:
        response = self.templates.TemplateResponse(request, name, {**self.base, **context}, status_code=status)
        response.headers.update(SECURITY_HEADERS)
        return response

    def panels(self, context: dict[str, Any]) -> dict[str, str]:
        ctx = {**self.base, **context}
        return {name: self.templates.get_template(f"console_{name}.html").render(ctx) for name in PANELS}

    def redirect(self, path: str = "") -> RedirectResponse:
        return RedirectResponse(self.config.base_path + path, status_code=303)

    def reply(self, request: Request, result: tuple[bool, str]) -> Response:
        """JSON for fetch(); without JavaScript, back to the page (its state shows what happened)."""
        ok, message = result
        if request.headers.get("x-requested-with") == "fetch":
            return JSONResponse({"ok": ok, "message": message}, status_code=200 if ok else 409)
        return self.redirect()


def same_origin(request: Request, public_url: str | None = None) -> None:
    """Refuse state changes posted from another site (SameSite=Strict already withholds the cookie). The
    page's own origin is the Host it was served under or, behind a proxy, the configured public URL."""
    origin = request.headers.get("origin")
    if not origin or origin == "null":
        return
    ours = {request.headers.get("host")}
    if public_url:
        ours.add(urlsplit(public_url).netloc)
    if urlsplit(origin).netloc not in ours:
        raise HTTPException(403, "cross-origin request refused")
