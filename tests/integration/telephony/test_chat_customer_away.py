"""A chat customer who leaves a chat already connected to an agent, through the real gateway (two workers, real
uvicorn) on a real redis-server, the hand-off's clock faked on both workers (as ``test_chat_customer_gone.py``).
The chat is not ended for the agent: once the customer has been unseen for ``INFOLINIA_CHAT_GONE_AFTER_S`` the
agent's chat gets one system line (``CHAT_CUSTOMER_AWAY``) and ``customer_present: false``; a customer who
comes back gets ``CHAT_CUSTOMER_BACK`` and the flag again; one who keeps writing without a stream gets nothing."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import httpx

from dialog import catalogue
from tests.integration.telephony.test_chat_customer_gone import (
    GONE_S,
    _drop,
    _fake_clock,
    _live,
    _on_duty,
    _status,
    _sweep,
)
from tests.support.insights import InsightsWorld, insights_world
from tests.support.live_chat import CustomerStream


async def _connected(w: InsightsWorld) -> tuple[str, str, CustomerStream, asyncio.Task[None]]:
    """A customer asks for a person, their widget's stream opens, anna accepts: connected, stream still open."""
    await _on_duty(w)
    asked = await w.chat("konsultant proszę")
    sid, tid = asked["session_id"], asked["handoff"]["transfer_id"]
    stream = CustomerStream()
    task = asyncio.create_task(stream.read(w.http, f"{w.chat_worker.base}/v1/chat/{sid}/events"))
    await stream.until("status", status="waiting")
    assert (await w.agent("POST", f"/v1/chats/{tid}/accept", "anna")).status_code == 200
    await stream.until("status", status="connected")
    return sid, tid, stream, task


async def _agent_reads(w: InsightsWorld, tid: str) -> dict[str, Any]:
    got = await w.agent("GET", f"/v1/chats/{tid}", "anna")
    assert got.status_code == 200, got.text
    chat: dict[str, Any] = got.json()
    return chat


async def _panel_shows_away(w: InsightsWorld) -> bool:
    """Whether the agent's console (its chat panel, as the page fetches it) shows the customer as away."""
    async with httpx.AsyncClient(base_url=w.agents_worker.base, timeout=30) as console:
        assert (await console.post("/agents/login", data={"token": "token-anna"})).status_code == 303
        panels = await console.get("/agents/panels")
    assert panels.status_code == 200
    return 'id="chat-away"' in "".join(str(v) for v in panels.json().values())


def _system(chat: dict[str, Any], text: str) -> int:
    return sum(1 for m in chat["messages"] if m["from"] == "system" and m["text"] == text)


async def test_a_connected_customer_whose_stream_dropped_is_shown_as_away_once_then_back(
    redis_url: str, tmp_path: Path
) -> None:
    async with insights_world(redis_url, tmp_path, chat_gone_after_s=GONE_S) as w:
        clock = _fake_clock(w)
        sid, tid, _, task = await _connected(w)
        assert (await _agent_reads(w, tid))["customer_present"] is True
        await _drop(w, tid, task)  # the tab closed mid-conversation

        clock.t += GONE_S - 10  # a blip or a reload: nothing yet
        await _sweep(w)
        chat = await _agent_reads(w, tid)
        assert chat["customer_present"] is True and _system(chat, catalogue.CHAT_CUSTOMER_AWAY) == 0
        clock.t += 20  # unseen for longer than the grace
        await _sweep(w)
        clock.t += 30
        await _sweep(w)  # every worker sweeps, and again: the line is added once
        chat = await _agent_reads(w, tid)
        assert chat["status"] == "connected"  # never ended for the agent
        assert chat["customer_present"] is False
        assert _system(chat, catalogue.CHAT_CUSTOMER_AWAY) == 1
        assert await _status(w, tid) == "connected"
        assert await _panel_shows_away(w)

        stream = CustomerStream()  # the customer comes back: their stream reconnects
        task = asyncio.create_task(stream.read(w.http, f"{w.chat_worker.base}/v1/chat/{sid}/events"))
        await stream.until("status", status="connected")
        await stream.until("message", text=catalogue.CHAT_AGENT_JOINED.format(name="Anna"))  # the log, replayed
        chat = await _agent_reads(w, tid)
        assert chat["customer_present"] is True
        assert _system(chat, catalogue.CHAT_CUSTOMER_BACK) == 1
        assert _system(chat, catalogue.CHAT_CUSTOMER_AWAY) == 1
        assert not await _panel_shows_away(w)
        # the two lines are the agent's: the customer's stream and poll never show them
        polled = (await w.http.get(f"{w.chat_worker.base}/v1/chat/{sid}")).json()["messages"]
        await asyncio.sleep(0.2)  # what the stream's tick sent after the agent's lines, drained
        while not stream.events.empty():
            stream.seen.append(stream.events.get_nowait())
        streamed = [m for kind, m in stream.seen if kind == "message"]
        assert polled  # (the agent-joined line)
        for m in polled + streamed:
            assert m["text"] not in (catalogue.CHAT_CUSTOMER_AWAY, catalogue.CHAT_CUSTOMER_BACK), m
        await _drop(w, tid, task)

        assert (await w.agent("POST", f"/v1/chats/{tid}/end", "anna")).status_code == 200  # the agent ends it
        assert await _status(w, tid) == "completed"


