"""A private, throw-away redis-server on a free port (never the machine's shared one on 6379).

Started by the session fixture ``redis_url`` (tests/conftest.py) the first time a test asks for it,
so unit tests never need redis-server installed. A missing binary is an error, never a skip: the
tests that need Redis test what users run on Redis.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from tests.support.servers import free_port, wait_for_port

INSTALL_HINT = "Install it (Debian: apt-get install redis-server) or run `make test`, which does."


class RedisMissing(RuntimeError):
    """redis-server is not on PATH."""


@dataclass
class RedisServer:
    proc: subprocess.Popen[bytes]
    workdir: str
    url: str
    port: int = 0
    persist: bool = False

    @classmethod
    def start(cls, *, persist: bool = False) -> RedisServer:
        """A new server on a free port. ``persist``: an append-only file fsynced on every write, so a
        ``kill`` + ``restart`` brings the data back (a Redis with persistence); else it comes back empty."""
        binary = shutil.which("redis-server")
        if binary is None:
            raise RedisMissing(f"redis-server is not installed; this test needs a real one. {INSTALL_HINT}")
        port, workdir = free_port(), tempfile.mkdtemp(prefix="infolinia-redis-")
        server = cls(_spawn(binary, port, workdir, persist), workdir, f"redis://127.0.0.1:{port}/0", port, persist)
        server._wait()
        return server

    def _wait(self) -> None:
        try:
            wait_for_port(self.port, self.proc, what="redis-server")
        except BaseException:
            self.stop()
            raise

    def kill(self) -> None:
        """SIGKILL, as a crash or a pulled cable: clients see refused connections until ``restart``."""
        self.proc.kill()
        self.proc.wait()

    def restart(self) -> None:
        """The same port (and, with ``persist``, the same data) again."""
        binary = shutil.which("redis-server") or "redis-server"
        self.proc = _spawn(binary, self.port, self.workdir, self.persist)
        self._wait()

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        shutil.rmtree(self.workdir, ignore_errors=True)


def _spawn(binary: str, port: int, workdir: str, persist: bool) -> subprocess.Popen[bytes]:
    durability = ["--appendonly", "yes", "--appendfsync", "always"] if persist else ["--appendonly", "no"]
    cmd = [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", *durability, "--dir", workdir]
    return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


@pytest.fixture
def own_redis() -> Iterator[RedisServer]:
    """A redis-server for one test, which it may kill and restart (never the suite's shared one)."""
    try:
        server = RedisServer.start(persist=True)
    except RedisMissing as exc:
        pytest.fail(str(exc), pytrace=False)
    try:
        yield server
    finally:
        server.stop()
