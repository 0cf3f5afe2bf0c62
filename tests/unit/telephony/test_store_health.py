"""The store-health breaker (``telephony/store_health.py``): once Redis timed out, the rate limits, the
failed-credential brake and chat turns skip it for the back-off, each as it does when Redis is down (limits
let through, a chat 503), until the recovery watcher finds Redis answering. The stalled Redis itself is in
``tests/integration/telephony/test_redis_stall.py``; here the decisions, with a clock the test moves."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from limits.aio.storage import MemoryStorage
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from dialog.store import MemoryStore
from telephony.access.ratelimit import Limiter, Rules
from telephony.app.recovery import Recovery
from telephony.chat.models import ChatRequest
from telephony.chat.turn import ChatTurns
from telephony.spool import Spool, StoreDown
from telephony.store_health import StoreHealth, StoreWatch, is_timeout
from tests.support.call import ScriptedDialog
from tests.support.windows import inside_one_window


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class StallingStorage(MemoryStorage):
    """The limits' storage: counts what is asked of it, and times out like a stalled Redis while ``stalled``."""

    def __init__(self) -> None:
        super().__init__()
        self.asked, self.stalled = 0, False

    async def _ask(self) -> None:
        self.asked += 1
        if self.stalled:
            raise RedisTimeoutError("Timeout reading from socket")

    async def get_sliding_window(self, key: str, expiry: int) -> Any:
        await self._ask()
        return await super().get_sliding_window(key, expiry)

    async def acquire_sliding_window_entry(self, key: str, limit: int, expiry: int, amount: int = 1) -> bool:
        await self._ask()
        return await super().acquire_sliding_window_entry(key, limit, expiry, amount)


def test_a_timeout_opens_the_back_off_and_it_ends_by_itself_or_when_redis_answers() -> None:
    clock = Clock()
    health = StoreHealth(5.0, clock)
    assert not health.stalled
    assert not health.saw(RedisConnectionError("refused"))  # down: fails fast already, never skipped
    assert not health.stalled
    assert health.saw(RedisTimeoutError("Timeout reading from socket")) and health.stalled
    clock.now += 4.9
    assert health.stalled
    clock.now += 0.1
    assert not health.stalled  # the back-off passed: the next command asks Redis again
    assert health.saw(TimeoutError()) and health.stalled  # an asyncio deadline is a timeout too
    health.answered()
    assert not health.stalled  # the recovery watcher found Redis answering


def test_a_back_off_of_zero_never_skips_redis() -> None:
    health = StoreHealth(0.0, Clock())
    assert health.saw(RedisTimeoutError()) and not health.stalled


def test_a_timeout_wrapped_in_another_error_is_still_one() -> None:
    try:
        try:
            raise RedisTimeoutError("Timeout reading from socket")
        except RedisTimeoutError as inner:
            raise RuntimeError("storage error") from inner
    except RuntimeError as outer:
        assert is_timeout(outer)
    assert not is_timeout(RuntimeError("storage error"))


def test_a_pool_out_of_free_connections_is_load_not_a_stalled_redis() -> None:
    """redis-py's pool raises "No connection available." from a TimeoutError when all its connections are in
    use: the worker is busy and Redis answers, so the rate limits must stay on (the breaker would skip them)."""
    try:
        try:
            raise TimeoutError()
        except TimeoutError as err:
            raise RedisConnectionError("No connection available.") from err
    except RedisConnectionError as exc:
        busy = exc
    assert not is_timeout(busy)
    health = StoreHealth(5.0, Clock())
    assert not health.saw(busy) and not health.stalled


async def test_the_limits_and_the_brake_skip_a_redis_that_timed_out_and_let_requests_through() -> None:
    clock, storage = Clock(), StallingStorage()
    health = StoreHealth(5.0, clock)
    limiter = Limiter(storage, Rules(per_ip="1/minute", per_token="1/minute", failures="1/minute"), health=health)
    await inside_one_window(60.0)  # the token's two hits in one minute (the in-memory windows follow the clock)
    assert await limiter.hit_token("key:kiosk") is None and storage.asked == 1
    storage.stalled = True
    assert await limiter.blocked("10.0.0.1") is None  # timed out: let through, as when Redis is down
    asked = storage.asked
    assert await limiter.hit_token("key:kiosk") is None  # over its limit, but Redis is not asked again
    await limiter.failed("10.0.0.1")
    assert await limiter.blocked("10.0.0.1") is None
    assert storage.asked == asked  # nothing sent to the stalled Redis during the back-off
    storage.stalled = False
    health.answered()
    assert await limiter.hit_token("key:kiosk") is not None  # Redis answers: the limit holds again
    assert storage.asked > asked


async def test_without_a_breaker_every_check_asks_redis() -> None:
    storage = StallingStorage()
    storage.stalled = True
    limiter = Limiter(storage, Rules())
    assert await limiter.blocked("10.0.0.1") is None and await limiter.hit_ip("10.0.0.1") is None
    assert storage.asked == 2


async def test_a_chat_turn_is_answered_503_at_once_while_redis_is_skipped() -> None:
    health, dialog = StoreHealth(5.0, Clock()), ScriptedDialog()
    turns = ChatTurns(health=health)
    assert (await turns.answer(ChatRequest(text="dzień dobry"), dialog, None))["reply"]
    health.saw(RedisTimeoutError())
    with pytest.raises(StoreDown):  # the app's handler: 503 with the Polish reply
        await turns.answer(ChatRequest(text="a gdzie paczka?"), dialog, None)
    assert dialog.handled == ["dzień dobry"]  # the dialog (its session read and save) was never reached


async def test_the_recovery_check_ends_the_back_off(tmp_path: Path) -> None:
    health = StoreHealth(3600.0, Clock())
    recovery = Recovery(MemoryStore(), Spool(tmp_path / "spool.jsonl"), health=health)
    health.saw(RedisTimeoutError())
    assert await recovery.check() and not health.stalled


class PingedStore:
    """A store's ``ping`` (the speaker watcher's only question): counted, answering while ``up``."""

    def __init__(self) -> None:
        self.up, self.pings = False, 0
        self.pinged = asyncio.Event()

    async def ping(self) -> bool:
        self.pings += 1
        self.pinged.set()
        return self.up


async def test_the_speaker_watcher_ends_the_back_off_only_once_redis_answers() -> None:
    health, store = StoreHealth(3600.0, Clock()), PingedStore()
    watch = StoreWatch(store, health)
    health.saw(RedisTimeoutError())
    assert not await watch.check() and health.stalled  # still stalled: the back-off holds
    store.up = True
    assert await watch.check() and not health.stalled


async def test_the_speaker_watcher_pings_only_while_the_back_off_is_open() -> None:
    health, store = StoreHealth(3600.0, Clock()), PingedStore()
    task = asyncio.create_task(StoreWatch(store, health, poll_s=0.0).run())
    try:
        for _ in range(20):  # its loop goes round many times (sleep(0) yields once): nothing sent to Redis
            await asyncio.sleep(0)
        assert store.pings == 0
        store.up = True
        health.saw(RedisTimeoutError())
        await asyncio.wait_for(store.pinged.wait(), 10.0)
        assert not health.stalled
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
