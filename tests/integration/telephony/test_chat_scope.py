"""Who may read a handed-over chat (the fifth hostile probe): ``GET /v1/chats/{id}`` follows the same rule as
``GET /v1/transfers/{id}``. An agent of another queue got the whole chat (the bot's summary, the customer's
messages) with a 200 while the transfer route said 404 for the same record, and no read was audited."""

from __future__ import annotations

from pathlib import Path

from redis.asyncio import Redis

from tests.support.live_chat import live_chat_world

AGENTS = {"anna": "Anna Nowak", "piotr": "Piotr Kowalski"}
QUEUES = {"piotr": ["reklamacje"]}  # anna serves obsluga, where a request for a person goes


async def test_an_agent_of_another_queue_cannot_read_the_chat_and_reads_are_audited(
    redis_url: str, tmp_path: Path
) -> None:
    async with live_chat_world(redis_url, tmp_path, AGENTS, queues=QUEUES) as w:
        assert (await w.agent("PUT", "/v1/agents/anna/status", "anna", json={"status": "available"})).status_code == 200
        tid = (await w.chat("Chcę rozmawiać z konsultantem, mój PESEL to 80010112345"))["handoff"]["transfer_id"]

        other = await w.agent("GET", f"/v1/chats/{tid}", "piotr")
        assert other.status_code == 404 and "PESEL" not in other.text
        assert (await w.agent("GET", f"/v1/transfers/{tid}", "piotr")).status_code == 404  # the same answer

        own = await w.agent("GET", f"/v1/chats/{tid}", "anna")
        assert own.status_code == 200 and own.json()["queue"] == "obsluga"
        redis = Redis.from_url(redis_url, decode_responses=True)
        try:
            reads = [fields for _, fields in await redis.xrange(f"{w.prefix}audit:transcripts")]
        finally:
            await redis.aclose()
        assert [(r["agent"], r["kind"], r["id"], r["via"]) for r in reads] == [("anna", "transfer", tid, "api")]