async def test_a_connected_customer_who_keeps_writing_without_a_stream_is_never_shown_away(
    redis_url: str, tmp_path: Path
) -> None:
    async with insights_world(redis_url, tmp_path, chat_gone_after_s=GONE_S) as w:
        clock = _fake_clock(w)
        sid, tid, _, task = await _connected(w)
        await _drop(w, tid, task)
        for text in ("Halo?", "Czy ktoś tu jest?", "Nadal jestem."):
            clock.t += GONE_S - 10
            assert (await w.chat(text, sid))["action"] == "agent"
            await _sweep(w)
        chat = await _agent_reads(w, tid)
        assert chat["customer_present"] is True
        assert [m for m in chat["messages"] if m["from"] == "system" and "Klient" in m["text"]] == []
        assert await _status(w, tid) == "connected"


async def test_a_connected_customer_whose_stream_is_on_an_older_worker_is_never_shown_away(
    redis_url: str, tmp_path: Path
) -> None:
    """A rolling update: the release before this one stamps a waiting customer but not a connected one, so the
    customer of a chat connected while their stream is on an older worker carries only a stamp from their wait.
    Long past the grace they are not shown away; once a worker of this release has seen them connected (their
    stream moved here), they are judged as anyone else."""
    async with insights_world(redis_url, tmp_path, chat_gone_after_s=GONE_S) as w:
        clock = _fake_clock(w)
        _, tid, _, task = await _connected(w)
        await _drop(w, tid, task)  # (this stream stands for the older worker's: nothing it stamped while connected)
        seen = json.dumps(clock.t - 5)  # the stamp of their wait, before the agent took the chat
        await w.redis.hset(
            f"{w.prefix}transfer:{tid}", mapping={"customer_seen_at": seen, "connected_at": json.dumps(clock.t)}
        )
        clock.t += 3 * GONE_S
        await _sweep(w)
        chat = await _agent_reads(w, tid)
        assert chat["customer_present"] is True and _system(chat, catalogue.CHAT_CUSTOMER_AWAY) == 0

        sid = chat["session_id"]
        stream = CustomerStream()  # the older worker stopped: the stream reconnects here and is seen
        task = asyncio.create_task(stream.read(w.http, f"{w.chat_worker.base}/v1/chat/{sid}/events"))
        await stream.until("status", status="connected")
        await _drop(w, tid, task)  # then the tab closed
        clock.t += GONE_S + 1
        await _sweep(w)
        assert (await _agent_reads(w, tid))["customer_present"] is False


async def test_a_worker_just_watching_again_shows_nobody_away_until_a_grace_later(
    redis_url: str, tmp_path: Path
) -> None:
    """A worker that just became ready, or whose chat watch lost Redis, could stamp nothing meanwhile: it shows no
    connected customer away until a whole grace after it watches again."""
    async with insights_world(redis_url, tmp_path, chat_gone_after_s=GONE_S) as w:
        clock = _fake_clock(w)
        _, tid, _, task = await _connected(w)
        await _drop(w, tid, task)
        clock.t += 2 * GONE_S  # Redis was away all that time
        for live in _live(w):
            live.handoff.unwatched()  # the watch reached Redis again now
        clock.t += GONE_S - 10
        await _sweep(w)
        assert (await _agent_reads(w, tid))["customer_present"] is True
        clock.t += 20
        await _sweep(w)
        assert (await _agent_reads(w, tid))["customer_present"] is False
