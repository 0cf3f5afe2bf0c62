"""A customer flooding a live-chat hand-off (the fifth hostile probe): once a chat was handed over, one customer
could send 120 messages a minute (the per-IP limit, and from many addresses more), the chat kept 500 of 2,000
characters, and the agent's console panel, re-read after each one, reached 1.9 MB. Now each hand-off takes the
customer's messages at a person's pace (INFOLINIA_RATE_LIMIT_HANDOFF, counted in Redis by every worker): past it
429 with ``Retry-After`` and the catalogue's "wait for the agent's reply", overridable; and the console's panel
shows a chat's latest messages only, counting the older ones.

Two real gateway workers on a real redis-server over real HTTP (``tests/support/live_chat.py``); the flood goes
to both workers in turn, so the count is the hand-off's, not a worker's.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from dialog import catalogue
from telephony.console.panels import PANEL_MESSAGES
from tests.support.live_chat import LiveChatWorld, live_chat_world

AGENTS = {"anna": "Anna Nowak"}
LONG = "Gdzie jest moja paczka? " * 83  # 1,992 characters, as the probe's (the chat takes at most 2,000)
OVERRIDE = "Prosimy o cierpliwość: konsultant czyta wcześniejsze wiadomości. Tę proszę wysłać później."


@pytest.fixture(autouse=True)
def default_wording() -> Iterator[None]:
    """The gateway applies the prompts file to this process's catalogue: the next test starts from the defaults."""
    yield
    catalogue.configure({})


async def handed_over(w: LiveChatWorld, accept: bool = False) -> tuple[str, str]:
    """A new chat handed to the agents' queue (offered to anna, accepted with ``accept``): its session and hand-off."""
    queued = await w.chat("Chcę rozmawiać z konsultantem")
    assert queued["action"] == "transfer" and queued["handoff"]["status"] == "waiting", queued
    sid, tid = queued["session_id"], queued["handoff"]["transfer_id"]
    if accept:
        assert (await w.agent("POST", f"/v1/chats/{tid}/accept", "anna")).status_code == 200
    return sid, tid


async def send(w: LiveChatWorld, sid: str, text: str, n: int) -> httpx.Response:
    """The customer's message, to the customer's worker or (odd ``n``) the other one."""
    base = (w.customer, w.agents)[n % 2].base
    return await w.http.post(f"{base}/v1/chat", json={"session_id": sid, "text": text})


async def customer_texts(w: LiveChatWorld, tid: str) -> list[str]:
    messages = (await w.agent("GET", f"/v1/chats/{tid}", "anna")).json()["messages"]
    return [m["text"] for m in messages if m["from"] == "customer"]


async def test_a_flood_after_the_hand_off_is_refused_while_the_agent_keeps_the_earlier_messages(
    redis_url: str, tmp_path: Path
) -> None:
    async with live_chat_world(redis_url, tmp_path, AGENTS) as w:  # the shipped rule: 20 a minute, 120 an hour
        assert (await w.agent("PUT", "/v1/agents/anna/status", "anna", json={"status": "available"})).status_code == 200
        flooder, flooded = await handed_over(w)  # offered to anna, not answered yet
        patient, _ = await handed_over(w)  # waits behind it, from the same address

        answers = [await send(w, flooder, f"{i}: {LONG}", i) for i in range(30)]
        assert [a.status_code for a in answers] == [200] * 20 + [429] * 10
        assert all(a.json()["action"] == "agent" for a in answers[:20])
        for refused in answers[20:]:
            assert refused.json()["reply"] == catalogue.CHAT_WAIT_FOR_AGENT
            assert 1 <= int(refused.headers["Retry-After"]) <= 60

        # What the agent reads: the 20 messages that passed, in order, none of the refused ones
        assert [t.split(":")[0] for t in await customer_texts(w, flooded)] == [str(i) for i in range(20)]

        # A customer writing a few short messages in a row, before the agent answers, is never slowed down
        for n, text in enumerate(["Dzień dobry", "chodzi o zamówienie", "paczka nie dotarła", "czekam", "halo?"]):
            passed = await send(w, patient, text, n)
            assert passed.status_code == 200 and passed.json()["action"] == "agent", passed.text


