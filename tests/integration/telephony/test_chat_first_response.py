"""A chat's agent first response, through the real gateway and Redis: from the customer's hand-off to the
agent's first message (not the acceptance, which says nothing to the customer): one sample per chat, none
for an agent who accepted and wrote nothing; the queue wait stays the wait."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from tests.support.insights import InsightsWorld, insights_world, stats_since


async def _handed_and_accepted(w: InsightsWorld) -> str:
    helped = await w.chat("Chcę rozmawiać z konsultantem")
    tid = str(helped["handoff"]["transfer_id"])
    assert (await w.agent("POST", f"/v1/chats/{tid}/accept", "anna")).status_code == 200
    return tid


async def _chat_stats(w: InsightsWorld) -> dict[str, Any]:
    response = await w.agent("GET", f"/v1/stats?channel=chat&{stats_since()}", "szef")
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()["channels"]["chat"]
    return result


async def test_agent_first_response_is_the_first_message_not_the_acceptance(redis_url: str, tmp_path: Path) -> None:
    async with insights_world(redis_url, tmp_path) as w:
        assert (await w.agent("PUT", "/v1/agents/anna/status", "anna", json={"status": "available"})).status_code == 200
        silent = await _handed_and_accepted(w)  # accepted at once, then nothing written
        chat = await _chat_stats(w)
        assert (chat["wait"]["count"], chat["agent_frt"]["count"]) == (1, 0)
        assert (await w.agent("POST", f"/v1/chats/{silent}/end", "anna")).status_code == 200
        wrap = await w.agent("POST", "/v1/agents/me/wrap-up", "anna", json={"outcome": "resolved"})
        assert wrap.status_code == 200

        tid = await _handed_and_accepted(w)  # accepted at once (wait <= 10 s) ...
        await w.redis.hset(f"{w.prefix}transfer:{tid}", "enqueued_at", time.time() - 25)  # ... handed over 25 s ago
        for text in ("Dzień dobry, w czym mogę pomóc?", "Już sprawdzam."):
            sent = await w.agent("POST", f"/v1/chats/{tid}/messages", "anna", json={"text": text})
            assert sent.status_code == 200, sent.text

        chat = await _chat_stats(w)
        assert (chat["wait"]["count"], chat["wait"]["p50_s"]) == (2, 10.0)
        assert (chat["agent_frt"]["count"], chat["agent_frt"]["p50_s"]) == (1, 25.0)  # hand-off to first words, exact
