"""Live chat with agents through the gateway's real wiring, over real HTTP and a real redis-server: the
customer talks to one worker, the agents to another. A chat asking for a person is queued with the bot's
summary and transcript, shows in ``/v1/queues`` beside phone callers, is offered to the agent, accepted,
messages go both ways (the customer's over ``POST /v1/chat``, never to the bot, the agent's arriving on
the customer's SSE stream), either side ends it, and the agent's wrap-up records the outcome."""

from __future__ import annotations

from pathlib import Path

import httpx

from telephony.exposition import parse_exposition
from tests.support.live_chat import SUMMARY, live_chat_world

AGENTS = {"anna": "Anna Nowak", "bartek": "Bartek Wiśniewski"}


async def test_queue_accept_messages_both_ways_end_and_wrap_up(redis_url: str, tmp_path: Path) -> None:
    async with live_chat_world(redis_url, tmp_path, AGENTS) as w:
        first = await w.chat("Gdzie jest paczka?")
        sid = first["session_id"]
        assert first["action"] == "answer" and first["handoff"] is None

        # Nobody is available yet, but anna staffs the queue (she is about to log in): the chat waits.
        await w.customer.gateway.transfer.agents.agents.set_status("anna", "wrap_up", expect=())  # type: ignore[union-attr]
        queued = await w.chat("Chcę rozmawiać z konsultantem", sid)
        assert queued["action"] == "transfer" and queued["handoff"]["status"] == "waiting"
        assert queued["handoff"]["position"] == 1 and queued["handoff"]["events_url"] == f"/v1/chat/{sid}/events"
        assert "Szacowany czas oczekiwania" in queued["reply"] and "w tym oknie czatu" in queued["reply"]
        tid = queued["handoff"]["transfer_id"]

        [queue] = (await w.agent("GET", "/v1/queues", "bartek")).json()["queues"]
        [waiting] = queue["waiting"]
        assert (waiting["transfer_id"], waiting["channel"], waiting["session_id"]) == (tid, "chat", sid)
        assert queue["waiting_by_channel"] == {"phone": 0, "chat": 1}

        stream = w.open_stream(sid)
        assert (await stream.until("status"))["status"] == "waiting"

        # Anna finishes her wrap-up on the agents' worker: the chat is offered to her at once.
        wrap = await w.agent("POST", "/v1/agents/me/wrap-up", "anna", json={"outcome": "resolved"})
        assert wrap.status_code == 200, wrap.text
        me = (await w.agent("GET", "/v1/agents/me", "anna")).json()
        assert me["status"] == "busy" and me["reserved_for"] == tid
        offer = me["current"]
        assert offer["channel"] == "chat" and offer["status"] == "ringing" and offer["summary"] == SUMMARY
        assert [(t["role"], t["text"]) for t in offer["transcript"]][:3] == [
            ("caller", "Gdzie jest paczka?"),
            ("bot", "Bot: Gdzie jest paczka?"),
            ("caller", "Chcę rozmawiać z konsultantem"),
        ]
        assert (await w.agent("POST", f"/v1/chats/{tid}/accept", "bartek")).status_code == 409  # not his offer
        assert (await w.agent("POST", f"/v1/chats/{tid}/accept", "anna")).status_code == 200
        assert (await stream.until("status", status="connected"))["agent"] == "Anna"
        assert (await stream.until("message", **{"from": "system"}))["text"] == "Rozmowę przejmuje konsultant: Anna."

        sent = await w.agent("POST", f"/v1/chats/{tid}/messages", "anna", json={"text": "Dzień dobry, sprawdzam."})
        assert sent.status_code == 200, sent.text
        got = await stream.until("message", **{"from": "agent"})
        assert got["text"] == "Dzień dobry, sprawdzam." and got["agent"] == "Anna"

        handled_before = list(w.dialog.handled)
        reply = await w.chat("Numer zamówienia 48213", sid)
        assert reply["action"] == "agent" and reply["reply"] == "" and reply["handoff"]["status"] == "connected"
        assert w.dialog.handled == handled_before  # the bot never saw it
        messages = (await w.agent("GET", f"/v1/chats/{tid}", "anna")).json()["messages"]
        assert ("customer", "Numer zamówienia 48213") in [(m["from"], m["text"]) for m in messages]
        assert (await w.agent("POST", f"/v1/chats/{tid}/messages", "bartek", json={"text": "x"})).status_code == 409

        ended = await w.agent("POST", f"/v1/chats/{tid}/end", "anna")
        assert ended.status_code == 200 and ended.json()["status"] == "wrap_up"
        assert (await stream.until("status", status="ended"))["ended_by"] == "agent"
        await stream.closed.wait()  # the stream ends with the chat
        assert (await w.agent("GET", "/v1/agents/me", "anna")).json()["status"] == "wrap_up"
        wrap = await w.agent("POST", "/v1/agents/me/wrap-up", "anna", json={"outcome": "resolved"})
        assert wrap.status_code == 200 and wrap.json()["transfer_id"] == tid
        record = (await w.agent("GET", f"/v1/transfers/{tid}", "anna")).json()
        assert (record["status"], record["channel"], record["outcome"]) == ("completed", "chat", "resolved")

        after = await w.chat("Dziękuję", sid)  # the chat is the bot's again
        assert after["action"] == "answer" and after["reply"] == "Bot: Dziękuję"

        queued_count = parse_exposition(w.customer.gateway.metrics.render().decode(), ["infolinia_chat_handoffs_total"])
        assert queued_count == {"infolinia_chat_handoffs_total{queue=obsluga,result=queued}": 1.0}
        ended_count = parse_exposition(
            w.agents.gateway.metrics.render().decode(), ["infolinia_chat_handoffs_ended_total"]
        )
        assert ended_count == {"infolinia_chat_handoffs_ended_total{outcome=completed,queue=obsluga}": 1.0}


