"""A long live chat in Redis (the fifth hostile probe's review): readers took a hand-off's last 500 messages,
but the list itself (``chat:<tid>:messages``) was never trimmed, so a chat grew in Redis without bound for as
long as it lasted. Now Redis keeps the last ``MAX_MESSAGES`` and a count of all of them, and everything that
reads the list still makes sense past the trim: the ``seq`` the customer's client and the agent's API resume
from, the console's "Wcześniejszych wiadomości: N", and the history's transcript (told how many it lacks).

Two real gateway workers on a real redis-server (``tests/support/insights.py``); the long past of the chat is
written straight to its ``ChatLog`` (the hand-off's rate limit would take hours to let it through HTTP), the
rest goes through the customer's and the agent's HTTP routes."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
from redis.asyncio import Redis

from dialog import catalogue
from telephony.chat.store import MAX_MESSAGES, ChatLog
from telephony.console.panels import PANEL_MESSAGES
from telephony.history.ended import EARLIER_NOT_KEPT
from telephony.history.store import HistoryStore
from telephony.transfer.store import TransferStore
from tests.integration.telephony.test_chat_history import TRANSFER, _engine_wrote
from tests.support.insights import insights_world

PAST = MAX_MESSAGES + 20  # written before the customer's and the agent's last messages


async def test_a_chat_longer_than_redis_keeps_is_trimmed_and_still_reads_right(redis_url: str, tmp_path: Path) -> None:
    async with insights_world(redis_url, tmp_path) as w:
        history = HistoryStore(w.redis, w.prefix)
        assert (await w.agent("PUT", "/v1/agents/anna/status", "anna", json={"status": "available"})).status_code == 200
        started = await w.chat("Chcę rozmawiać z konsultantem")
        sid, tid = started["session_id"], started["handoff"]["transfer_id"]
        await _engine_wrote(w, history, sid, TRANSFER)
        assert (await w.agent("POST", f"/v1/chats/{tid}/accept", "anna")).status_code == 200  # seq 1: "przejmuje"
        log = ChatLog(TransferStore(w.redis, prefix=w.prefix))
        seqs = [(await log.append(tid, "customer", f"linia {i}.", 1000.0 + i))["seq"] for i in range(PAST)]
        assert seqs == list(range(2, PAST + 2))
        key = f"{w.prefix}chat:{tid}:messages"
        assert await w.redis.llen(key) == MAX_MESSAGES  # was PAST + 1: never trimmed
        assert await w.redis.ttl(key) > 0 and await w.redis.ttl(f"{w.prefix}chat:{tid}:count") > 0

        # the customer writes on over HTTP; their client resumes after the last seq it has, past the trim
        assert (await w.chat("Czy ktoś to czyta?", sid))["action"] == "agent"
        sent = await w.agent("POST", f"/v1/chats/{tid}/messages", "anna", json={"text": "Tak, czytam."})
        assert sent.status_code == 200 and sent.json()["seq"] == PAST + 3
        polled = (await w.http.get(f"{w.chat_worker.base}/v1/chat/{sid}", params={"after": PAST + 1})).json()
        assert [(m["seq"], m["text"]) for m in polled["messages"]] == [
            (PAST + 2, "Czy ktoś to czyta?"),
            (PAST + 3, "Tak, czytam."),
        ]
        assert await w.redis.llen(key) == MAX_MESSAGES

        # the agent's API: the kept messages, each with its true seq and text
        kept = (await w.agent("GET", f"/v1/chats/{tid}", "anna")).json()["messages"]
        assert [m["seq"] for m in kept] == list(range(PAST + 4 - MAX_MESSAGES, PAST + 4))
        assert kept[0]["text"] == f"linia {PAST + 2 - MAX_MESSAGES}."

        # the console's panel: its last lines, and the count of the earlier ones (trimmed or not)
        async with httpx.AsyncClient(base_url=w.agents_worker.base, timeout=30) as console:
            assert (await console.post("/agents/login", data={"token": "token-anna"})).status_code == 303
            panel = json.dumps((await console.get("/agents/panels")).json(), ensure_ascii=False)
        assert f"Wcześniejszych wiadomości: {PAST + 3 - PANEL_MESSAGES} " in panel
        assert f"linia {PAST - PANEL_MESSAGES + 2}." in panel and f"linia {PAST - PANEL_MESSAGES + 1}." not in panel
        assert f'data-customers=\\"{PAST + 1}\\"' in panel  # all the customer's lines: the tab title counts by it

        # the history: the kept messages, after a line saying how many earlier ones are not kept
        assert (await w.agent("POST", f"/v1/chats/{tid}/end", "anna")).status_code == 200
        lines = [(line["role"], line["text"]) for line in (await history.get(sid) or {})["transcript"]]
        earlier = PAST + 4 - MAX_MESSAGES  # the end's own line is kept: one more trimmed
        note = EARLIER_NOT_KEPT.format(count=earlier, kept=MAX_MESSAGES)
        at = lines.index(("system", note))
        assert lines[at + 1] == ("customer", f"linia {earlier - 1}.")
        assert lines[at + 1 :][-3:] == [
            ("customer", "Czy ktoś to czyta?"),
            ("agent", "Tak, czytam."),
            ("system", catalogue.CHAT_ENDED_BY_AGENT),
        ]
        assert len(lines) - at - 1 == MAX_MESSAGES


async def test_a_chat_live_across_the_upgrade_keeps_its_numbering(redis_url: str) -> None:
    """A hand-off written before the count (its list alone, numbered by its length) goes on from its length."""
    redis = Redis.from_url(redis_url, decode_responses=True)
    log = ChatLog(TransferStore(redis, prefix="trimtest:"))
    try:
        rows = [json.dumps({"from": "customer", "text": f"stara {i}", "at": 1.0}) for i in range(3)]
        await redis.rpush("trimtest:chat:t1:messages", *rows)
        assert [m["seq"] for m in await log.since("t1", after=1)] == [2, 3]
        assert (await log.window("t1")).customers == 3
        assert (await log.append("t1", "agent", "Dzień dobry.", 2.0))["seq"] == 4
        assert (await log.append("t1", "customer", "Dzień dobry!", 3.0))["seq"] == 5
        assert (await log.window("t1", last=1)).customers == 4
        assert [m["seq"] for m in await log.since("t1", after=2)] == [3, 4, 5]
        assert await log.since("t1", after=10**30) == []  # a client's absurd seq is nothing new, not an error
    finally:
        await redis.delete(*[k async for k in redis.scan_iter("trimtest:*")])
        await redis.aclose()


async def test_a_message_an_old_worker_writes_during_a_rolling_update_keeps_every_seq(redis_url: str) -> None:
    """Pods are replaced one at a time (``docker/k8s/gateway.yaml``: RollingUpdate), so for minutes a live chat's
    messages are written by old pods too, which push to the list without the count (their seq is the list's
    length). Numbering by that count, one old pod's message hid the chat's first one from every reader (the
    agent's panel, the customer's poll, the history) and took its seq; the numbering must follow the list."""
    redis = Redis.from_url(redis_url, decode_responses=True)
    log = ChatLog(TransferStore(redis, prefix="rolltest:"))
    try:
        assert (await log.append("t1", "customer", "Dzień dobry.", 1.0))["seq"] == 1  # a new pod
        async with redis.pipeline(transaction=True) as pipe:  # an old pod's ChatLog.append, as it was
            pipe.rpush("rolltest:chat:t1:messages", json.dumps({"from": "agent", "text": "Witam.", "at": 2.0}))
            pipe.expire("rolltest:chat:t1:messages", 3600)
            old_seq, _ = await pipe.execute()
        assert old_seq == 2
        assert (await log.append("t1", "customer", "Mam pytanie.", 3.0))["seq"] == 3
        everything = [(m["seq"], m["text"]) for m in await log.since("t1", after=0)]
        assert everything == [(1, "Dzień dobry."), (2, "Witam."), (3, "Mam pytanie.")]  # was: 1 lost, 2 read as 1
        assert [m["seq"] for m in await log.since("t1", after=2)] == [3]
        assert [m["seq"] for m in (await log.window("t1", last=100)).messages] == [1, 2, 3]
    finally:
        await redis.delete(*[k async for k in redis.scan_iter("rolltest:*")])
        await redis.aclose()
