"""A chat customer who closed the tab while waiting for an agent, through the real gateway (two workers, real
uvicorn) on a real redis-server, the hand-off's clock faked on both workers: their presence is their widget's
event stream and their messages (``customer_seen_at``); once not seen for ``INFOLINIA_CHAT_GONE_AFTER_S`` the
chat sweep ends the wait as abandoned (counted, out of the queue, in the history), while a stream that
reconnects within the grace, or a customer who keeps writing without one, still waits."""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from redis.asyncio import Redis

from dialog import catalogue
from dialog.ports import CallerInfo, Outcome, Transfer
from dialog.store import RedisStore, SessionRepo
from telephony.app.build import build_gateway
from telephony.app.services import Services
from telephony.chat.models import LiveChat
from telephony.chat.presence import LEFT_GRACE_S
from telephony.history.store import HistoryStore
from telephony.transfer.record import TransferRecord, chat_key
from tests.support.clock import FakeClock
from tests.support.insights import InsightsWorld, insights_world, stats_since
from tests.support.live_chat import GUARD_S, CustomerStream, HistoryDialog, settings_for, write_roster
from tests.support.servers import free_port

GONE_S = 120.0
TRANSFER = Outcome("-", "transfer", "Łączę.", transfer=Transfer("obsluga", "requested_human", 3, "x"))


def _live(w: InsightsWorld) -> list[LiveChat]:
    out = []
    for worker in (w.chat_worker, w.agents_worker):
        assert worker.gateway.transfer is not None and worker.gateway.transfer.chat is not None
        out.append(worker.gateway.transfer.chat)
    return out


def _fake_clock(w: InsightsWorld) -> FakeClock:
    """One fake clock for the hand-off on both workers (stamps, the wait, the sweep), from now."""
    clock = FakeClock(time.time())
    for live in _live(w):
        live.handoff.p.clock = clock
    return clock


async def _open(w: InsightsWorld, sid: str) -> tuple[CustomerStream, asyncio.Task[None]]:
    """The customer's widget's stream, read until it showed the wait (the worker has seen it by then)."""
    stream = CustomerStream()
    task = asyncio.create_task(stream.read(w.http, f"{w.chat_worker.base}/v1/chat/{sid}/events"))
    await stream.until("status", status="waiting")
    return stream, task


async def _drop(w: InsightsWorld, tid: str, task: asyncio.Task[None]) -> None:
    """The tab closed: the connection goes, and the worker's stream for it ends (it stops watching)."""
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    watch = w.chat_worker.gateway.transfer.chat.watch  # type: ignore[union-attr]
    async with asyncio.timeout(GUARD_S):
        while tid in watch._waiters:
            await asyncio.sleep(0.01)


async def _on_duty(w: InsightsWorld) -> None:
    """anna takes chats (without anyone on duty a chat is told no agent can take it, and never waits)."""
    assert (await w.agent("PUT", "/v1/agents/anna/status", "anna", json={"status": "available"})).status_code == 200


async def _sweep(w: InsightsWorld) -> None:
    for live in _live(w):
        await live.handoff.expire_offers()


async def _status(w: InsightsWorld, tid: str) -> str:
    record = await _live(w)[1].handoff.record(tid)
    assert record is not None
    return record.status


async def _engine_wrote(w: InsightsWorld, history: HistoryStore, session_id: str) -> None:
    """What the engine writes after the hand-off's turn (the stand-in dialog of this world writes no history)."""
    store = RedisStore("redis://unused", prefix=w.prefix, client=w.redis)
    session = await SessionRepo(store).load(session_id)
    assert session is not None
    session.updated_at = time.time()
    await history.saved(session.stored(), CallerInfo(channel="chat"), TRANSFER)


