"""Several worker processes, one set of figures: ``/metrics`` on any worker sums every worker.

The main test runs the real ``infolinia serve --workers 2`` (uvicorn workers sharing one socket; the
kernel hands each new connection to one of them) with speech off, sends signed Twilio webhooks over
fresh connections until both workers have answered some, and checks that every scrape, whichever
worker answers it, counts all of them. Per-worker counts come from each worker's own file in the
shared directory, read the way prometheus_client reads them.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector
from twilio.request_validator import RequestValidator

from telephony.exposition import parse_exposition
from telephony.metrics import Metrics
from tests.support.paths import REPO_ROOT
from tests.support.servers import Server, free_port, stop, wait_ready

TOKEN = "multiproc-token-0123456789abcdef"
PUBLIC = "https://lb.example.pl"
ADMITTED = "infolinia_admission_total{decision=admitted}"


def merged(directory: Path) -> dict[str, float]:
    """What ``/metrics`` shows for the files in ``directory`` (prometheus_client's own merge)."""
    registry = CollectorRegistry()
    MultiProcessCollector(registry, path=str(directory))
    return parse_exposition(generate_latest(registry).decode())


def per_worker(directory: Path, scratch: Path) -> dict[str, float]:
    """Admitted webhooks by worker pid: each worker's counter file merged on its own."""
    out = {}
    for db in directory.glob("counter_*.db"):
        alone = scratch / db.stem
        alone.mkdir(parents=True, exist_ok=True)
        shutil.copy(db, alone / db.name)
        out[db.stem.removeprefix("counter_")] = merged(alone).get(ADMITTED, 0.0)
    return out


@contextmanager
def serve(redis_url: str, tmp_path: Path, metrics_dir: Path | None, workers: int = 2) -> Iterator[str]:
    """``infolinia serve --workers N`` on a free port; stopped with SIGTERM (as systemd or Kubernetes do)."""
    port = free_port()
    env = {
        **os.environ,
        "INFOLINIA_SPEECH": "false",
        "INFOLINIA_REDIS_URL": redis_url,
        "INFOLINIA_REDIS_PREFIX": f"mp{uuid.uuid4().hex[:8]}:",
        "INFOLINIA_TWILIO_AUTH_TOKEN": TOKEN,
        "INFOLINIA_PUBLIC_URL": PUBLIC,
        "INFOLINIA_LOG_LEVEL": "WARNING",
        "INFOLINIA_DRAIN_GRACE_S": "0",
        "TMPDIR": str(tmp_path),  # where serve makes its own metrics directory when none is set
    }
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    env.pop("INFOLINIA_METRICS_DIR", None)
    if metrics_dir is not None:
        env["INFOLINIA_METRICS_DIR"] = str(metrics_dir)
    log = tmp_path / "serve.log"
    cmd = [sys.executable, "-m", "telephony.app.cli", "serve", "--workers", str(workers), "--host", "127.0.0.1",
           "--port", str(port)]  # fmt: skip
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, env=env, cwd=REPO_ROOT, stdout=out, stderr=subprocess.STDOUT)
    server = Server(f"http://127.0.0.1:{port}", proc, log)
    try:
        wait_ready(server, "/readyz", timeout_s=120.0, streak=6)  # each new connection may land on either worker
        yield server.url
    finally:
        stop(server, timeout_s=30, raise_on_kill=True)


async def webhooks(url: str, n: int) -> None:
    """``n`` signed incoming-call webhooks at once, each on its own connection (no keep-alive)."""
    validator = RequestValidator(TOKEN)

    async def one(client: httpx.AsyncClient) -> None:
        params = {"CallSid": "CA" + uuid.uuid4().hex, "AccountSid": "AC" + "0" * 32, "From": "+48600100200",
                  "To": "+48221234567", "CallStatus": "ringing", "Direction": "inbound"}  # fmt: skip
        signature = validator.compute_signature(PUBLIC + "/twilio/voice", params)
        resp = await client.post(url + "/twilio/voice", data=params, headers={"X-Twilio-Signature": signature})
        assert resp.status_code == 200 and "<Stream" in resp.text

    limits = httpx.Limits(max_keepalive_connections=0)
    async with httpx.AsyncClient(timeout=30.0, limits=limits) as client:
        await asyncio.gather(*(one(client) for _ in range(n)))


async def scrapes(url: str, n: int) -> list[dict[str, float]]:
    limits = httpx.Limits(max_keepalive_connections=0)
    async with httpx.AsyncClient(timeout=10.0, limits=limits) as client:
        got = [await client.get(url + "/metrics") for _ in range(n)]
    assert all(r.status_code == 200 for r in got)
    return [parse_exposition(r.text) for r in got]


async def _traffic_on_both_workers(url: str, directory: Path, scratch: Path) -> int:
    """Send webhooks in rounds until both workers have answered some; returns how many were sent."""
    sent = 0
    for _ in range(20):
        await webhooks(url, 8)
        sent += 8
        counts = per_worker(directory, scratch)
        if len([n for n in counts.values() if n > 0]) >= 2:
            assert sum(counts.values()) == sent
            return sent
    raise AssertionError(f"all {sent} webhooks went to one worker: {counts}")


