"""Behind Sentinel, which failed command is tried again (``FailoverRetry``), driven by a script: each try's
outcome, what the sentinels answer when asked for the master, and a fake clock that each try advances.

A timed-out command may have been applied by a master that then stalled: it is tried again only when the
sentinels name another master, never on the same one (an INCR or RPUSH would land twice, and the request
waited the whole failover window for it). A lost connection is tried again until the window has passed."""

from __future__ import annotations

import pytest
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from dialog.redis_connect import Address, FailoverConnection, FailoverRetry, connect_redis

A, B = ("10.0.0.1", 6379), ("10.0.0.2", 6379)
TRY_S = 2.0  # each try takes this long on the fake clock (a timeout's wait)


class Script:
    """Tries that fail with ``errors`` in turn (then answer "OK"), on a fake clock; the sentinels name the
    masters in ``masters`` in turn when asked; ``dialled`` is the master the connection last went to."""

    def __init__(self, errors: list[Exception], masters: list[Address | None], dialled: Address = A) -> None:
        self.errors, self.masters, self.dialled = errors, masters, dialled
        self.now, self.tries, self.asked, self.failed = 0.0, 0, 0, 0

    def retry(self, window_s: float = 10.0) -> FailoverRetry:
        retry = FailoverRetry(window_s, clock=lambda: self.now, backoff=NoBackoff())
        retry.sent_to, retry.master_now = (lambda: self.dialled), self.master_now
        return retry

    async def do(self) -> str:
        self.tries += 1
        self.now += TRY_S
        if self.errors:
            raise self.errors.pop(0)
        return "OK"

    async def fail(self, error: Exception, count: int) -> None:
        self.failed = count

    async def master_now(self) -> Address | None:
        self.asked += 1
        return self.masters.pop(0)


async def run(script: Script, window_s: float = 10.0) -> str:
    return await script.retry(window_s).call_with_retry(script.do, script.fail, with_failure_count=True)


async def test_a_timeout_on_a_master_the_sentinels_still_name_is_raised_after_one_try() -> None:
    script = Script([RedisTimeoutError("stalled")], masters=[A])
    with pytest.raises(RedisTimeoutError, match="stalled"):
        await run(script)
    assert (script.tries, script.asked, script.failed, script.now) == (1, 1, 1, TRY_S)  # not the 10 s window


async def test_a_timeout_is_tried_again_once_the_sentinels_name_another_master() -> None:
    script = Script([RedisTimeoutError("stalled")], masters=[B])
    assert await run(script) == "OK"
    assert (script.tries, script.asked) == (2, 1)


async def test_a_timeout_when_the_sentinels_cannot_say_is_raised() -> None:
    script = Script([RedisTimeoutError("stalled")], masters=[None])  # unreachable, or the master marked down
    with pytest.raises(RedisTimeoutError):
        await run(script)
    assert script.tries == 1


async def test_a_timeout_on_the_promoted_master_itself_is_not_tried_a_third_time() -> None:
    """A timed out, the sentinels named B, the try on B timed out too while they still name B: given up."""
    script = Script([RedisTimeoutError("on A"), RedisTimeoutError("on B")], masters=[B, B])
    retry = script.retry()
    dialled = iter([A, B])
    retry.sent_to = lambda: next(dialled)
    with pytest.raises(RedisTimeoutError, match="on B"):
        await retry.call_with_retry(script.do, script.fail, with_failure_count=True)
    assert (script.tries, script.asked) == (2, 2)


async def test_a_lost_connection_is_tried_again_without_asking_until_the_window_has_passed() -> None:
    refused: list[Exception] = [RedisConnectionError(f"refused {n}") for n in range(10)]
    script = Script(refused, masters=[])
    with pytest.raises(RedisConnectionError, match="refused 4"):
        await run(script, window_s=10.0)  # tries end at 2, 4, 6, 8, 10 s: the fifth one is past the window
    assert (script.tries, script.asked) == (5, 0)


async def test_a_failover_refused_then_answered_by_the_new_master() -> None:
    script = Script([RedisConnectionError("refused"), RedisConnectionError("refused")], masters=[])
    assert await run(script) == "OK"
    assert (script.tries, script.asked) == (3, 0)


async def test_a_timeout_past_the_window_is_raised_without_asking_the_sentinels() -> None:
    script = Script([RedisConnectionError("refused"), RedisTimeoutError("late")], masters=[B])
    with pytest.raises(RedisTimeoutError, match="late"):
        await run(script, window_s=3.0)
    assert (script.tries, script.asked) == (2, 0)


async def test_an_unbound_retry_never_tries_a_timeout_again() -> None:
    script = Script([RedisTimeoutError("stalled")], masters=[])
    with pytest.raises(RedisTimeoutError):
        await FailoverRetry(10.0, backoff=NoBackoff()).call_with_retry(script.do, script.fail, with_failure_count=True)
    assert script.tries == 1


async def test_each_sentinel_connection_binds_its_own_copy_to_its_address_and_the_sentinels() -> None:
    """The pool's retry is copied into every connection: each tells its own address, and asks the pool's
    sentinels (here none answers: the timeout would be raised, not tried again)."""
    pool = connect_redis("redis+sentinel://127.0.0.1:1/main/0").connection_pool
    first, second = pool.make_connection(), pool.make_connection()
    assert isinstance(first, FailoverConnection) and isinstance(second, FailoverConnection)
    assert isinstance(first.retry, FailoverRetry) and isinstance(second.retry, FailoverRetry)
    assert first.retry is not second.retry
    first.host, first.port, second.host, second.port = "10.0.0.1", 6379, "10.0.0.2", 6380
    assert (first.retry.sent_to(), second.retry.sent_to()) == (A, ("10.0.0.2", 6380))
    assert await first.retry.master_now() is None
    assert pool.connection_kwargs["retry"].sent_to() is None  # the pool's own is never bound