async def test_the_operator_s_wording_of_the_refusal_reaches_the_customer(redis_url: str, tmp_path: Path) -> None:
    prompts = tmp_path / "prompts.yaml"
    prompts.write_text(f"prompts:\n  chat_wait_for_agent: {json.dumps(OVERRIDE, ensure_ascii=False)}\n", "utf-8")
    async with live_chat_world(
        redis_url, tmp_path, AGENTS, prompts_path=str(prompts), rate_limit_handoff="3/minute"
    ) as w:
        assert (await w.agent("PUT", "/v1/agents/anna/status", "anna", json={"status": "available"})).status_code == 200
        sid, tid = await handed_over(w, accept=True)
        answers = [await send(w, sid, f"wiadomość {i}", i) for i in range(4)]
        assert [a.status_code for a in answers] == [200, 200, 200, 429]
        assert answers[3].json()["reply"] == OVERRIDE and answers[3].headers["Retry-After"].isdigit()
        assert await customer_texts(w, tid) == ["wiadomość 0", "wiadomość 1", "wiadomość 2"]


async def test_the_console_panel_shows_a_long_chat_s_latest_messages_and_counts_the_older(
    redis_url: str, tmp_path: Path
) -> None:
    lifted = {"rate_limit_handoff": "1000/minute", "rate_limit_ip": "1000/minute"}  # a chat longer than the panel
    async with live_chat_world(redis_url, tmp_path, AGENTS, **lifted) as w:
        assert (await w.agent("PUT", "/v1/agents/anna/status", "anna", json={"status": "available"})).status_code == 200
        sid, _ = await handed_over(w, accept=True)  # the log: the system's "Rozmowę przejmuje konsultant: Anna."
        for i in range(PANEL_MESSAGES + 10):
            assert (await send(w, sid, f"wiadomość nr {i}.", i)).status_code == 200
        async with httpx.AsyncClient(base_url=w.agents.base, timeout=30) as console:
            assert (await console.post("/agents/login", data={"token": "token-anna"})).status_code == 303
            panels = await console.get("/agents/panels")
        assert panels.status_code == 200
        html = json.dumps(panels.json(), ensure_ascii=False)
        shown = [i for i in range(PANEL_MESSAGES + 10) if f"wiadomość nr {i}." in html]
        assert shown == list(range(10, PANEL_MESSAGES + 10))  # the latest ones; 11 older: 10 of the customer's
        assert "Wcześniejszych wiadomości: 11" in html and "Rozmowę przejmuje konsultant" not in html


async def test_the_agent_s_reply_lets_a_customer_past_the_limit_write_again(redis_url: str, tmp_path: Path) -> None:
    """Counted for the whole hand-off, a long talk of short answers ("ok", "tak") was refused for up to an hour
    however often the agent wrote; now each reply opens a fresh count, and without one the flood stays capped."""
    async with live_chat_world(redis_url, tmp_path, AGENTS, rate_limit_handoff="3/hour") as w:
        assert (await w.agent("PUT", "/v1/agents/anna/status", "anna", json={"status": "available"})).status_code == 200
        sid, tid = await handed_over(w, accept=True)
        answers = [await send(w, sid, f"ok {i}", i) for i in range(5)]
        assert [a.status_code for a in answers] == [200, 200, 200, 429, 429]  # no reply: still refused
        for n, reply in enumerate(["Sprawdzam.", "Proszę podać numer zamówienia.", "Dziękuję, już widzę."]):
            sent = await w.agent("POST", f"/v1/chats/{tid}/messages", "anna", json={"text": reply})
            assert sent.status_code == 200, sent.text
            answers = [await send(w, sid, f"tak {n}.{i}", i) for i in range(4)]
            assert [a.status_code for a in answers] == [200, 200, 200, 429], [a.text for a in answers]
        texts = await customer_texts(w, tid)
        assert texts == [f"ok {i}" for i in range(3)] + [f"tak {n}.{i}" for n in range(3) for i in range(3)]
