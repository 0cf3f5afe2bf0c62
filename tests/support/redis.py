"""A private, throw-away redis-server on a free port (never the machine's shared one on 6379).

Started by the session fixture ``redis_url`` (tests/conftest.py) the first time a test asks for it,
so unit tests never need redis-server installed. A missing binary is an error, never a skip: the
tests that need Redis test what users run on Redis.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from dataclasses import dataclass

from tests.support.servers import free_port, wait_for_port

INSTALL_HINT = "Install it (Debian: apt-get install redis-server) or run `make test`, which does."


class RedisMissing(RuntimeError):
    """redis-server is not on PATH."""


@dataclass
class RedisServer:
    proc: subprocess.Popen[bytes]
    workdir: str
    url: str

    @classmethod
    def start(cls) -> RedisServer:
        binary = shutil.which("redis-server")
        if binary is None:
            raise RedisMissing(f"redis-server is not installed; this test needs a real one. {INSTALL_HINT}")
        port = free_port()
        workdir = tempfile.mkdtemp(prefix="infolinia-redis-")
        cmd = [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        proc = subprocess.Popen([*cmd, "--dir", workdir], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        server = cls(proc, workdir, f"redis://127.0.0.1:{port}/0")
        try:
            wait_for_port(port, proc, what="redis-server")
        except BaseException:
            server.stop()
            raise
        return server

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        shutil.rmtree(self.workdir, ignore_errors=True)
