"""A stalled Redis (accepts, never answers) must fail a command within ``INFOLINIA_REDIS_TIMEOUT_S``: every
client is built with that socket timeout, a plain Redis does not retry a timeout (three tries of a stalled
Redis held a request for 15 s), and ``WAIT`` cannot be set to block longer than a command may take."""

from __future__ import annotations

import pytest
from pydantic import ValidationError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from dialog.redis_connect import REDIS_TIMEOUT_S, connect_redis
from telephony.app.services import build_redis
from telephony.settings import Settings


def test_every_connection_has_a_read_timeout_by_default() -> None:
    pool = connect_redis("redis://127.0.0.1:1/0").connection_pool
    assert pool.connection_kwargs["socket_timeout"] == REDIS_TIMEOUT_S == 2.0
    assert pool.connection_kwargs["socket_connect_timeout"] == 3.0


def test_the_setting_reaches_the_gateway_s_client() -> None:
    settings = Settings(redis_url="redis://127.0.0.1:1/0", redis_timeout_s=0.7)
    client = build_redis(settings)
    assert client is not None and client.connection_pool.connection_kwargs["socket_timeout"] == 0.7


def test_a_plain_redis_retries_a_lost_connection_but_not_a_timeout() -> None:
    retry = connect_redis("redis://127.0.0.1:1/0").connection_pool.connection_kwargs["retry"]
    assert RedisConnectionError in retry._supported_errors
    assert not any(issubclass(RedisTimeoutError, e) for e in retry._supported_errors)


def test_sentinel_sees_a_timeout_to_decide_on_it_and_asks_sentinels_with_a_timeout() -> None:
    """The Sentinel retry is handed timeouts, to try them again on a new master only (test_redis_failover_retry)."""
    pool = connect_redis("redis+sentinel://127.0.0.1:1/main/0", timeout_s=1.5).connection_pool
    retry = pool.connection_kwargs["retry"]
    assert pool.connection_kwargs["socket_timeout"] == 1.5 and RedisTimeoutError in retry._supported_errors
    sentinel = pool.sentinel_manager.sentinels[0].connection_pool
    assert sentinel.connection_kwargs["socket_timeout"] == 1.5  # a stalled sentinel is skipped, not waited on


def test_wait_for_replicas_must_end_before_the_command_timeout() -> None:
    assert Settings(redis_wait_ms=1500, redis_timeout_s=2.0).redis_wait_ms == 1500
    with pytest.raises(ValidationError, match="INFOLINIA_REDIS_TIMEOUT_S"):
        Settings(redis_wait_ms=2000, redis_timeout_s=2.0)
    with pytest.raises(ValidationError):
        Settings(redis_timeout_s=0)
