"""The Redis URLs an operator may set: a Sentinel URL parses into its sentinels, master and database, and a
typo is a clear error at start-up (Settings), never a client dialling the wrong place."""

from __future__ import annotations

import pytest
from pydantic import ValidationError
from redis.asyncio.connection import SSLConnection

from dialog.redis_connect import (
    BlockingSentinelPool,
    FailoverSSLConnection,
    connect_redis,
)
from dialog.redis_urls import is_sentinel_url, parse_sentinel_url, safe_url
from telephony.settings import Settings


def test_a_sentinel_url_names_the_sentinels_the_master_and_the_database() -> None:
    target = parse_sentinel_url("redis+sentinel://app:s3cr%40t@10.0.0.1:26379,10.0.0.2:26380/main/2")
    assert target.sentinels == [("10.0.0.1", 26379), ("10.0.0.2", 26380)]
    assert (target.master, target.db, target.tls) == ("main", 2, False)
    assert (target.username, target.password) == ("app", "s3cr@t")


def test_tls_and_options_and_the_default_database() -> None:
    target = parse_sentinel_url("rediss+sentinel://s1:26379/main?ssl_ca_certs=/etc/ca.pem&sentinel_password=x")
    assert target.tls and target.db == 0 and target.password is None
    assert target.options == {"ssl_ca_certs": "/etc/ca.pem", "sentinel_password": "x"}


@pytest.mark.parametrize(
    "url",
    [
        "redis+sentinel:///main/0",  # no sentinel
        "redis+sentinel://s1/main/0",  # no port
        "redis+sentinel://s1:26379",  # no master name
        "redis+sentinel://s1:26379/main/zero",  # the database is a number
        "redis+sentinel://s1:26379/main/0/extra",
    ],
)
def test_a_malformed_sentinel_url_is_refused_at_start_up(url: str) -> None:
    with pytest.raises(ValidationError, match=r"Sentinel URL|host:port"):
        Settings(redis_url=url)


def test_plain_urls_are_not_sentinel_urls_and_build_the_blocking_pool() -> None:
    assert not is_sentinel_url("redis://h:6379/0") and not is_sentinel_url("rediss://h:6380/0")
    assert Settings(redis_url="rediss://h:6380/0").redis_url == "rediss://h:6380/0"
    client = connect_redis("redis+sentinel://127.0.0.1:1/main/3", max_connections=7, wait_s=1.5)
    pool = client.connection_pool
    assert isinstance(pool, BlockingSentinelPool)  # bounded wait for a connection, as with a plain URL
    assert (pool.max_connections, pool.timeout, pool.connection_kwargs["db"]) == (7, 1.5, 3)


def test_infolinia_check_never_prints_a_sentinel_url_s_passwords() -> None:
    shown = safe_url("redis+sentinel://app:pw1@s1:26379,s2:26379/main/0?sentinel_password=pw2&ssl_cert_reqs=none")
    assert "pw1" not in shown and "pw2" not in shown and "s1:26379,s2:26379/main/0" in shown
    assert safe_url("redis://h:6379/0") == "redis://h:6379/0"


def test_a_tls_sentinel_url_connects_to_the_master_over_tls_with_the_given_ca() -> None:
    client = connect_redis("rediss+sentinel://127.0.0.1:1/main/0?ssl_ca_certs=/etc/ca.pem&sentinel_password=x")
    pool = client.connection_pool
    assert issubclass(pool.connection_class, FailoverSSLConnection)
    assert pool.connection_kwargs["ssl_ca_certs"] == "/etc/ca.pem" and "sentinel_password" not in pool.connection_kwargs
    sentinel = pool.sentinel_manager.sentinels[0].connection_pool  # the sentinels are asked over TLS too
    assert issubclass(sentinel.connection_class, SSLConnection) and sentinel.connection_kwargs["password"] == "x"
