"""One way to start a server for a test and know it is ready: a free port, a child process with its
log, a readiness poll that reports the log when the process dies, and uvicorn in a thread.

Readiness is polled (no fixed sleeps) until the server answers; the timeouts only bound a hang.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from tests.support.paths import REPO_ROOT


def free_port() -> int:
    """A TCP port that is free right now on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    """A server in a child process: its base URL, the process, and the file its output goes to."""

    url: str
    proc: subprocess.Popen[bytes]
    log: Path | None = None

    def log_text(self) -> str:
        if self.log is None:
            return "(output not captured)"
        return self.log.read_text(encoding="utf-8", errors="replace")


def spawn(cmd: Sequence[str], port: int, env: dict[str, str] | None = None, log: Path | None = None) -> Server:
    """Start ``cmd`` (``python -m ...`` arguments) from the repository root; output to ``log`` if given."""
    full_env = {**os.environ, **(env or {})}
    argv = [sys.executable, "-m", *cmd]
    if log is None:
        proc = subprocess.Popen(argv, cwd=REPO_ROOT, env=full_env)
    else:
        with log.open("wb") as out:
            proc = subprocess.Popen(argv, cwd=REPO_ROOT, env=full_env, stdout=out, stderr=subprocess.STDOUT)
    return Server(f"http://127.0.0.1:{port}", proc, log)


def uvicorn_factory(factory: str, port: int, log_level: str = "warning") -> list[str]:
    """``python -m`` arguments serving the app factory ``module:function`` on ``port``."""
    return ["uvicorn", factory, "--factory", "--host", "127.0.0.1", "--port", str(port), "--log-level", log_level]


def wait_ready(
    server: Server, path: str = "/healthz", timeout_s: float = 30.0, streak: int = 1, poll_s: float = 0.1
) -> None:
    """Poll ``path`` until it answers 200 ``streak`` times in a row (more than once when several
    workers share the port: each new connection may land on another); fail with the log if the
    process exits or the time runs out."""
    deadline, ok = time.monotonic() + timeout_s, 0
    while ok < streak:
        if server.proc.poll() is not None:
            raise RuntimeError(f"{server.url} exited with {server.proc.returncode}:\n{server.log_text()[-3000:]}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"{server.url} not ready in {timeout_s} s:\n{server.log_text()[-3000:]}")
        try:
            ok = ok + 1 if httpx.get(server.url + path, timeout=2.0).status_code == 200 else 0
        except httpx.HTTPError:
            ok = 0
        time.sleep(poll_s)


def wait_for_port(port: int, proc: subprocess.Popen[bytes], what: str, timeout_s: float = 10.0) -> None:
    """Wait until something accepts TCP connections on ``port`` (for servers that speak no HTTP)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited with {proc.returncode} before listening on port {port}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"{what} did not start on port {port}")


def stop(server: Server, timeout_s: float = 10.0, sig: int = signal.SIGTERM, raise_on_kill: bool = False) -> None:
    """Ask the process to stop (SIGTERM, as systemd does); kill it if it hangs."""
    server.proc.send_signal(sig)
    try:
        server.proc.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        server.proc.kill()
        server.proc.wait()
        if raise_on_kill:
            raise


@contextmanager
def serve_in_thread(
    app: Any, lifespan: str = "off", timeout_s: float = 30.0, port: int = 0, http: Any = "auto"
) -> Iterator[str]:
    """Serve an ASGI app with a real uvicorn in a daemon thread on ``port`` (0: a free one); yields the base
    URL. Give the port when the app must know its own URL first (``Settings.public_url``, signatures).
    ``http``: uvicorn's HTTP protocol (a name, or a class such as ``header_deadline.protocol_for``'s)."""
    port = port or free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan=lifespan, http=http)  # type: ignore[arg-type]
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout_s
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "uvicorn did not start"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@asynccontextmanager
async def serve_in_loop(app: Any, port: int, timeout_s: float = 30.0) -> AsyncIterator[str]:
    """Serve an ASGI app with a real uvicorn as a task of the running event loop (the test's), on ``port``;
    yields the base URL. For apps whose objects (Redis clients, the gateway) belong to the test's loop."""
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    task = asyncio.create_task(server.serve())
    deadline = time.monotonic() + timeout_s
    while not server.started:
        assert not task.done() and time.monotonic() < deadline, "the gateway did not start"
        await asyncio.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 10)


def held_for(sock: socket.socket, trickle: bytes = b"", since: float | None = None, give_up_s: float = 6.0) -> float:
    """Send ``trickle`` a byte every 0.1 s (then nothing) until the server closes the connection: the seconds
    from ``since`` (default: now) it took (``give_up_s``: never closed)."""
    start, sent = since if since is not None else time.monotonic(), 0
    sock.settimeout(0.1)
    while time.monotonic() - start < give_up_s:
        try:
            if sock.recv(65536) == b"":
                return time.monotonic() - start
        except TimeoutError:
            pass
        except ConnectionResetError:
            return time.monotonic() - start
        if sent < len(trickle):
            try:
                sock.sendall(trickle[sent : sent + 1])
            except (BrokenPipeError, ConnectionResetError):
                return time.monotonic() - start
            sent += 1
    return give_up_s
