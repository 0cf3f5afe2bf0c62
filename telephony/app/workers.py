"""Several gateway processes: the uvicorn app factory, the metrics directory they share, graceful drain.

Why workers are interchangeable: all call state is in Redis (stream tokens, call records, dialog
sessions, transfers), so a call's webhook, media stream, status callbacks and transfer steps may each
land on a different worker, on this machine or another, and no sticky sessions are needed.

``infolinia serve --workers N`` runs ``uvicorn telephony.app.workers:app_from_env --factory --workers N``:
every worker builds its own app from the environment (``INFOLINIA_*``). A Kubernetes pod runs the same
command with ``--workers 1`` and scales by replicas.

Graceful drain: on the first SIGTERM a worker stops taking calls (the webhook answers "all lines busy"
and the human queue, ``/readyz`` says 503 so the load balancer stops sending), lets calls in progress
finish for up to ``grace_s``, hands the remaining ones to the fallback number through Twilio's REST API,
and only then lets uvicorn shut down. A second SIGTERM stops at once.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from types import FrameType
from typing import Any

from fastapi import FastAPI

from dialog import catalogue
from telephony.app.build import build_gateway
from telephony.app.factory import gateway_app
from telephony.app.header_deadline import HEADER_READ_S, protocol_for
from telephony.call.admission import Admission
from telephony.logs import setup_logging
from telephony.ports import CallControl
from telephony.settings import Settings

log = logging.getLogger(__name__)

HandOff = Callable[[list[str]], Awaitable[None]]
SignalHandler = Callable[[int, FrameType | None], Any]
DEFAULT_GRACE_S = 60.0
# The largest WebSocket message a worker reads (uvicorn's default: 16 MiB). A Twilio frame is 20 ms (a second at
# most is accepted), a playground message a second at most (384 KB at 192 kHz); a 16 MB one, skipped after it
# was read, still held the worker's event loop 0.4-0.5 s. Larger ones close the socket with 1009.
WS_MAX_BYTES = 1 << 20


def app_from_env() -> FastAPI:
    """uvicorn factory (``telephony.app.workers:app_from_env``): Settings from the environment, one app."""
    settings = Settings()  # fields come from the environment
    setup_logging(settings.log_level, json=settings.log_json)
    gateway = build_gateway(settings)
    app = gateway_app(gateway)  # mounts /metrics: merged over the workers when metrics_dir is set
    hand_off = fallback_hand_off(gateway.rest, settings.fallback_number, catalogue.HOLD_CONNECTING)
    enable_graceful_drain(app, gateway.admission, hand_off, settings.drain_grace_s)
    return app


def prepare_metrics_dir(path: str | os.PathLike[str] | None, workers: int) -> Path | None:
    """Before the workers start: an empty shared metrics directory, exported for prometheus_client.

    One worker keeps its metrics in memory (with its own CPU and memory figures), so ``path`` is then
    ignored: that worker is this very process, which has already imported prometheus_client in memory
    mode (the CLI imports it), and a directory it does not write to would make ``/metrics`` empty.
    Several workers: ``path``, or a fresh temporary directory, emptied (files left by an earlier run or
    a crashed worker would be summed into this run's counters and live gauges) and exported; uvicorn's
    workers are fresh processes, so prometheus_client reads it at their import, as it must."""
    if workers <= 1:
        os.environ.pop("INFOLINIA_METRICS_DIR", None)  # the worker's Settings: no metrics_dir
        return None
    import tempfile

    directory = Path(path) if path is not None else Path(tempfile.mkdtemp(prefix="infolinia-metrics-"))
    directory.mkdir(parents=True, exist_ok=True)
    for stale in directory.glob("*.db"):
        stale.unlink()
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(directory)  # read by prometheus_client at import
    os.environ["INFOLINIA_METRICS_DIR"] = str(directory)  # the workers' Settings.metrics_dir
    return directory


class GracefulDrain:
    """First SIGTERM: drain (see the module doc), then call uvicorn's own handler. Second: at once."""

    def __init__(
        self,
        admission: Admission,
        hand_off: HandOff,
        grace_s: float = DEFAULT_GRACE_S,
        poll_s: float = 0.25,
    ) -> None:
        self.admission, self.hand_off, self.grace_s, self.poll_s = admission, hand_off, grace_s, poll_s
        self._previous: SignalHandler | int | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self.task: asyncio.Task[None] | None = None

    def install(self) -> None:
        """Call from the event loop in the main thread, after uvicorn installed its handlers (lifespan)."""
        self._loop = asyncio.get_running_loop()
        self._previous = signal.getsignal(signal.SIGTERM)
        signal.signal(signal.SIGTERM, self._on_signal)

    def uninstall(self) -> None:
        if self._previous is not None:
            signal.signal(signal.SIGTERM, self._previous)
            self._previous = None

    def _on_signal(self, sig: int, frame: FrameType | None) -> None:
        if self.task is not None or self._loop is None:
            self._chain(sig, frame)
            return
        self.admission.drain()
        self._loop.call_soon_threadsafe(self._start, sig, frame)

    def _start(self, sig: int, frame: FrameType | None) -> None:
        self.task = asyncio.get_running_loop().create_task(self.drain(sig, frame))

    async def drain(self, sig: int = signal.SIGTERM, frame: FrameType | None = None) -> None:
        """Wait for calls in progress (up to ``grace_s``), hand the rest over, then let uvicorn stop."""
        self.admission.drain()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.grace_s
        log.warning("draining: no new calls; %d in progress, up to %.0f s", self.admission.active, self.grace_s)
        while not self.admission.idle and loop.time() < deadline:
            await asyncio.sleep(self.poll_s)
        left = self.admission.active_calls
        if left:
            log.warning("drain grace over: handing %d calls to the fallback number", len(left))
            self.admission.hand_over(left)  # their calls end "drained", not hung up by the caller
            try:
                await self.hand_off(left)
            except Exception:
                log.exception("hand-off of the remaining calls failed")
        self._chain(sig, frame)

    def _chain(self, sig: int, frame: FrameType | None) -> None:
        previous = self._previous
        if callable(previous):
            previous(sig, frame)
        elif previous == signal.SIG_DFL:
            self.uninstall()
            signal.raise_signal(sig)


def fallback_hand_off(call_control: CallControl, number: str, announcement: str | None = None) -> HandOff:
    """Redirect each call still in progress to the fallback number (``CallControl.transfer_to_number``)."""

    async def hand_off(call_sids: list[str]) -> None:
        if not number:
            log.error("no fallback number: %d calls end with the worker", len(call_sids))
            return
        results = await asyncio.gather(
            *(call_control.transfer_to_number(sid, number, announcement) for sid in call_sids),
            return_exceptions=True,
        )
        for sid, result in zip(call_sids, results, strict=True):
            if isinstance(result, BaseException):
                log.error("call %s could not be handed over: %r", sid, result)

    return hand_off


def enable_graceful_drain(
    app: FastAPI, admission: Admission, hand_off: HandOff, grace_s: float = DEFAULT_GRACE_S
) -> GracefulDrain:
    """Install the SIGTERM drain for the app's lifetime (wraps its lifespan): stop admitting calls, wait
    for those in progress, ``hand_off`` the rest (``fallback_hand_off``)."""
    drain = GracefulDrain(admission, hand_off, grace_s)
    inner = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(a: Any) -> AsyncIterator[Any]:
        async with inner(a) as state:
            drain.install()
            try:
                yield state
            finally:
                drain.uninstall()

    app.router.lifespan_context = lifespan
    app.state.drain = drain
    return drain


def serve(
    host: str,
    port: int,
    workers: int,
    log_level: str = "info",
    metrics_dir: str | None = None,
    header_read_s: float = HEADER_READ_S,
) -> None:
    """``infolinia serve --workers N``: N processes of ``app_from_env`` on one socket, one merged /metrics; a
    request's headers must arrive within ``header_read_s`` (``header_deadline.py``: uvicorn has no such bound)."""
    import shutil

    import uvicorn

    directory = prepare_metrics_dir(metrics_dir, workers)
    try:
        uvicorn.run(
            "telephony.app.workers:app_from_env",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_level=log_level.lower(),
            log_config=None,  # our JSON logging (telephony.logs.setup_logging) stays in charge
            http=protocol_for(header_read_s),
            ws_max_size=WS_MAX_BYTES,
            timeout_graceful_shutdown=10,
        )
    finally:
        if directory is not None and metrics_dir is None:  # our temporary directory: nothing reads it now
            shutil.rmtree(directory, ignore_errors=True)
