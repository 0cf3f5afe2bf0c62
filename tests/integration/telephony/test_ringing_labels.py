"""An agent whose chat offer only rings is not "in a conversation", through the real gateway and Redis: the
console, the dashboard and ``/v1/stats/live`` say "Oferta czatu" until the agent accepts, then "Zajęty:
rozmowa" as before."""

from __future__ import annotations

from pathlib import Path

import httpx

from telephony.console.view import RINGING_LABELS, STATUS_LABELS
from tests.support.insights import InsightsWorld, insights_world


async def _pages(w: InsightsWorld) -> tuple[str, str]:
    """Anna's console and the supervisor's dashboard, as each logs in."""
    pages = []
    for who, path in (("anna", "/agents"), ("szef", "/agents/dashboard")):
        async with httpx.AsyncClient(base_url=w.agents_worker.base, timeout=10) as client:
            assert (await client.post("/agents/login", data={"token": f"token-{who}"})).status_code == 303
            response = await client.get(path)
            assert response.status_code == 200, response.text
            pages.append(response.text)
    return pages[0], pages[1]


async def test_a_ringing_chat_offer_is_shown_as_an_offer_not_a_conversation(redis_url: str, tmp_path: Path) -> None:
    async with insights_world(redis_url, tmp_path) as w:
        assert (await w.agent("PUT", "/v1/agents/anna/status", "anna", json={"status": "available"})).status_code == 200
        handed = await w.chat("Chcę rozmawiać z konsultantem")
        tid = handed["handoff"]["transfer_id"]
        live = (await w.agent("GET", "/v1/stats/live", "szef")).json()
        anna = next(a for a in live["agents"] if a["id"] == "anna")
        assert (anna["status"], anna["ringing"]) == ("busy", "chat")
        console, dashboard = await _pages(w)
        assert f'data-status="busy">{RINGING_LABELS["chat"]}<' in console
        assert f'status-ringing">{RINGING_LABELS["chat"]}<' in dashboard
        assert STATUS_LABELS["busy"] not in console + dashboard

        assert (await w.agent("POST", f"/v1/chats/{tid}/accept", "anna")).status_code == 200
        live = (await w.agent("GET", "/v1/stats/live", "szef")).json()
        assert next(a for a in live["agents"] if a["id"] == "anna")["ringing"] is None
        console, dashboard = await _pages(w)
        assert f'data-status="busy">{STATUS_LABELS["busy"]}<' in console
        assert f'status-busy">{STATUS_LABELS["busy"]}<' in dashboard
