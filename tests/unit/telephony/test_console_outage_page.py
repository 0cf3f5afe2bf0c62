"""The console's 503 page for a browser while Redis is down (``telephony/console/outage.py``): where its
retry goes. Built on plain ASGI scopes: the page needs neither Redis nor a server."""

from __future__ import annotations

from starlette.requests import Request

from telephony.console.outage import outage_page, wants_page
from telephony.console.web import ConsoleConfig

BROWSER = (b"accept", b"text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")


def browser_request(method: str, path: str) -> Request:
    return Request({"type": "http", "method": method, "path": path, "headers": [BROWSER], "query_string": b""})


def test_a_page_opened_in_the_address_bar_retries_itself() -> None:
    request = browser_request("GET", "/agents/history")
    page = outage_page(request).body.decode()
    assert wants_page(request) and 'href="/agents/history"' in page and 'content="10"' in page


def test_a_form_posted_without_javascript_retries_the_console_not_its_post_only_address() -> None:
    """The refresh and the link are GETs: ``GET /agents/status`` is a 405 (JSON), the very thing the page
    replaces. They go to the console itself, which shows the state the post would have changed."""
    request = browser_request("POST", "/agents/status")
    page = outage_page(request).body.decode()
    assert wants_page(request)
    assert 'href="/agents"' in page and 'content="10; url=/agents"' in page and "/agents/status" not in page


def test_the_page_names_the_operator_escaped_or_says_infolinia() -> None:
    """The console's other pages carry the operator's brand; its outage page did not (it said "Infolinia")."""
    request = browser_request("GET", "/agents")
    branded = outage_page(request, ConsoleConfig(brand="Kowalski & <Syn>")).body.decode()
    plain = outage_page(request).body.decode()
    assert '<p class="brand">Kowalski &amp; &lt;Syn&gt;</p>' in branded and "<Syn>" not in branded
    assert '<p class="brand">Infolinia</p>' in plain