async def test_the_customer_ends_while_waiting_and_the_offered_agent_is_free_again(
    redis_url: str, tmp_path: Path
) -> None:
    async with live_chat_world(redis_url, tmp_path, AGENTS) as w:
        assert (await w.agent("PUT", "/v1/agents/anna/status", "anna", json={"status": "available"})).status_code == 200
        queued = await w.chat("Poproszę konsultanta")
        sid, tid = queued["session_id"], queued["handoff"]["transfer_id"]
        assert (await w.agent("GET", "/v1/agents/me", "anna")).json()["reserved_for"] == tid  # offered at once
        ended = await w.http.post(f"{w.customer.base}/v1/chat/{sid}/end")
        assert ended.status_code == 200 and ended.json()["handoff"]["status"] == "ended"
        assert (await w.agent("GET", "/v1/agents/me", "anna")).json()["status"] == "available"
        assert (await w.agent("POST", f"/v1/chats/{tid}/accept", "anna")).status_code == 404
        state = (await w.http.get(f"{w.customer.base}/v1/chat/{sid}")).json()
        assert state["messages"][-1]["from"] == "system" and state["handoff"]["status"] == "ended"


async def test_nobody_staffing_the_queue_is_said_instead_of_a_promise(redis_url: str, tmp_path: Path) -> None:
    async with live_chat_world(redis_url, tmp_path, AGENTS) as w:  # both agents offline
        reply = await w.chat("Chcę rozmawiać z konsultantem")
        assert reply["action"] == "transfer" and reply["handoff"] == {
            "status": "unavailable",
            "reason": "no_agents",
            "opens_text": None,  # only a closed queue says when it opens
            "transfer_id": None,
            "position": None,
            "estimate_s": None,
            "estimate_text": None,
            "agent": None,
            "events_url": None,
        }
        assert "łączę" not in reply["reply"].lower() and "infolinię" in reply["reply"]
        [queue] = (await w.agent("GET", "/v1/queues", "anna")).json()["queues"]
        assert queue["waiting"] == []
        gone = await w.http.get(f"{w.customer.base}/v1/chat/{reply['session_id']}/events")
        assert gone.status_code == 404


