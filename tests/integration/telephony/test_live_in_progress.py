"""``/v1/stats/live`` conversations with the bot now, through the real gateway and Redis: chats (and speaker
conversations, recorded as the Wyoming server does) with a bot turn in the last five minutes that did not
end or go to a person, next to the phone calls."""

from __future__ import annotations

import time
from pathlib import Path

from telephony.conversation_turn import ConversationTurn
from telephony.insights.kpis import LIVE_WINDOW_S, KpiStore
from telephony.insights.recorder import TurnKpis
from tests.support.insights import InsightsWorld, insights_world


async def _in_progress(w: InsightsWorld) -> dict[str, int]:
    response = await w.agent("GET", "/v1/stats/live", "szef")
    assert response.status_code == 200, response.text
    result: dict[str, int] = response.json()["in_progress"]
    return result


async def test_chats_and_speaker_conversations_with_the_bot_are_in_progress(redis_url: str, tmp_path: Path) -> None:
    async with insights_world(redis_url, tmp_path) as w:
        assert (await w.agent("PUT", "/v1/agents/anna/status", "anna", json={"status": "available"})).status_code == 200
        talking = await w.chat("Gdzie jest paczka?")
        ending = await w.chat("Jakie są koszty dostawy?")
        await w.chat("Chcę rozmawiać z konsultantem")  # handed to anna: with a person, not the bot
        kpis = KpiStore(w.redis, prefix=w.prefix)
        TurnKpis(kpis).conversation_turn(ConversationTurn("speaker", "answer", 0.4, True, conversation="sp-1"))
        await kpis.flush()
        assert await _in_progress(w) == {"phone": 0, "chat": 2, "speaker": 1}

        assert (await w.chat("Dziękuję, do widzenia", ending["session_id"]))["action"] == "end"
        assert await _in_progress(w) == {"phone": 0, "chat": 1, "speaker": 1}
        stale = time.time() - LIVE_WINDOW_S - 1  # the customer stopped writing five minutes ago
        await w.redis.zadd(f"{w.prefix}kpi:live:chat", {talking["session_id"]: stale})
        assert (await _in_progress(w))["chat"] == 0
