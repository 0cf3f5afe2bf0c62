"""Fixtures for the whole suite. Redis is started lazily: only the first test that asks for
``redis_url`` starts the suite's private redis-server (tests/support/redis.py), so ``pytest tests/unit``
needs no redis-server at all. ``INFOLINIA_TEST_REDIS_URL``, when set, points the tests at a Redis the
developer runs instead (nothing is started then).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.paths import REPO_ROOT
from tests.support.redis import RedisMissing, RedisServer

_REDIS_ENV = "INFOLINIA_TEST_REDIS_URL"
_TIERS = ("unit", "integration", "e2e")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark each test by its folder, so ``-m "not e2e"`` selects like ``tests/unit tests/integration``."""
    tests_dir = Path(__file__).parent
    for item in items:
        parts = item.path.relative_to(tests_dir).parts
        if parts and parts[0] in _TIERS:
            item.add_marker(parts[0])


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """URL of a real redis-server private to this test run (a missing redis-server fails the test)."""
    if url := os.environ.get(_REDIS_ENV):
        yield url
        return
    try:
        server = RedisServer.start()
    except RedisMissing as exc:
        pytest.fail(str(exc), pytrace=False)
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO_ROOT


@pytest.fixture(autouse=True)
def _no_stderr_handler_outlives_its_test() -> Iterator[None]:
    """A test that runs the CLI in-process (``infolinia check``) lets ``setup_logging`` put a StreamHandler on
    the root logger, bound to the stderr pytest captured for that test; once that stream closed, every later
    test's log record printed "Logging error: I/O operation on closed file" (a fresh-clone run). Such handlers
    go when their test ends; pytest's own capture handlers (subclasses) are left to pytest."""
    root = logging.getLogger()
    before = set(root.handlers)
    yield
    for handler in list(root.handlers):
        if type(handler) is logging.StreamHandler and handler not in before:
            root.removeHandler(handler)