async def test_without_twilio_a_chat_is_still_handed_to_an_agent_and_answered(redis_url: str, tmp_path: Path) -> None:
    """A shop that runs chat only (no INFOLINIA_TWILIO_AUTH_TOKEN): the hand-off needs no Twilio; phone
    transfers are off and the Twilio transfer routes are not served."""
    async with live_chat_world(redis_url, tmp_path, AGENTS, twilio_token="") as w:
        transfer = w.customer.gateway.transfer
        assert transfer is not None and transfer.warm is None and transfer.router is None and transfer.chat
        assert (await w.agent("PUT", "/v1/agents/anna/status", "anna", json={"status": "available"})).status_code == 200
        queued = await w.chat("Chcę rozmawiać z konsultantem")
        sid, tid = queued["session_id"], queued["handoff"]["transfer_id"]
        assert queued["action"] == "transfer" and queued["handoff"]["status"] in ("waiting", "offered"), queued
        stream = w.open_stream(sid)
        me = (await w.agent("GET", "/v1/agents/me", "anna")).json()
        assert me["reserved_for"] == tid and me["current"]["channel"] == "chat" and me["current"]["summary"] == SUMMARY
        assert (await w.agent("POST", f"/v1/chats/{tid}/accept", "anna")).status_code == 200
        sent = await w.agent("POST", f"/v1/chats/{tid}/messages", "anna", json={"text": "Dzień dobry, tu Anna."})
        assert sent.status_code == 200, sent.text
        assert (await stream.until("message", **{"from": "agent"}))["text"] == "Dzień dobry, tu Anna."
        refused = await w.http.post(f"{w.customer.base}/twilio/transfer/{tid}/conference", data={})
        assert refused.status_code == 404  # no phone transfer routes without the token


async def test_an_offer_piotr_let_lapse_comes_back_to_him_and_he_can_take_it(redis_url: str, tmp_path: Path) -> None:
    """The walkthrough's stuck chat: piotr alone on duty, the offer lapses (30 s, here backdated), and the
    chat is offered to him again rather than parked in the queue for good."""
    async with live_chat_world(redis_url, tmp_path, {"piotr": "Piotr Zieliński"}) as w:
        available = await w.agent("PUT", "/v1/agents/piotr/status", "piotr", json={"status": "available"})
        assert available.status_code == 200
        tid = (await w.chat("chcę rozmawiać z konsultantem"))["handoff"]["transfer_id"]
        first = (await w.agent("GET", f"/v1/chats/{tid}", "piotr")).json()
        assert (first["status"], first["agent_id"]) == ("ringing", "piotr")
        handoff = w.agents.gateway.transfer.chat.handoff  # type: ignore[union-attr]
        await handoff.p.store.update(tid, offered_at=first["offered_at"] - 31)
        await handoff.expire_offers()  # (or either worker's sweep, whichever runs first)
        again = (await w.agent("GET", f"/v1/chats/{tid}", "piotr")).json()
        assert (again["status"], again["agent_id"]) == ("ringing", "piotr")
        assert again["offered_at"] >= first["offered_at"]  # a fresh offer, not the lapsed one
        me = (await w.agent("GET", "/v1/agents/me", "piotr")).json()
        assert (me["status"], me["reserved_for"]) == ("busy", tid)
        assert (await w.agent("POST", f"/v1/chats/{tid}/accept", "piotr")).status_code == 200


