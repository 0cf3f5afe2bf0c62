"""A private, throw-away redis-server on a free port (never the machine's shared one on 6379).

Started by the session fixture ``redis_url`` (tests/conftest.py) the first time a test asks for it,
so unit tests never need redis-server installed. A missing binary is an error, never a skip: the
tests that need Redis test what users run on Redis. The launcher itself (with ``kill`` and ``restart``)
is ``telephony/devtools/redis_server.py``, shared with ``infolinia bench faults``; ``own_redis`` gives
one test a server of its own to kill and restart (never the suite's shared one).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from telephony.devtools.redis_server import INSTALL_HINT, RedisMissing, RedisServer

__all__ = ["INSTALL_HINT", "RedisMissing", "RedisServer", "own_redis"]


@pytest.fixture
def own_redis() -> Iterator[RedisServer]:
    """A redis-server with persistence for one test, which it may kill and restart."""
    try:
        server = RedisServer.start(persist=True)
    except RedisMissing as exc:
        pytest.fail(str(exc), pytrace=False)
    try:
        yield server
    finally:
        server.stop()
