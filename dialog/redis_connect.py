"""Every Redis client of the project is built here, from the one ``INFOLINIA_REDIS_URL``.

Three kinds of URL, one pool semantics (a *blocking* pool: a burst waits for a free connection instead of
failing):

- ``redis://host:6379/0``: one Redis;
- ``rediss://host:6380/0``: a managed Redis over TLS (redis-py's own URL options pass through, e.g.
  ``?ssl_ca_certs=/etc/ssl/private-ca.pem`` for a private CA, ``?ssl_cert_reqs=required``);
- ``redis+sentinel://[user:password@]host1:26379,host2:26379/<master-name>/<db>`` (``rediss+sentinel://``
  for TLS to the sentinels and the data nodes): the master is asked of the sentinels before every new
  connection, so after a failover new connections go to the promoted replica. redis-py's ``from_url``
  does not follow a Sentinel, hence the parsing here.

Why a failover window (Sentinel only): from the moment a master dies until a sentinel promotes its
replica (``down-after-milliseconds`` plus an election, a few seconds), every command fails. A plain
Redis client retries twice within about 0.3 s and then lets the caller degrade (spool, 503,
a fresh session); with Sentinel the client keeps retrying until ``failover_s`` has passed, so a call's
turn or a chat that lands in the window waits for the new master instead of losing its session. A command
that *timed out* is the exception: tried again only on another master (``FailoverRetry``).
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from redis.asyncio import Redis
from redis.asyncio.connection import SSLConnection
from redis.asyncio.retry import Retry
from redis.asyncio.sentinel import Sentinel, SentinelConnectionPool, SentinelManagedConnection
from redis.backoff import AbstractBackoff, ExponentialBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError
from redis.exceptions import TimeoutError as RedisTimeoutError

from dialog.redis_urls import SentinelTarget, is_sentinel_url, parse_sentinel_url
from dialog.store_deadline import DeadlinePool

REDIS_MAX_CONNECTIONS = 100
REDIS_WAIT_S = 5.0
REDIS_CONNECT_S = 3.0  # the handshake waits out a stalled Redis (a 1 s pause lost sessions at 1.0); still bounded
REDIS_RETRIES = 2
# A command Redis accepted but does not answer (stalled: a paused process, a host swapping, a black hole) fails
# after this long, as 'Redis unavailable' (the callers degrade: spool, 503, the call's own copy). Without it a
# command on a pooled connection waited forever. Blocking reads are not bounded by it: pub/sub
# ``get_message(timeout=...)`` reads with its own timeout (``telephony/agents/events.py``).
REDIS_TIMEOUT_S = 2.0
REDIS_FAILOVER_S = 10.0
T = TypeVar("T")
Address = tuple[str, int]


class NotReplicated(RedisConnectionError):
    """A write the master took but no replica confirmed in time: a failover now could lose it.
    A ``ConnectionError``, so every caller treats it as 'Redis unavailable' (the spool keeps the request)."""


async def _unknown_master() -> Address | None:
    return None


class FailoverRetry(Retry):
    """Behind Sentinel, a failed command is tried again until ``window_s`` has passed since it began (a
    deadline, not a count: the connect inside a command retries too, and counts multiply), a timeout only
    on a new master:

    - A **timeout** is tried again only if the sentinels now name another master than the one the command
      went to (a failover replaced it). A master that took the command and then stalled (SIGSTOP, a long
      fork, swapping) may have applied it: sent again to that master, an INCR or an RPUSH lands twice once
      it goes on, and the request waited the whole window for it. So on the same master, or when the
      sentinels cannot say, the timeout is raised at once and the caller degrades (spool, 503, the call's
      own copy); a connect that timed out sent nothing, but its master is as stalled. On a new master a
      write the old one had already replicated lands twice: the price of not losing those it had not.
    - A **lost connection** (refused, reset, closed) is tried again on whatever master the sentinels name,
      as before. Refused, or closed before the write, never reached Redis. Reset while *reading* the answer
      is as ambiguous as a timeout (the master may have applied the command, then died), and is retried
      all the same: a master that breaks connections mid-command is dying or restarting (a crash, an OOM
      kill), the retry goes to its replacement, and keeping the session and callback writes a failover
      would otherwise lose is what the window is for.

    ``sent_to`` and ``master_now`` are bound per connection by ``FailoverConnection`` (unbound: a timeout is
    never tried again); ``clock`` and ``backoff`` are the tests' to set."""

    def __init__(
        self, window_s: float, clock: Callable[[], float] = time.monotonic, backoff: AbstractBackoff | None = None
    ) -> None:
        super().__init__(backoff or ExponentialBackoff(cap=0.5, base=0.05), -1)
        self.window_s, self.clock = window_s, clock
        self.sent_to: Callable[[], Address | None] = lambda: None  # the master the failed try went to
        self.master_now: Callable[[], Awaitable[Address | None]] = _unknown_master  # None: cannot say

    async def call_with_retry(
        self,
        do: Callable[[], Awaitable[T]],
        fail: Callable[..., Any],
        is_retryable: Callable[[Exception], bool] | None = None,
        with_failure_count: bool = False,
    ) -> T:
        deadline = self.clock() + self.window_s

        async def fail_or_give_up(error: Exception, *count: int) -> None:
            await fail(error, *count)
            if not await self._try_again(error, deadline):
                raise error

        return await super().call_with_retry(do, fail_or_give_up, is_retryable, with_failure_count)

    async def _try_again(self, error: Exception, deadline: float) -> bool:
        if self.clock() >= deadline:
            return False
        if not isinstance(error, RedisTimeoutError):
            return True  # a lost connection (see the class)
        master = await self.master_now()
        return master is not None and master != self.sent_to()