async def test_a_customer_whose_stream_dropped_is_abandoned_after_the_grace(redis_url: str, tmp_path: Path) -> None:
    async with insights_world(redis_url, tmp_path, chat_gone_after_s=GONE_S) as w:
        clock = _fake_clock(w)
        history = HistoryStore(w.redis, w.prefix)
        await _on_duty(w)
        asked = await w.chat("konsultant proszę")
        sid, tid = asked["session_id"], asked["handoff"]["transfer_id"]
        await _engine_wrote(w, history, sid)
        _, task = await _open(w, sid)
        await _drop(w, tid, task)  # the tab closed

        clock.t += GONE_S - 10  # a blip or a reload takes seconds: not gone yet
        await _sweep(w)
        assert await _status(w, tid) in ("waiting", "ringing")
        clock.t += 20  # not seen for longer than the grace
        await _sweep(w)
        assert await _status(w, tid) == "abandoned"

        queues = (await w.agent("GET", "/v1/queues", "szef")).json()
        assert all(q["waiting"] == [] for q in queues["queues"]), queues  # out of the queue and the agents' list
        assert (await w.agent("POST", f"/v1/chats/{tid}/accept", "anna")).status_code != 200  # nobody is there
        stats = (await w.agent("GET", f"/v1/stats?{stats_since()}", "szef")).json()["channels"]["chat"]
        assert stats["abandoned"] == 1  # as a phone caller who hangs up in the queue
        record = await history.get(sid) or {}
        assert record["outcome"] == "left_queue"
        assert ("system", catalogue.CHAT_CUSTOMER_GONE) in [(x["role"], x["text"]) for x in record["transcript"]]

        back = (await w.http.get(f"{w.chat_worker.base}/v1/chat/{sid}")).json()  # the customer comes back later
        assert back["handoff"]["status"] == "ended" and back["handoff"]["ended_by"] == "gone"
        assert back["handoff"]["text"] == catalogue.CHAT_CUSTOMER_GONE_WRITE
        await _on_duty(w)  # (anna let the offer lapse twice while nobody was there: she went offline)
        again = await w.chat("konsultant jednak proszę", sid)  # and can ask again
        assert again["handoff"]["status"] == "waiting" and again["handoff"]["transfer_id"] != tid


async def test_a_stream_that_reconnects_within_the_grace_still_waits(redis_url: str, tmp_path: Path) -> None:
    async with insights_world(redis_url, tmp_path, chat_gone_after_s=GONE_S) as w:
        clock = _fake_clock(w)
        await _on_duty(w)
        asked = await w.chat("konsultant proszę")
        sid, tid = asked["session_id"], asked["handoff"]["transfer_id"]
        _, task = await _open(w, sid)
        await _drop(w, tid, task)  # a page reload: the stream goes ...
        clock.t += 5
        _, task = await _open(w, sid)  # ... and comes back at once
        clock.t += GONE_S - 10
        await _sweep(w)
        assert await _status(w, tid) in ("waiting", "ringing")
        await _drop(w, tid, task)  # a network blip much later
        clock.t += 30
        _, task = await _open(w, sid)
        clock.t += GONE_S - 10  # well past the grace since the first stream, not since the last
        await _sweep(w)
        assert await _status(w, tid) in ("waiting", "ringing")
        await _drop(w, tid, task)


async def test_a_customer_who_keeps_writing_without_a_stream_still_waits(redis_url: str, tmp_path: Path) -> None:
    async with insights_world(redis_url, tmp_path, chat_gone_after_s=GONE_S) as w:
        clock = _fake_clock(w)
        await _on_duty(w)
        asked = await w.chat("konsultant proszę")
        sid, tid = asked["session_id"], asked["handoff"]["transfer_id"]
        for text in ("Halo?", "Czy ktoś tu jest?", "Nadal czekam."):
            clock.t += GONE_S - 10
            assert (await w.chat(text, sid))["action"] == "agent"  # to the agent, never the bot
            await _sweep(w)
            assert await _status(w, tid) in ("waiting", "ringing")
        clock.t += GONE_S + 1  # and then went quiet, without a stream
        await _sweep(w)
        assert await _status(w, tid) == "abandoned"


