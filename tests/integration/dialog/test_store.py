"""Key-value stores (in-process and a REAL redis-server) and the session repository on both."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from dialog.session import MAX_HISTORY, Session
from dialog.store import MemoryStore, RedisStore, SessionRepo
from tests.support.clock import FakeClock


@pytest.fixture
async def redis_store(redis_url: str) -> AsyncIterator[RedisStore]:
    """A RedisStore on the suite's real redis-server, under a unique prefix that is wiped afterwards."""
    url = redis_url
    prefix = f"test-{uuid.uuid4().hex[:8]}:"
    store = RedisStore(url, prefix=prefix)
    yield store
    raw = Redis.from_url(url)
    keys = [k async for k in raw.scan_iter(match=f"{prefix}*")]
    if keys:
        await raw.delete(*keys)
    await raw.aclose()
    await store.close()


# ---------------------------------------------------------------- MemoryStore
async def test_memory_store_ttl_with_fake_clock() -> None:
    clock = FakeClock(1000.0)
    store = MemoryStore(clock=clock)
    await store.set("a", {"x": 1}, ttl_s=10)
    await store.set("forever", {"y": 2})
    clock.t += 9.9
    assert await store.get("a") == {"x": 1}
    clock.t += 0.1
    assert await store.get("a") is None
    assert await store.pop("a") is None
    clock.t += 10**6
    assert await store.get("forever") == {"y": 2}
    assert len(store) == 1


async def test_memory_store_set_refreshes_ttl_and_values_are_copies() -> None:
    clock = FakeClock(1000.0)
    store = MemoryStore(clock=clock)
    value = {"list": [1]}
    await store.set("k", value, ttl_s=5)
    value["list"].append(2)  # the caller's later mutation must not leak into the store
    got = await store.get("k")
    assert got == {"list": [1]}
    got["list"].append(3)
    assert await store.get("k") == {"list": [1]}
    clock.t += 4
    await store.set("k", {"v": 2}, ttl_s=5)
    clock.t += 4
    assert await store.get("k") == {"v": 2}


async def test_memory_store_pop_delete_ping_close() -> None:
    store = MemoryStore()
    await store.set("token", {"call": "CA1"})
    assert await store.pop("token") == {"call": "CA1"}
    assert await store.pop("token") is None
    await store.set("k", {"a": 1})
    await store.delete("k")
    await store.delete("missing")
    assert await store.get("k") is None
    assert await store.ping() is True
    await store.set("k", {"a": 1})
    await store.close()
    assert await store.get("k") is None


# ---------------------------------------------------------------- RedisStore (real server)
@pytest.mark.redis
async def test_redis_roundtrip_ttl_and_prefix(redis_store: RedisStore) -> None:
    assert await redis_store.ping() is True
    await redis_store.set("session:x", {"ż": "ółć", "n": [1, 2]}, ttl_s=30)
    assert await redis_store.get("session:x") == {"ż": "ółć", "n": [1, 2]}
    raw = redis_store._redis
    assert await raw.exists(f"{redis_store.prefix}session:x") == 1  # stored under the prefix
    assert 0 < await raw.ttl(f"{redis_store.prefix}session:x") <= 30
    await redis_store.set("no-ttl", {"a": 1})
    assert await raw.ttl(f"{redis_store.prefix}no-ttl") == -1
    await redis_store.delete("session:x")
    assert await redis_store.get("session:x") is None


@pytest.mark.redis
async def test_redis_ttl_really_expires(redis_store: RedisStore) -> None:
    await redis_store.set("short", {"a": 1}, ttl_s=1)
    await asyncio.sleep(1.2)
    assert await redis_store.get("short") is None


@pytest.mark.redis
async def test_redis_pop_is_atomic_single_use(redis_store: RedisStore) -> None:
    await redis_store.set("token", {"call": "CA1"}, ttl_s=60)
    results = await asyncio.gather(*(redis_store.pop("token") for _ in range(20)))
    assert results.count({"call": "CA1"}) == 1  # exactly one winner
    assert results.count(None) == 19


@pytest.mark.redis
async def test_redis_prefixes_isolate_deployments(redis_store: RedisStore, redis_url: str) -> None:
    other = RedisStore(redis_url, prefix=redis_store.prefix + "other:")
    try:
        await redis_store.set("k", {"who": "a"})
        await other.set("k", {"who": "b"})
        assert await redis_store.get("k") == {"who": "a"}
        assert await other.get("k") == {"who": "b"}
    finally:
        await other.delete("k")
        await other.close()


async def test_redis_ping_is_false_when_unreachable() -> None:
    store = RedisStore("redis://127.0.0.1:9/0", prefix="x:")
    try:
        assert await store.ping() is False
    finally:
        await store.close()


# ---------------------------------------------------------------- SessionRepo on both stores
async def _session_roundtrip(repo: SessionRepo) -> None:
    session = Session(id=repo.new_id(), channel="phone", order_id="48213", misses=1)
    session.add("caller", "gdzie jest moja paczka")
    session.add("bot", "Proszę podać numer zamówienia.")
    session.kb_given.append("dostawa-czas")
    await repo.save(session)
    loaded = await repo.load(session.id)
    assert loaded == session
    assert loaded is not None and loaded.history[0] == ("caller", "gdzie jest moja paczka")
    assert await repo.load("unknown") is None
    await repo.delete(session.id)
    assert await repo.load(session.id) is None


async def test_session_repo_on_memory_store() -> None:
    await _session_roundtrip(SessionRepo(MemoryStore(), ttl_s=60))


@pytest.mark.redis
async def test_session_repo_on_redis(redis_store: RedisStore) -> None:
    repo = SessionRepo(redis_store, ttl_s=60)
    await _session_roundtrip(repo)
    session = Session(id="abc")
    await repo.save(session)
    assert 0 < await redis_store._redis.ttl(f"{redis_store.prefix}session:abc") <= 60


async def test_session_ttl_and_unreadable_session_start_fresh() -> None:
    clock = FakeClock(1000.0)
    store = MemoryStore(clock=clock)
    repo = SessionRepo(store, ttl_s=60)
    await repo.save(Session(id="s1"))
    clock.t += 61
    assert await repo.load("s1") is None
    await store.set("session:bad", {"id": "bad", "history": "not a list"})
    assert await repo.load("bad") is None


def test_session_history_is_bounded_and_ids_unguessable() -> None:
    session = Session(id="s")
    for i in range(MAX_HISTORY + 10):
        session.add("caller", str(i))
    assert len(session.history) == MAX_HISTORY and session.history[-1] == ("caller", str(MAX_HISTORY + 9))
    repo = SessionRepo(MemoryStore())
    ids = {repo.new_id() for _ in range(100)}
    assert len(ids) == 100 and all(len(i) == 64 and repo.could_have_issued(i) for i in ids)