@pytest.mark.redis
async def test_serve_with_two_workers_scrapes_the_sum_of_both(redis_url: str, tmp_path: Path) -> None:
    directory = tmp_path / "metrics"
    _stale_counts(directory, 5)  # an earlier run's files: serve must wipe them, not add them up
    with serve(redis_url, tmp_path, directory) as url:
        sent = await _traffic_on_both_workers(url, directory, tmp_path / "scratch")
        seen = await scrapes(url, 12)  # new connections: both workers answer some of them
        assert len(list(directory.glob("gauge_livesum_*.db"))) == 2  # each worker's calls_active
    assert [s.get(ADMITTED) for s in seen] == [float(sent)] * len(seen)
    assert all(s["infolinia_calls_active{}"] == 0 for s in seen)  # livesum over the workers alive
    assert "process_cpu_seconds_total{}" not in seen[0]  # per-process figures make no sense summed
    # Workers stopped: their live gauges are gone (mark_process_dead), their counters stay.
    assert not list(directory.glob("gauge_livesum_*.db"))
    assert merged(directory)[ADMITTED] == sent


@pytest.mark.redis
async def test_serve_with_workers_makes_its_own_metrics_directory(redis_url: str, tmp_path: Path) -> None:
    with serve(redis_url, tmp_path, None) as url:
        (directory,) = tmp_path.glob("infolinia-metrics-*")  # TMPDIR of the serve process
        sent = await _traffic_on_both_workers(url, directory, tmp_path / "scratch")
        assert {s.get(ADMITTED) for s in await scrapes(url, 8)} == {float(sent)}
    assert not directory.exists()  # a temporary directory of serve's own is removed when it stops


@pytest.mark.redis
async def test_one_worker_keeps_its_metrics_in_memory_even_with_a_metrics_dir(redis_url: str, tmp_path: Path) -> None:
    """``--workers 1`` runs the app in the CLI's own process, where prometheus_client is already loaded in
    memory mode: the directory is ignored (not a start-up failure, not an empty /metrics)."""
    directory = tmp_path / "metrics"
    with serve(redis_url, tmp_path, directory, workers=1) as url:
        await webhooks(url, 3)
        (got,) = await scrapes(url, 1)
    assert got[ADMITTED] == 3 and got["process_cpu_seconds_total{}"] > 0
    assert not directory.exists() or not list(directory.iterdir())


def _stale_counts(directory: Path, n: int) -> None:
    """A process of an earlier run that admitted ``n`` calls, leaving its files in ``directory``."""
    directory.mkdir()
    code = "import sys\nfrom telephony.metrics import Metrics\nm = Metrics(multiprocess_dir=sys.argv[1])\n" + (
        f"for _ in range({n}): m.edge_event('admitted')\n"
    )
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(directory)}
    subprocess.run([sys.executable, "-c", code, str(directory)], env=env, cwd=REPO_ROOT, check=True)
    assert merged(directory)[ADMITTED] == n


def test_live_gauges_sum_over_the_processes_alive(tmp_path: Path) -> None:
    """``calls_active`` (livesum): two processes with a call each show 2; one stops cleanly, 1 is left;
    one killed outright is forgotten when the next worker starts (as uvicorn restarts a crashed one)."""
    code = (
        "import sys\nfrom telephony.metrics import Metrics\nm = Metrics(multiprocess_dir=sys.argv[1])\n"
        "m.call_started()\nprint('up', flush=True)\nsys.stdin.readline()\nm.close()\n"
    )
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}

    def start() -> subprocess.Popen[str]:
        proc = subprocess.Popen([sys.executable, "-c", code, str(tmp_path)], env=env, cwd=REPO_ROOT, text=True,
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE)  # fmt: skip
        assert proc.stdout is not None and proc.stdout.readline().strip() == "up"
        return proc

    procs = [start(), start()]
    try:
        both = merged(tmp_path)
        assert both["infolinia_calls_active{}"] == 2 and both["infolinia_calls_started_total{}"] == 2
        procs[0].communicate("stop\n", timeout=10)
        one = merged(tmp_path)
        assert one["infolinia_calls_active{}"] == 1 and one["infolinia_calls_started_total{}"] == 2
        procs[1].kill()
        procs[1].wait(timeout=10)
        assert merged(tmp_path)["infolinia_calls_active{}"] == 1  # the killed one's call still counted
        procs.append(start())  # a new worker: the dead one's live gauge goes, its counters stay
        now = merged(tmp_path)
        assert now["infolinia_calls_active{}"] == 1 and now["infolinia_calls_started_total{}"] == 3
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.communicate("stop\n", timeout=10)


def test_a_metrics_dir_prometheus_client_does_not_write_to_fails_at_start_up(tmp_path: Path) -> None:
    """This test process keeps its values in memory: /metrics would read empty files, so refuse."""
    with pytest.raises(RuntimeError, match="PROMETHEUS_MULTIPROC_DIR"):
        Metrics(multiprocess_dir=tmp_path)


async def test_the_worker_app_serves_the_metrics_its_pipeline_reports_to(monkeypatch: pytest.MonkeyPatch) -> None:
    """``app_from_env`` (each worker's app): the gateway's ``metrics``, which the call pipeline and models get
    wired to at start-up, is the object ``/metrics`` renders (a second one used to shadow it)."""
    from telephony.app.workers import app_from_env

    monkeypatch.setattr("telephony.logs.setup_logging", lambda *a, **k: None)  # keep pytest's log capture
    monkeypatch.setenv("INFOLINIA_SPEECH", "false")
    monkeypatch.delenv("INFOLINIA_METRICS_DIR", raising=False)
    app = app_from_env()
    app.state.gateway.metrics.call_started()
    app.state.gateway.metrics.asr_queue.observe(0.2)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://w") as client:
        got = parse_exposition((await client.get("/metrics")).text)
    assert got["infolinia_calls_started_total{}"] == 1 and got["infolinia_asr_queue_seconds_count{}"] == 1
