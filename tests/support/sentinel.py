"""A Redis high-availability group for one test: a master, a replica and a sentinel, all Debian's own
``redis-server`` (the sentinel is ``redis-server <conf> --sentinel``), on free ports.

The master and the replica are ``RedisServer`` (``telephony/devtools/redis_server.py``: kill, restart);
the sentinel notices a dead master after ``down_after_ms`` and promotes the replica. The sentinel is
tuned to fail over in about a second or two; the waits here only bound a hang (a loaded machine is slow).
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis

from telephony.devtools.redis_server import RedisMissing, RedisServer
from tests.support.servers import free_port, wait_for_port

MASTER = "infolinia-ha"


@dataclass
class SentinelGroup:
    master: RedisServer
    replica: RedisServer
    sentinel: subprocess.Popen[bytes]
    sentinel_port: int
    workdir: str

    @property
    def url(self) -> str:
        """What an operator sets as INFOLINIA_REDIS_URL."""
        return f"redis+sentinel://127.0.0.1:{self.sentinel_port}/{MASTER}/0"

    def sentinel_client(self) -> redis.Redis:
        return redis.Redis(port=self.sentinel_port, decode_responses=True, socket_timeout=5)

    def master_port(self) -> int:
        with self.sentinel_client() as client:
            _, port = client.execute_command("SENTINEL", "get-master-addr-by-name", MASTER)
        return int(port)

    def wait_replicated(self, timeout_s: float = 60.0) -> None:
        """Until the replica is in sync and the sentinel knows it (only then can it be promoted)."""
        _until(lambda: self._replica_known(), timeout_s, "the sentinel to see an in-sync replica")

    def _replica_known(self) -> bool:
        with self.sentinel_client() as client:
            replicas = client.execute_command("SENTINEL", "replicas", MASTER)
        return any(_flags_ok(r) for r in replicas)

    def wait_promoted(self, old_port: int, timeout_s: float = 120.0) -> int:
        """Until the sentinel names a master other than ``old_port``, and that master takes writes."""
        _until(lambda: self.master_port() != old_port and self._writable(self.master_port()), timeout_s, "failover")
        return self.master_port()

    @staticmethod
    def _writable(port: int) -> bool:
        try:
            with redis.Redis(port=port, socket_timeout=2) as client:
                return str(client.info("replication")["role"]) == "master"
        except redis.RedisError:
            return False

    def stop(self) -> None:
        self.sentinel.terminate()
        try:
            self.sentinel.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.sentinel.kill()
            self.sentinel.wait()
        for server in (self.master, self.replica):
            if server.proc.poll() is None:
                server.stop()
            else:
                shutil.rmtree(server.workdir, ignore_errors=True)
        shutil.rmtree(self.workdir, ignore_errors=True)


def _flags_ok(replica: object) -> bool:
    if isinstance(replica, dict):
        fields = replica
    else:  # RESP2 without a callback: a flat list of names and values
        items = list(replica)  # type: ignore[call-overload]
        fields = dict(zip(items[::2], items[1::2], strict=False))
    flags = str(fields.get("flags", ""))
    return "s_down" not in flags and "disconnected" not in flags and str(fields.get("master-link-status")) == "ok"


def _until(check: object, timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if check():  # type: ignore[operator]
                return
        except redis.RedisError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout_s:.0f} s waiting for {what}")


def start_group(down_after_ms: int = 1000) -> SentinelGroup:
    """Master (persistent) + replica + one sentinel (quorum 1) watching them."""
    master = RedisServer.start(persist=True)
    replica = RedisServer.start(persist=True, args=("--replicaof", "127.0.0.1", str(master.port)))
    workdir = tempfile.mkdtemp(prefix="infolinia-sentinel-")
    port = free_port()
    conf = Path(workdir) / "sentinel.conf"
    conf.write_text(
        f"port {port}\nbind 127.0.0.1\ndir {workdir}\n"
        f"sentinel monitor {MASTER} 127.0.0.1 {master.port} 1\n"
        f"sentinel down-after-milliseconds {MASTER} {down_after_ms}\n"
        f"sentinel failover-timeout {MASTER} 10000\n",
        encoding="utf-8",
    )
    binary = shutil.which("redis-server") or "redis-server"
    proc = subprocess.Popen([binary, str(conf), "--sentinel"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    group = SentinelGroup(master, replica, proc, port, workdir)
    try:
        wait_for_port(port, proc, "redis sentinel")
        group.wait_replicated()
    except BaseException:
        group.stop()
        raise
    return group


@pytest.fixture
def sentinel_group() -> Iterator[SentinelGroup]:
    try:
        group = start_group()
    except RedisMissing as exc:
        pytest.fail(str(exc), pytrace=False)
    try:
        yield group
    finally:
        group.stop()