async def test_a_page_that_says_it_left_is_ended_sooner_unless_it_comes_back(redis_url: str, tmp_path: Path) -> None:
    """The widget's beacon on ``pagehide`` (``POST /v1/chat/{id}/left``) shortens the grace to ``LEFT_GRACE_S``;
    a reload fires it too, so the stream of the reloaded page, opened after it, puts the customer back."""
    async with insights_world(redis_url, tmp_path, chat_gone_after_s=GONE_S) as w:
        clock = _fake_clock(w)
        await _on_duty(w)
        reloaded = await w.chat("konsultant proszę")
        sid, tid = reloaded["session_id"], reloaded["handoff"]["transfer_id"]
        _, task = await _open(w, sid)
        await _drop(w, tid, task)
        assert (await w.http.post(f"{w.chat_worker.base}/v1/chat/{sid}/left")).status_code == 200
        clock.t += 2
        _, task = await _open(w, sid)  # the page came back
        clock.t += LEFT_GRACE_S + 10
        await _sweep(w)
        assert await _status(w, tid) in ("waiting", "ringing")
        await _drop(w, tid, task)

        await _on_duty(w)  # (anna let the first chat's offers lapse: offline)
        closed = await w.chat("konsultant proszę")
        sid, tid = closed["session_id"], closed["handoff"]["transfer_id"]
        _, task = await _open(w, sid)
        await _drop(w, tid, task)
        left = await w.http.post(f"{w.chat_worker.base}/v1/chat/{sid}/left", content=b"")  # as a beacon sends it
        assert left.status_code == 200 and left.json()["handoff"]["status"] == "waiting"
        clock.t += LEFT_GRACE_S + 1  # not the whole grace: the page said it went
        await _sweep(w)
        assert await _status(w, tid) == "abandoned"


async def test_a_customer_whose_stream_is_on_an_older_worker_is_not_ended(redis_url: str, tmp_path: Path) -> None:
    """A rolling update: the customer's stream is open on a worker of the release before this one, which stamps
    nothing, so these workers never see them; long past the grace (and past each worker's own start) the wait
    must go on, not end as abandoned under a customer who is there. Once a worker that stamps has seen them
    (their stream moved here), they are judged as anyone else."""
    async with insights_world(redis_url, tmp_path, chat_gone_after_s=GONE_S) as w:
        clock = _fake_clock(w)
        await _on_duty(w)
        asked = await w.chat("konsultant proszę")
        sid, tid = asked["session_id"], asked["handoff"]["transfer_id"]
        clock.t += 3 * GONE_S  # their stream, on the older worker, says nothing to these
        await _sweep(w)
        assert await _status(w, tid) in ("waiting", "ringing")
        assert (await w.http.post(f"{w.chat_worker.base}/v1/chat/{sid}/left")).status_code == 200  # a reload
        clock.t += LEFT_GRACE_S + 1  # its reloaded page's stream went to an older worker again
        await _sweep(w)
        assert await _status(w, tid) in ("waiting", "ringing")

        _, task = await _open(w, sid)  # the older worker stopped: the stream reconnects here, and is seen
        await _drop(w, tid, task)  # then the tab closed
        clock.t += GONE_S + 1
        await _sweep(w)
        assert await _status(w, tid) == "abandoned"


