"""The supervisor's pages say the same as the console, through the real gateway: the dashboard names the
logged-in supervisor (not their id) and labels agents' statuses as the console does; it names the operator
whose line it shows (the brand the greeting says), and so does every console page; ``/v1/gaps`` without
``from`` covers the last 7 days, like the gaps page."""

from __future__ import annotations

import html
import time
from pathlib import Path

import httpx

from telephony.console.view import STATUS_LABELS
from tests.support.insights import insights_world


async def test_dashboard_names_and_statuses_match_the_console(redis_url: str, tmp_path: Path) -> None:
    async with insights_world(redis_url, tmp_path) as w:
        assert (await w.agent("PUT", "/v1/agents/anna/status", "anna", json={"status": "available"})).status_code == 200
        async with httpx.AsyncClient(base_url=w.agents_worker.base, timeout=10) as szef:
            assert (await szef.post("/agents/login", data={"token": "token-szef"})).status_code == 303
            page = (await szef.get("/agents/dashboard")).text
        assert "Zalogowano: <strong>Ewa Szef</strong>" in page
        assert f">{STATUS_LABELS['available']}<" in page and f">{STATUS_LABELS['offline']}<" in page
        assert "gotowość" not in page and "poza pracą" not in page

        gaps = await w.agent("GET", "/v1/gaps", "szef")
        assert gaps.status_code == 200, gaps.text
        assert abs(gaps.json()["from"] - (time.time() - 7 * 86400)) < 60


async def test_dashboard_names_the_operators_brand(redis_url: str, tmp_path: Path) -> None:
    """The brand the chat's greeting names (INFOLINIA_BRAND_NAME here) in the page's header and title,
    escaped; the page that refuses an agent names it too (it is the same page)."""
    brand = "Sieć Nadwiślańska & <Syn>"
    async with insights_world(redis_url, tmp_path, brand=brand) as w:
        greeting = (await w.http.get(f"{w.chat_worker.base}/v1/chat/greeting")).json()
        assert greeting["brand"] == brand and brand in greeting["greeting"]
        for token, status in (("token-szef", 200), ("token-anna", 403)):
            async with httpx.AsyncClient(base_url=w.agents_worker.base, timeout=10) as who:
                assert (await who.post("/agents/login", data={"token": token})).status_code == 303
                page = await who.get("/agents/dashboard")
            assert page.status_code == status
            assert f'<span class="brand" id="brand">{html.escape(brand)}</span></h1>' in page.text
            assert f"<title>Panel kierownika · {html.escape(brand)} · Infolinia</title>" in page.text
            assert "<Syn>" not in page.text


async def test_every_console_page_names_the_operators_brand_as_the_dashboard_does(
    redis_url: str, tmp_path: Path
) -> None:
    """The console said "Infolinia" alone while the dashboard named the operator: an agent serving several
    operators' lines, tab by tab, could not tell whose console a tab was. The brand is in each page's top bar and
    tab title, escaped, and on the login page's title (before anyone logged in)."""
    brand = "Sieć Nadwiślańska & <Syn>"
    pages = {
        "/agents": "Konsola konsultanta",
        "/agents/history": "Historia rozmów",
        "/agents/gaps": "Luki w bazie wiedzy",
        "/agents/audit": "Dziennik odczytów",
    }
    async with (
        insights_world(redis_url, tmp_path, brand=brand) as w,
        httpx.AsyncClient(base_url=w.agents_worker.base, timeout=10) as szef,
    ):
        login = await szef.get("/agents/login")
        assert (await szef.post("/agents/login", data={"token": "token-szef"})).status_code == 303
        shown = {path: await szef.get(path) for path in pages}
    assert f"<title>Logowanie · {html.escape(brand)} · Infolinia</title>" in login.text
    assert f'<strong class="operator" id="brand">{html.escape(brand)}</strong></p>' in login.text  # its body too
    for path, title in pages.items():
        page = shown[path]
        assert page.status_code == 200, (path, page.text)
        assert f'<strong class="operator" id="brand">{html.escape(brand)}</strong></p>' in page.text, path
        assert f"<title>{title} · {html.escape(brand)} · Infolinia</title>" in page.text, path
        assert "<Syn>" not in page.text, path
