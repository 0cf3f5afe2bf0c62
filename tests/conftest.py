"""Test-suite wide setup: a real, private redis-server on a free port.

The suite starts its own redis-server (never the machine's shared one on 6379) so it runs anywhere
`redis-server` is installed; tests find it through ``INFOLINIA_TEST_REDIS_URL``. If that variable is
already set (e.g. by a developer pointing at their own Redis), it is used as is.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

_REDIS_ENV = "INFOLINIA_TEST_REDIS_URL"


def free_port() -> int:
    """A TCP port that is free right now on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_for_port(port: int, timeout_s: float = 10.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"redis-server did not start on port {port}")


def _start_redis(config: pytest.Config) -> None:
    binary = shutil.which("redis-server")
    if binary is None:
        raise pytest.UsageError(
            "redis-server is not installed; the tests need a real one. "
            "Install it (Debian: apt-get install redis-server) or run `make test`, which does."
        )
    port = free_port()
    workdir = tempfile.mkdtemp(prefix="infolinia-redis-")
    proc = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", workdir],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    _wait_for_port(port)
    os.environ[_REDIS_ENV] = f"redis://127.0.0.1:{port}/0"
    config.stash[_redis_key] = (proc, workdir)


_redis_key = pytest.StashKey[tuple[subprocess.Popen[bytes], str]]()


def pytest_configure(config: pytest.Config) -> None:
    if not os.environ.get(_REDIS_ENV):
        _start_redis(config)


def pytest_unconfigure(config: pytest.Config) -> None:
    started = config.stash.get(_redis_key, None)
    if started is None:
        return
    proc, workdir = started
    proc.terminate()
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        proc.kill()
    shutil.rmtree(workdir, ignore_errors=True)
    os.environ.pop(_REDIS_ENV, None)


@pytest.fixture(scope="session")
def redis_url() -> str:
    """URL of the suite's private redis-server."""
    return os.environ[_REDIS_ENV]


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return Path(__file__).resolve().parents[1]