class FailoverConnection(SentinelManagedConnection):
    """Asks the sentinels for the master on *every* (re)connect. redis-py's own asks only when the pool
    hands the connection out: a command retried after the master died reconnected to the dead address
    until it gave up. One socket attempt per try: the command's ``FailoverRetry`` paces the tries, told
    here which master this connection last dialled and how to ask the sentinels for the current one."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if isinstance(self.retry, FailoverRetry):  # each connection has its own copy of the pool's retry
            self.retry.sent_to = lambda: (self.host, int(self.port))
            self.retry.master_now = self._master_now

    async def _master_now(self) -> Address | None:
        """The master the sentinels name now; None when they cannot say (unreachable, or the master down)."""
        try:
            host, port = await self.connection_pool.get_master_address()
        except RedisError:
            return None
        return str(host), int(port)

    async def connect_check_health(self, check_health: bool = True, retry_socket_connect: bool = True) -> None:
        if self.is_connected:
            return
        if self.connection_pool.is_master:
            self.host, self.port = await self.connection_pool.get_master_address()
        await super().connect_check_health(check_health=check_health, retry_socket_connect=False)


class FailoverSSLConnection(FailoverConnection, SSLConnection):
    """The same over TLS (``rediss+sentinel://``)."""


class BlockingSentinelPool(SentinelConnectionPool, DeadlinePool):
    """The Sentinel pool (asks for the master before connecting) with the blocking pool's bounded wait, not
    counted against a store call's own deadline (``dialog.store_deadline``)."""


def _common(retry: Retry, timeout_s: float | None, retry_on: tuple[type[Exception], ...]) -> dict[str, Any]:
    return {
        "decode_responses": True,
        "socket_connect_timeout": REDIS_CONNECT_S,
        "socket_timeout": timeout_s,
        "retry": retry,
        "retry_on_error": list(retry_on),
    }


def plain_retry() -> Retry:
    """A plain Redis: a refused or reset connection (a restart blip) is tried twice more, after 0.1 and 0.2 s; a
    *timeout* is not retried. Why: a Redis that did not answer in ``timeout_s`` is stalled, not blinking;
    three tries made a stalled Redis hold a request for 15 s (each new connection's handshake timing out
    too), and a write sent again may be applied twice once Redis goes on."""
    return Retry(ExponentialBackoff(cap=0.2, base=0.05), REDIS_RETRIES, supported_errors=(RedisConnectionError,))


def connect_redis(
    url: str,
    max_connections: int = REDIS_MAX_CONNECTIONS,
    wait_s: float = REDIS_WAIT_S,
    failover_s: float = REDIS_FAILOVER_S,
    timeout_s: float | None = REDIS_TIMEOUT_S,
) -> Redis:
    """A Redis client whose pool *waits* for a free connection instead of failing.

    redis-py's default pool raises ``MaxConnectionsError`` on the 101st concurrent command: under a burst of
    chats that silently lost sessions (the reply went out, the save failed). A blocking pool queues the
    command for up to ``wait_s`` and only then raises, which callers treat as 'Redis unavailable'.
    Retries: a command whose connection fails is tried twice more after 0.1 and 0.2 s (a Redis restart
    blip is absorbed; a down Redis still fails within a fraction of a second, and the callers degrade);
    behind Sentinel, until ``failover_s``, a timeout only on a new master (``FailoverRetry``). Connecting
    (handshake included) is bounded at 3 s: a black-holed Redis cannot hold a request for minutes; a
    command's answer at ``timeout_s`` (a stalled Redis, see ``REDIS_TIMEOUT_S``; None waits forever).
    """
    if is_sentinel_url(url):
        return _connect_sentinel(parse_sentinel_url(url), max_connections, wait_s, failover_s, timeout_s)
    pool = DeadlinePool.from_url(
        url,
        max_connections=max_connections,
        timeout=wait_s,
        **_common(plain_retry(), timeout_s, (RedisConnectionError,)),
    )
    return Redis.from_pool(pool)  # owns the pool: aclose() disconnects it


def _connect_sentinel(
    target: SentinelTarget, max_connections: int, wait_s: float, failover_s: float, timeout_s: float | None
) -> Redis:
    """The master's client through the sentinels (which are asked with the same TLS options, no auth unless
    ``sentinel_password`` is in the query: sentinels usually have their own password or none). A timeout
    is retried within the failover window only once the sentinels name another master (``FailoverRetry``)."""
    options = dict(target.options)
    sentinel_password = options.pop("sentinel_password", None)
    tls = {"ssl": True, **options} if target.tls else {}
    sentinel_kwargs: dict[str, Any] = {"socket_connect_timeout": REDIS_CONNECT_S, "socket_timeout": timeout_s}
    sentinel_kwargs.update(password=sentinel_password, **tls)
    sentinel = Sentinel(target.sentinels, sentinel_kwargs=sentinel_kwargs)
    pool = BlockingSentinelPool(
        target.master,
        sentinel,
        is_master=True,
        connection_class=FailoverSSLConnection if target.tls else FailoverConnection,
        max_connections=max_connections,
        timeout=wait_s,
        db=target.db,
        username=target.username,
        password=target.password,
        **tls,
        **_common(FailoverRetry(failover_s), timeout_s, (RedisConnectionError, RedisTimeoutError)),
    )
    return Redis.from_pool(pool)


async def confirm_replicated(redis: Redis, replicas: int, timeout_ms: int) -> None:
    """``WAIT``: block until ``replicas`` replicas have every write this connection made, or raise
    ``NotReplicated`` after ``timeout_ms``. Nothing to do when ``replicas`` is 0 (a single Redis).

    WAIT counts the writes of *its own connection*, so ``redis`` must be the single-connection client the
    writes went through (``redis.client()``, see ``telephony.agents.callbacks_redis``): on a pooled client WAIT
    may run on a connection that wrote nothing and confirm at once."""
    if replicas <= 0:
        return
    acked = int(await redis.wait(replicas, timeout_ms))
    if acked < replicas:
        raise NotReplicated(f"{acked} of {replicas} replicas confirmed the write within {timeout_ms} ms")
