"""The agent reads what the chat customer was told as the chat was queued: the transfer line with the wait
estimate and "Konsultant odpowie w tym oknie czatu", in the console's transcript and in the conversation kept
for the history (an operator walkthrough: both showed only "Oczywiście, przekazuję rozmowę konsultantowi.",
while the customer had been promised "około dwóch minut")."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError

from dialog import catalogue
from dialog.store import RedisStore, SessionRepo
from telephony.agents.roster import Agent
from telephony.chat.handoff import ChatHandoff
from tests.support.chat_gateway import chat_gateway, first_chat
from tests.support.live_chat import live_chat_world

AGENTS = {"anna": "Anna Nowak"}
ANNA = Agent(id="anna", name="Anna", contact="client:anna", queues=("obsluga", "reklamacje"), token_sha256="a" * 64)


async def test_the_transcript_shows_the_wait_estimate_the_customer_was_shown(redis_url: str, tmp_path: Path) -> None:
    async with live_chat_world(redis_url, tmp_path, AGENTS) as w:
        await w.customer.gateway.transfer.agents.agents.set_status("anna", "wrap_up", expect=())  # type: ignore[union-attr]
        queued = await w.chat("Chcę rozmawiać z konsultantem")
        told, tid, sid = queued["reply"], queued["handoff"]["transfer_id"], queued["session_id"]
        assert queued["handoff"]["status"] == "waiting" and "Szacowany czas oczekiwania" in told, queued
        assert told.endswith(catalogue.CHAT_QUEUED)

        seen = (await w.agent("GET", f"/v1/chats/{tid}", "anna")).json()
        assert [(t["role"], t["text"]) for t in seen["transcript"]] == [
            ("caller", "Chcę rozmawiać z konsultantem"),
            ("bot", told),  # the customer's words, not the bot's line alone
        ]
        session = await w.dialog.sessions.load(sid)  # what the history keeps (the engine writes it from here)
        assert session is not None and session.history[-1] == ("bot", told)
        assert [role for role, _ in session.history] == ["caller", "bot"]  # replaced, not added


async def test_the_real_engine_keeps_what_the_customer_read(redis_url: str, tmp_path: Path) -> None:
    """The real engine's session (the history is written from it, ``HistoryStore.saved``) ends with what the
    customer read, and the transfer stays a transfer."""
    async with chat_gateway(redis_url, tmp_path, [ANNA], "told") as (http, agents):
        await agents.set_status("anna", "wrap_up", expect=())
        queued = await first_chat(http, "Chcę rozmawiać z konsultantem")
        assert queued["handoff"]["status"] == "waiting", queued
        sid = queued["session_id"]
        redis = Redis.from_url(redis_url, decode_responses=True)
        try:
            [key] = [k async for k in redis.scan_iter(f"told*session:{sid}")]
            store = RedisStore(redis_url, prefix=key.removesuffix(f"session:{sid}"), client=redis)
            session = await SessionRepo(store).load(sid)
        finally:
            await redis.aclose()
        assert session is not None and session.history == [
            ("caller", "Chcę rozmawiać z konsultantem"),
            ("bot", queued["reply"]),
        ]
        assert session.slots.get("transfer_reason") == "requested_human"  # still a hand-off for the history


async def test_a_store_that_fails_as_the_estimate_is_noted_keeps_the_customer_s_turn() -> None:
    """A final read: the chat is already queued when the customer's line is copied to the transcript; a Redis
    error there failed the customer's turn (an error where they had been told a consultant will answer). The
    agent's transcript then keeps the bot's line without the estimate; the customer's turn stands."""

    class DownStore:
        async def get(self, tid: str) -> None:
            raise RedisConnectionError("Redis went away")

    handoff = ChatHandoff.__new__(ChatHandoff)
    handoff.p = SimpleNamespace(store=DownStore())  # type: ignore[assignment]
    await handoff.told("t1", "Przekazuję rozmowę. Czas oczekiwania: około 2 minut.")  # no exception
