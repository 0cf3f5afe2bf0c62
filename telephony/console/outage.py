"""The page a person's browser gets from the console while Redis is down: a Polish 503 page that retries
by itself, instead of the JSON body the API and the console's own fetch() calls get (an agent opening
``/agents`` in the middle of an outage saw raw JSON with an English ``detail``)."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response
from fastapi.templating import Jinja2Templates

from telephony.console.web import SECURITY_HEADERS, TEMPLATES_DIR, ConsoleConfig

RETRY_S = 10  # the page reloads itself (a meta refresh: no script, so the CSP needs no exception)
_templates = Jinja2Templates(directory=TEMPLATES_DIR)


def wants_page(request: Request, config: ConsoleConfig | None = None) -> bool:
    """A browser navigating to a console page (the address bar, a link, a form without JavaScript): not the
    console's fetch() calls, not its event stream, not the JSON API."""
    base = (config or ConsoleConfig()).base_path
    path = request.url.path
    inside = path == base or path.startswith(base + "/")
    fetch = request.headers.get("x-requested-with") == "fetch"
    return inside and not fetch and "text/html" in request.headers.get("accept", "")


def outage_page(request: Request, config: ConsoleConfig | None = None) -> Response:
    """503 with Retry-After and the console's look (its stylesheet is static: it loads without Redis)."""
    console = config or ConsoleConfig()
    context = {
        "base": console.base_path,
        "static_url": console.static_path,
        "asset_version": "",
        "retry_s": RETRY_S,
        "brand": console.brand,
    }
    context.update(again_at(request, console))
    response = _templates.TemplateResponse(request, "console_unavailable.html", context, status_code=503)
    response.headers.update({**SECURITY_HEADERS, "Retry-After": str(RETRY_S)})
    return response


def again_at(request: Request, console: ConsoleConfig) -> dict[str, str]:
    """Where the retry (the refresh and the link, both GETs) goes: the page itself, or for a form posted
    without JavaScript the console (``GET /agents/status`` is a 405 in JSON, the very thing this page replaces;
    the console shows the state the post would have changed)."""
    if request.method in ("GET", "HEAD"):
        return {"again": request.url.path, "refresh": str(RETRY_S)}
    return {"again": console.base_path, "refresh": f"{RETRY_S}; url={console.base_path}"}