async def test_a_gone_customers_abandonment_counts_in_the_hour_their_wait_began(redis_url: str, tmp_path: Path) -> None:
    """Where the conversation's start hour is not known (its first turn on a worker from before it was kept, or
    forgotten), a wait counts in the hour it began. A gone customer's wait ends at their last sighting (7ab8cda),
    but the KPI put it that many seconds before the sweep: the hour the grace ran out, here the next day."""
    warsaw = ZoneInfo("Europe/Warsaw")
    clock = FakeClock(datetime(2026, 12, 6, 23, 57, tzinfo=warsaw).timestamp())
    async with insights_world(redis_url, tmp_path, chat_gone_after_s=GONE_S) as w:
        for worker, live in zip((w.chat_worker, w.agents_worker), _live(w), strict=True):
            assert worker.gateway.kpis is not None
            worker.gateway.kpis.clock = live.handoff.p.clock = clock
            live.handoff.unwatched()  # the workers watch from 23:57 on (their start is in the fake clock's future)
        await _on_duty(w)
        asked = await w.chat("konsultant proszę")  # handed over at 23:57
        sid, tid = asked["session_id"], asked["handoff"]["transfer_id"]
        for worker in (w.chat_worker, w.agents_worker):
            await worker.gateway.kpis.flush()  # type: ignore[union-attr]
        await w.redis.delete(f"{w.prefix}kpi:began:chat:{sid}")  # its start hour written by no worker
        clock.t += 60
        assert (await w.http.get(f"{w.chat_worker.base}/v1/chat/{sid}")).status_code == 200  # seen at 23:58
        clock.t += 180  # 00:01, not seen for longer than the grace
        await _sweep(w)
        assert await _status(w, tid) == "abandoned"
        for worker in (w.chat_worker, w.agents_worker):
            await worker.gateway.kpis.flush()  # type: ignore[union-attr]
        figures = []
        for day in ("2026-12-06", "2026-12-07"):
            chat = (await w.agent("GET", f"/v1/stats?channel=chat&from={day}&to={day}", "szef")).json()["channels"]
            figures.append((chat["chat"]["abandoned"], chat["chat"]["wait"]["count"]))
        assert figures == [(1, 1), (0, 0)]


async def test_a_worker_whose_start_up_outlasted_the_grace_ends_nobody_until_a_grace_after_it_is_ready(
    redis_url: str, tmp_path: Path
) -> None:
    """A gateway restarted (a host's reboot, a deployment that replaces every worker) loads its models before it is
    ready; until then the load balancer sends it no stream (``/readyz``), so no customer can be seen through it,
    while its chat watch already sweeps. A start-up longer than the grace must not end every customer still
    there: their streams reconnect once it is ready, and it ends nobody until a whole grace after that."""
    prefix = f"cg{uuid.uuid4().hex[:8]}:"
    settings = settings_for(free_port(), prefix, redis_url, write_roster(tmp_path / "a.yaml", {"anna": "Anna"}))
    settings = settings.model_copy(update={"chat_gone_after_s": GONE_S})
    gateway = build_gateway(settings)  # start-up begins: the chat watch runs from here
    assert gateway.transfer is not None and gateway.transfer.chat is not None
    handoff = gateway.transfer.chat.handoff
    clock = FakeClock(time.time())
    handoff.p.clock = clock
    record = TransferRecord(
        tid="t-restart", call_sid=chat_key("s-restart"), channel="chat", queue="obsluga", reason="requested_human",
        session_id="s-restart", created_at=clock.t - 60, enqueued_at=clock.t - 60,
    )  # fmt: skip
    await handoff.p.store.create(record)
    await handoff.p.store.update(record.tid, customer_seen_at=clock.t - 5)  # their stream, before the restart
    store = RedisStore(redis_url, prefix=prefix)
    try:
        clock.t += GONE_S + 60  # the models took this long: not ready, no stream could come here
        await gateway.start(Services(settings, gateway.store, HistoryDialog(store)))
        clock.t += 5  # ready: their widget's stream is on its way back
        await handoff.expire_offers()
        assert (await handoff.record(record.tid)).status == "waiting"  # type: ignore[union-attr]
        clock.t += GONE_S  # ready for a whole grace and still not seen: they did leave
        await handoff.expire_offers()
        assert (await handoff.record(record.tid)).status == "abandoned"  # type: ignore[union-attr]
    finally:
        await gateway.close()
        await store.close()
        redis = Redis.from_url(redis_url, decode_responses=True)
        keys = [k async for k in redis.scan_iter(f"{prefix}*")]
        if keys:
            await redis.delete(*keys)
        await redis.aclose()
