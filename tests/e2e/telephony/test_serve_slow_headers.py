"""``infolinia serve --workers 2`` with ``INFOLINIA_HEADER_READ_S=1``, the gateway as it runs without its proxy:
connections trickling their request heads a byte at a time are closed after about a second, on whichever worker
they landed (the setting reaches the worker processes), while ``/healthz`` answers meanwhile. uvicorn alone kept
them forever, a file descriptor each."""

from __future__ import annotations

import socket
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from tests.support.servers import Server, free_port, held_for, spawn, stop, wait_ready

pytestmark = pytest.mark.redis
HEADER_READ_S = 1.0


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, redis_url: str) -> Iterator[Server]:
    tmp: Path = tmp_path_factory.mktemp("slow-headers")
    port = free_port()
    env = {
        "INFOLINIA_REDIS_URL": redis_url,
        "INFOLINIA_REDIS_PREFIX": f"test-heads-{uuid.uuid4().hex[:8]}:",
        "INFOLINIA_SPEECH": "false",
        "INFOLINIA_LOG_LEVEL": "WARNING",
        "INFOLINIA_DRAIN_GRACE_S": "0",
        "INFOLINIA_HEADER_READ_S": str(HEADER_READ_S),
        "TMPDIR": str(tmp),  # serve's own metrics directory for several workers
    }
    cmd = ["telephony.app.cli", "serve", "--workers", "2", "--host", "127.0.0.1", "--port", str(port)]
    proc = spawn(cmd, port, env, tmp / "serve.log")
    try:
        wait_ready(proc, "/readyz", timeout_s=120, streak=6)  # each new connection may land on either worker
        yield proc
    finally:
        stop(proc, timeout_s=30)


def slow_head(port: int, since: float) -> float:
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: gateway\r\n")
        return held_for(sock, b"X-Slow: " + b"a" * 100, since=since)


def test_trickling_heads_are_closed_after_the_setting_while_healthz_answers(server: Server) -> None:
    port = int(server.url.rsplit(":", 1)[1])
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=6) as pool:
        held = [pool.submit(slow_head, port, started) for _ in range(6)]
        time.sleep(HEADER_READ_S / 2)
        meanwhile = [httpx.get(server.url + "/healthz", timeout=5).status_code for _ in range(4)]
        assert meanwhile == [200] * 4 and not any(h.done() for h in held)  # answered while all six are held
        took = [h.result() for h in held]
    assert all(HEADER_READ_S * 0.8 <= t < HEADER_READ_S + 2.0 for t in took), took
    assert "Traceback" not in server.log_text()
