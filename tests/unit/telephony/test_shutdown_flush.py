"""What a stopping gateway still holds for Redis (``telephony/shutdown.py``): the KPI writes in flight, the
session copies kept through an outage and the session leases' releases still running are done before the pool
closes, all at once, and a store that never answers holds ``Gateway.close`` no longer than ``shutdown_flush_s``
(the writes left are named in the log)."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest

from dialog.resume import fresh_session
from telephony.app.build import Gateway, build_gateway
from telephony.app.services import Services
from telephony.app.speaker import close_speaker
from telephony.chat.session_lease import SessionLease
from telephony.chat.session_locks import SessionLocks
from telephony.conversation_thread import ConversationThread
from telephony.insights.kpis import KpiStore
from telephony.insights.recorder import TurnKpis
from telephony.settings import Settings
from telephony.shutdown import settle_within
from telephony.speaker.conversation import CONVERSATION_KEY
from telephony.speaker.kept import Kept, KeptConversations
from telephony.speaker.server import gateway_from_services
from telephony.store_health import StoreHealth
from tests.support.lost_session import demo_engine
from tests.support.store import FakeStore

BOUND_S = 0.05  # the flush bound in these tests; a close must end well within ``CEILING_S`` whatever Redis does
CEILING_S = 10.0


class ScriptedRedis:
    """The part of a Redis client ``KpiStore.write`` uses (its ``ADD_ONCE`` script, the conversation's start
    hour); ``hang``: its scripts never answer."""

    def __init__(self, events: list[str], hang: bool = False) -> None:
        self.events, self.hang, self.fields = events, hang, dict[str, int]()

    def register_script(self, script: str) -> Any:
        async def run(keys: list[str], args: list[Any]) -> int:
            for _ in range(3):  # a round trip: the write is not done when close begins
                await asyncio.sleep(0)
            if self.hang:
                await asyncio.Event().wait()
            for name, n in zip(args[2::2], args[3::2], strict=True):
                self.fields[name] = self.fields.get(name, 0) + int(n)
            self.events.append("kpi written")
            return 1

        return run

    async def get(self, key: str) -> None:
        return None  # no conversation's start kept: its outcome goes in the hour decided

    async def set(self, key: str, value: Any, **kw: Any) -> bool:
        return True


class ClosingStore(FakeStore):
    """A store that says when it is closed (the pool every writer shares); ``hang``: its writes never answer."""

    def __init__(self, events: list[str], hang: bool = False) -> None:
        super().__init__()
        self.events, self.hang = events, hang

    async def set(self, key: str, value: dict[str, Any], ttl_s: int | None = None) -> None:
        if self.hang and not self.fail:
            await asyncio.Event().wait()
        await super().set(key, value, ttl_s)
        self.events.append(f"set {key}")

    async def close(self) -> None:
        self.events.append("store closed")


class ScriptedLeases:
    """The part of a Redis client ``SessionLease`` uses: its scripts, each run a round trip away."""

    def __init__(self, events: list[str]) -> None:
        self.events = events

    def register_script(self, script: str) -> Any:
        async def run(keys: list[str], args: list[str]) -> int:
            await asyncio.sleep(0.01)  # not done when close begins
            self.events.append("lease released")
            return 1

        return run


def releasing_lease(events: list[str]) -> SessionLease:
    """A lease whose release is running in the background: Redis timed out a moment ago (the breaker is open)."""
    breaker = StoreHealth(backoff_s=60.0)
    breaker.saw(TimeoutError())
    return SessionLease(ScriptedLeases(events), breaker=breaker)  # type: ignore[arg-type]


def gateway_with(redis: ScriptedRedis, store: ClosingStore) -> Gateway:
    gateway = build_gateway(Settings.model_validate({"shutdown_flush_s": BOUND_S, "log_json": False}))
    gateway.kpis, gateway.store = KpiStore(redis), store  # type: ignore[arg-type]
    return gateway


async def kept_thread(store: FakeStore, session_id: str) -> ConversationThread:
    """A device conversation whose latest session only this process has (the store was down at its turn)."""
    thread = ConversationThread(demo_engine(store), "?", "voice")
    assert thread.repo is not None
    store.fail = True
    await thread.repo.save(fresh_session(session_id, "voice", 1.0))
    store.fail = False  # Redis is back; nothing has written the copy yet
    assert thread.repo.pending
    return thread


async def test_close_writes_the_kpis_in_flight_before_it_closes_the_store() -> None:
    events: list[str] = []
    redis = ScriptedRedis(events)
    gateway = gateway_with(redis, ClosingStore(events))
    assert gateway.kpis is not None
    gateway.kpis.started("chat")
    await gateway.close()
    assert events == ["kpi written", "store closed"]
    assert redis.fields == {"conversations": 1}


async def test_a_redis_that_never_answers_holds_close_no_longer_than_the_bound(
    caplog: pytest.LogCaptureFixture,
) -> None:
    events: list[str] = []
    store = ClosingStore(events, hang=True)
    gateway = gateway_with(ScriptedRedis(events, hang=True), store)
    kept = KeptConversations()
    kept.put("dev-1", Kept(await kept_thread(store, "dev-1")))
    gateway.held.append(kept)
    assert gateway.kpis is not None
    gateway.kpis.started("chat")
    await asyncio.wait_for(gateway.close(), CEILING_S)  # a hang here fails the test instead of the suite
    assert events == ["store closed"]
    assert "1 KPI writes not in Redis at shutdown" in caplog.text
    assert "1 of 1 conversation sessions never reached Redis at shutdown: dev-1" in caplog.text


async def test_every_pending_copy_is_written_once_and_the_ones_that_fail_are_named(
    caplog: pytest.LogCaptureFixture,
) -> None:
    up, down = ClosingStore([]), ClosingStore([], hang=True)
    kept = KeptConversations()
    written, stuck = await kept_thread(up, "dev-ok"), await kept_thread(down, "dev-stuck")
    kept.put("dev-ok", Kept(written))
    kept.put("ha-conversation", Kept(written))  # one thread under two keys (a speaker's): written once
    kept.put("dev-stuck", Kept(stuck))
    kept.put("dev-idle", Kept(ConversationThread(demo_engine(up), "?", "voice")))  # nothing pending
    with caplog.at_level(logging.ERROR):
        failed = await asyncio.wait_for(kept.flush_pending(BOUND_S), CEILING_S)
    assert failed == ["dev-stuck"]
    assert up.events == ["set session:dev-ok"]
    assert written.repo is not None and not written.repo.pending
    assert "1 of 2 conversation sessions never reached Redis at shutdown: dev-stuck" in caplog.text


async def test_settle_within_cancels_what_did_not_finish_and_counts_errors_as_not_written() -> None:
    hung = asyncio.ensure_future(asyncio.Event().wait())

    async def fails() -> bool:
        raise ConnectionError("refused")

    async def done() -> bool:
        return True

    async def not_written() -> bool:
        return False

    jobs = {"hung": hung, "fails": fails(), "done": done(), "no": not_written()}
    failed = await asyncio.wait_for(settle_within(jobs, BOUND_S), CEILING_S)  # type: ignore[arg-type]
    assert sorted(failed) == ["fails", "hung", "no"]
    await asyncio.sleep(0)
    assert hung.cancelled()


async def test_the_speaker_server_writes_its_kept_conversation_and_kpis_before_closing_the_store() -> None:
    events: list[str] = []
    store, redis = ClosingStore(events), ScriptedRedis(events)
    settings = Settings.model_validate({"shutdown_flush_s": BOUND_S, "log_json": False})
    services = Services(settings, store, demo_engine(store), kpis=TurnKpis(KpiStore(redis)))  # type: ignore[arg-type]
    conversations = gateway_from_services(services).conversations
    assert conversations is not None and services.held == [conversations]
    first = await conversations.turn("Gdzie jest moja paczka?", "ha-1")
    store.fail = True  # Redis down: the next turn goes on from the copy here
    await conversations.turn("cztery osiem dwa jeden trzy", "ha-1")
    store.fail = False  # back, and the server stops before another turn
    events.clear()
    await asyncio.wait_for(close_speaker(services), CEILING_S)
    assert events[-1] == "store closed" and "kpi written" in events
    session = store.data[f"session:{first.session_id}"]
    assert [text for role, text in session["history"] if role == "caller"][-1] == "cztery osiem dwa jeden trzy"
    assert store.data[CONVERSATION_KEY.format("ha-1")]["session_id"] == first.session_id


async def test_a_copy_idle_past_the_session_ttl_is_not_brought_back_at_shutdown() -> None:
    store, now = ClosingStore([]), [0.0]
    kept = KeptConversations(idle_s=60.0, clock=lambda: now[0])
    kept.put("dev-old", Kept(await kept_thread(store, "dev-old")))
    now[0] = 61.0  # its session has expired in Redis meanwhile: writing the copy would revive it
    assert await asyncio.wait_for(kept.flush_pending(BOUND_S), CEILING_S) == []
    assert store.events == []


async def test_close_lets_the_session_leases_releases_finish_before_it_closes_the_store() -> None:
    """A release sent in the background (Redis timed out a moment ago) was cut off by the pool's close at shutdown:
    its lease kept the session from the other workers for the TTL. The gateway's and the speaker server's."""
    for close in ("gateway", "speaker"):
        events: list[str] = []
        store, lease = ClosingStore(events), releasing_lease(events)
        settings = Settings.model_validate({"shutdown_flush_s": CEILING_S, "log_json": False})
        await lease.give_back("s1", "token")  # not waited for by the turn
        assert lease.in_flight == 1
        if close == "gateway":
            gateway = build_gateway(settings)
            gateway.store, gateway.locks = store, SessionLocks(lease)
            await asyncio.wait_for(gateway.close(), CEILING_S)
        else:
            await asyncio.wait_for(close_speaker(Services(settings, store, demo_engine(store), lease=lease)), CEILING_S)
        assert events == ["lease released", "store closed"], close
