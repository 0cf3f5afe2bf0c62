"""A chat hand-off in the conversation's history, through the gateway's real wiring on real Redis: a chat
the customer left while waiting reads "klient opuścił kolejkę", not "przełączono do konsultanta", and a live
chat's messages stay in the transcript after the bot's part (the hand-off's own copy expires in days)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from dialog.ports import CallerInfo, Outcome, Transfer
from dialog.store import RedisStore, SessionRepo
from telephony.history.store import HistoryStore
from telephony.history.view import OUTCOME_LABELS, row_view
from tests.support.insights import InsightsWorld, insights_world

CHAT = CallerInfo(channel="chat")
TRANSFER = Outcome("-", "transfer", "Łączę.", transfer=Transfer("obsluga", "requested_human", 3, "x"))


async def _engine_wrote(w: InsightsWorld, history: HistoryStore, session_id: str, outcome: Outcome) -> None:
    """What the engine writes after a turn (the stand-in dialog of this world writes no history)."""
    store = RedisStore("redis://unused", prefix=w.prefix, client=w.redis)
    session = await SessionRepo(store).load(session_id)
    assert session is not None
    session.updated_at = time.time()  # as the engine stamps every turn (the stand-in does not)
    await history.saved(session.stored(), CHAT, outcome)  # the store's client is the world's: not closed here


async def _lines(history: HistoryStore, session_id: str) -> list[tuple[Any, Any]]:
    record = await history.get(session_id) or {}
    return [(line["role"], line["text"]) for line in record["transcript"]]


async def test_a_chat_left_in_the_queue_reads_so_and_a_live_chat_stays_in_the_transcript(
    redis_url: str, tmp_path: Path
) -> None:
    async with insights_world(redis_url, tmp_path) as w:
        history = HistoryStore(w.redis, w.prefix)
        assert (await w.agent("PUT", "/v1/agents/anna/status", "anna", json={"status": "available"})).status_code == 200
        left = await w.chat("konsultant proszę")
        sid = left["session_id"]
        await _engine_wrote(w, history, sid, TRANSFER)
        assert left["handoff"]["status"] == "waiting"
        assert (await w.http.post(f"{w.chat_worker.base}/v1/chat/{sid}/end")).status_code == 200
        record = await history.get(sid) or {}
        assert record["outcome"] == "left_queue"
        assert OUTCOME_LABELS[record["outcome"]] == "klient opuścił kolejkę"
        after = await w.chat("a jednak pytanie", sid)  # back to the bot: still a chat that left the queue
        await _engine_wrote(w, history, sid, Outcome(sid, "answer", after["reply"]))
        assert (await history.get(sid) or {})["outcome"] == "left_queue"

        helped = await w.chat("Chcę rozmawiać z konsultantem")
        hid, tid = helped["session_id"], helped["handoff"]["transfer_id"]
        await _engine_wrote(w, history, hid, TRANSFER)
        assert (await w.agent("POST", f"/v1/chats/{tid}/accept", "anna")).status_code == 200
        assert (await w.chat("Paczka nie doszła", hid))["handoff"]["status"] == "connected"
        sent = await w.agent("POST", f"/v1/chats/{tid}/messages", "anna", json={"text": "Już sprawdzam."})
        assert sent.status_code == 200
        assert (await w.agent("POST", f"/v1/chats/{tid}/end", "anna")).status_code == 200
        lines = await _lines(history, hid)
        # what the customer read: the transfer line, the wait estimate and "Konsultant odpowie w tym oknie czatu"
        assert lines[:2] == [("caller", "Chcę rozmawiać z konsultantem"), ("bot", helped["reply"])]
        assert helped["reply"].startswith(TRANSFER_REPLY) and "Szacowany czas oczekiwania" in helped["reply"]
        assert ("customer", "Paczka nie doszła") in lines and ("agent", "Już sprawdzam.") in lines
        assert [role for role, _ in lines[2:]] == ["system", "customer", "agent", "system"]
        assert (await history.get(hid) or {})["outcome"] == "transferred"
        who = [line["who"] for line in row_view(await history.get(hid) or {}, "Europe/Warsaw")["transcript"]]
        assert who[3:5] == ["Klient", "Konsultant Anna"]

        bye = await w.chat("Dziękuję, do widzenia", hid)  # the bot again: the live chat stays where it was
        await _engine_wrote(w, history, hid, Outcome(hid, "end", bye["reply"]))
        again = await _lines(history, hid)
        assert again[: len(lines)] == lines and again[-2:] == [
            ("caller", "Dziękuję, do widzenia"),
            ("bot", bye["reply"]),
        ]


TRANSFER_REPLY = "Oczywiście, łączę z konsultantem. Proszę chwilę poczekać."