async def test_logging_out_takes_the_agent_off_duty_and_hands_back_an_offered_chat(
    redis_url: str, tmp_path: Path
) -> None:
    """„Wyloguj” with a chat offered: the agent is offline and the chat goes to the next agent at once.
    With a chat connected the logout is refused (the customer would write to nobody) until it is ended."""
    async with live_chat_world(redis_url, tmp_path, AGENTS) as w:
        consoles = {a: httpx.AsyncClient(base_url=w.agents.base, timeout=10) for a in AGENTS}
        for agent_id, console in consoles.items():
            assert (await console.post("/agents/login", data={"token": f"token-{agent_id}"})).status_code == 303
            assert (await console.post("/agents/status", data={"status": "available"})).status_code == 303
        tid = (await w.chat("Chcę rozmawiać z konsultantem"))["handoff"]["transfer_id"]
        assert (await w.agent("GET", "/v1/agents/me", "anna")).json()["reserved_for"] == tid  # idle the longest

        out = await consoles["anna"].post("/agents/logout")
        assert (out.status_code, out.headers["location"]) == (303, "/agents/login?wylogowano")
        assert (await w.agent("GET", "/v1/agents/me", "anna")).json()["status"] == "offline"
        record = (await w.agent("GET", f"/v1/chats/{tid}", "bartek")).json()
        assert (record["status"], record["agent_id"]) == ("ringing", "bartek")

        assert (await w.agent("POST", f"/v1/chats/{tid}/accept", "bartek")).status_code == 200
        refused = await consoles["bartek"].post("/agents/logout")
        assert (refused.status_code, refused.headers["location"]) == (303, "/agents?wyloguj=rozmowa")
        page = await consoles["bartek"].get("/agents?wyloguj=rozmowa")
        assert page.status_code == 200 and 'id="logout-refused"' in page.text and "Zakończ ją" in page.text
        assert (await w.agent("GET", f"/v1/chats/{tid}", "bartek")).json()["status"] == "connected"
        off = await w.agent("PUT", "/v1/agents/bartek/status", "bartek", json={"status": "offline"})
        assert off.status_code == 200  # off duty over the API during the chat: still no logout
        refused = await consoles["bartek"].post("/agents/logout")
        assert refused.headers["location"] == "/agents?wyloguj=rozmowa"
        assert (await consoles["bartek"].post("/agents/chat/end", data={"transfer_id": tid})).status_code == 303
        out = await consoles["bartek"].post("/agents/logout")  # in wrap-up: goes through, no outcome chosen
        assert (out.status_code, out.headers["location"]) == (303, "/agents/login?wylogowano")
        assert (await w.agent("GET", "/v1/agents/me", "bartek")).json()["status"] == "offline"
        assert (await w.agent("GET", f"/v1/transfers/{tid}", "bartek")).json()["outcome"] == "logged_out"
        for console in consoles.values():
            await console.aclose()


async def test_the_order_named_when_asking_for_a_person_reaches_the_agents_card(redis_url: str, tmp_path: Path) -> None:
    """A transfer reply carries no order id; the hand-off takes the conversation's order from the session."""
    world = live_chat_world(redis_url, tmp_path, AGENTS)
    async with world as w, httpx.AsyncClient(base_url=w.agents.base, timeout=10) as console:
        assert (await console.post("/agents/login", data={"token": "token-anna"})).status_code == 303
        assert (await console.post("/agents/status", data={"status": "available"})).status_code == 303
        queued = await w.chat("chcę rozmawiać z konsultantem w sprawie zamówienia 48213")
        assert queued["order_id"] is None  # the transfer reply itself names no order
        tid = queued["handoff"]["transfer_id"]
        record = (await w.agent("GET", f"/v1/chats/{tid}", "anna")).json()
        assert (record["order_id"], record["order_status"]) == ("48213", "shipped")
        card = (await console.get("/agents/panels")).json()["transfer"]
        assert '<dd id="transfer-order">' in card and "<strong>48213</strong>" in card


async def test_an_office_without_orders_shows_no_order_row_on_the_agents_card(redis_url: str, tmp_path: Path) -> None:
    """Found by a public office's walkthrough: with its own KB and no orders source, every chat card still
    showed "Zamówienie —" to the office's agents."""
    kb = tmp_path / "kb.yaml"
    kb.write_text(
        "entries:\n  - {id: a, questions: [Kiedy jest wywóz śmieci?], answer: We wtorki.}\n", encoding="utf-8"
    )
    world = live_chat_world(redis_url, tmp_path, AGENTS, kb_path=kb)
    async with world as w, httpx.AsyncClient(base_url=w.agents.base, timeout=10) as console:
        assert (await console.post("/agents/login", data={"token": "token-anna"})).status_code == 303
        assert (await console.post("/agents/status", data={"status": "available"})).status_code == 303
        queued = await w.chat("chcę rozmawiać z konsultantem")
        assert queued["handoff"]["status"] == "waiting", queued
        card = (await console.get("/agents/panels")).json()["transfer"]
        assert 'id="transfer-reason"' in card, card  # the card is there, without its order row
        assert 'id="transfer-order"' not in card and "Zamówienie" not in card
