"""What the two sides of a live chat read (the fifth hostile probe): a customer's "\\u202e" (right-to-left
override) showed their words reversed in the agent's console, so they could read as something else, and
control characters (a NUL, a bell) went through both ways. Both sides now read the text without them; line
breaks stay."""

from __future__ import annotations

from pathlib import Path

from tests.support.live_chat import live_chat_world

AGENTS = {"anna": "Anna Nowak"}


async def test_direction_overrides_and_control_characters_never_reach_the_other_side(
    redis_url: str, tmp_path: Path
) -> None:
    async with live_chat_world(redis_url, tmp_path, AGENTS) as w:
        assert (await w.agent("PUT", "/v1/agents/anna/status", "anna", json={"status": "available"})).status_code == 200
        queued = await w.chat("Chcę rozmawiać z konsultantem")
        sid, tid = queued["session_id"], queued["handoff"]["transfer_id"]
        assert (await w.agent("POST", f"/v1/chats/{tid}/accept", "anna")).status_code == 200

        await w.chat("Chodzi o \u202eimazcówz\u202c\x00\x07\r\ndziękuję", sid)
        assert (
            await w.http.post(f"{w.customer.base}/v1/chat", json={"session_id": sid, "text": "\u202e\x00"})
        ).status_code == 422
        sent = await w.agent(
            "POST", f"/v1/chats/{tid}/messages", "anna", json={"text": "Dobrze\x1b[2J, \u2067oddzwonię\u2069."}
        )
        assert sent.status_code == 200 and sent.json()["text"] == "Dobrze[2J, oddzwonię."
        assert (
            await w.agent("POST", f"/v1/chats/{tid}/messages", "anna", json={"text": "\u202e\x00"})
        ).status_code == 422

        seen_by_agent = (await w.agent("GET", f"/v1/chats/{tid}", "anna")).json()["messages"]
        assert [m["text"] for m in seen_by_agent if m["from"] == "customer"] == ["Chodzi o imazcówz\ndziękuję"]
        seen_by_customer = (await w.http.get(f"{w.customer.base}/v1/chat/{sid}")).json()["messages"]
        assert [m["text"] for m in seen_by_customer if m["from"] == "agent"] == ["Dobrze[2J, oddzwonię."]
