"""A private, throw-away redis-server on a free port, which a fault test or bench may kill and restart.

Shared by the test suite (``tests/support/redis.py``) and ``infolinia bench faults``; never the
machine's own Redis. ``persist``: an append-only file fsynced on every write, so a ``kill`` and
``restart`` bring the data back (a Redis with persistence); without it Redis comes back empty (a
failover without persistence).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass

INSTALL_HINT = "Install it (Debian: apt-get install redis-server) or run `make test`, which does."


class RedisMissing(RuntimeError):
    """redis-server is not on PATH."""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_for_port(port: int, proc: subprocess.Popen[bytes], timeout_s: float = 10.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"redis-server exited with code {proc.returncode}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.02)
    raise RuntimeError(f"redis-server did not listen on {port} within {timeout_s:.0f} s")


@dataclass
class RedisServer:
    proc: subprocess.Popen[bytes]
    workdir: str
    url: str
    port: int = 0
    persist: bool = False
    args: tuple[str, ...] = ()  # more redis-server options: a replica's --replicaof, TLS ports...

    @classmethod
    def start(cls, *, persist: bool = False, args: tuple[str, ...] = ()) -> RedisServer:
        if shutil.which("redis-server") is None:
            raise RedisMissing(f"redis-server is not installed; this needs a real one. {INSTALL_HINT}")
        port, workdir = _free_port(), tempfile.mkdtemp(prefix="infolinia-redis-")
        url = f"redis://127.0.0.1:{port}/0"
        server = cls(_spawn(port, workdir, persist, args), workdir, url, port, persist, args)
        server._wait()
        return server

    def _wait(self) -> None:
        try:
            _wait_for_port(self.port, self.proc)
        except BaseException:
            self.stop()
            raise

    def kill(self) -> None:
        """SIGKILL, as a crash or a pulled cable: clients see refused connections until ``restart``."""
        self.proc.kill()
        self.proc.wait()

    def restart(self) -> None:
        """The same port (and, with ``persist``, the same data) again."""
        self.proc = _spawn(self.port, self.workdir, self.persist, self.args)
        self._wait()

    def pause(self) -> None:
        """SIGSTOP, a stalled Redis (a frozen process, a host swapping): connections are accepted by the
        kernel, commands are read by nobody. Until ``resume`` (``stop`` resumes it first)."""
        os.kill(self.proc.pid, signal.SIGSTOP)

    def resume(self) -> None:
        """SIGCONT: it answers again, every command sent meanwhile included."""
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGCONT)

    def stop(self) -> None:
        self.resume()  # a stopped process would not act on the SIGTERM
        self.proc.terminate()
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        shutil.rmtree(self.workdir, ignore_errors=True)


def _spawn(port: int, workdir: str, persist: bool, args: tuple[str, ...] = ()) -> subprocess.Popen[bytes]:
    durability = ["--appendonly", "yes", "--appendfsync", "always"] if persist else ["--appendonly", "no"]
    binary = shutil.which("redis-server") or "redis-server"
    cmd = [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", *durability, "--dir", workdir, *args]
    # its own session: a Ctrl+C meant for the command that started it (``infolinia demo``) must not kill Redis
    # under it before it has shut down
    return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
