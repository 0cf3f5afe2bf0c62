"""A deadline for a request's headers: uvicorn's HTTP/1.1 protocols with a clock on the head of each request.

Why: uvicorn has no such timeout. A connection that sends nothing, or headers one byte a second, is kept for
ever (its keep-alive timer runs only after a response, and any byte cancels it), so a few hundred such clients
hold every file descriptor of a worker and ``/healthz`` and the callers' webhooks are refused. A proxy in front
has its own header timeout, but the gateway may run without one. The body has its own bound
(``INFOLINIA_BODY_READ_S``, ``body_limit.py``); this is the part before it.

The clock starts when a connection is made and again when a response is complete (the next request on a
keep-alive connection), and stops when a request's headers are complete (a request whose answer is still being
made, a WebSocket once upgraded, is never cut). If it runs out first the connection is closed, as uvicorn's
keep-alive timer does: no answer is owed to a request that never arrived. uvicorn's idle keep-alive close (5 s)
stays as it is, and comes first on an idle connection while ``INFOLINIA_HEADER_READ_S`` is above it.

uvicorn takes a protocol class in its ``http`` setting and builds one per connection; ``protocol_for`` gives it
one bound to the setting (a ``functools.partial`` of a module-level class: it pickles, so the processes of
``--workers N`` receive it too).
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, cast

from uvicorn.config import Config
from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.server import ServerState

log = logging.getLogger(__name__)

HEADER_READ_S = 12.0  # a request's line and headers are a few hundred bytes: seconds are plenty on any link
Http = Literal["auto", "h11", "httptools"]


@dataclass
class HeaderClock:
    """One connection's clock. ``awaiting_headers``: no request whose headers arrived is still unanswered."""

    loop: asyncio.AbstractEventLoop
    seconds: float
    awaiting_headers: Callable[[], bool]
    transport: asyncio.Transport | None = None
    timer: asyncio.TimerHandle | None = None
    retired: bool = False  # upgraded to a WebSocket: no more HTTP requests on this connection

    def track(self) -> None:
        """After anything that may start or end a request: runs while headers are awaited, never restarted by
        the bytes of the same head (that is the point), stopped once they are complete."""
        if self.retired or self.transport is None or self.transport.is_closing() or not self.awaiting_headers():
            self.stop()
        elif self.timer is None:
            self.timer = self.loop.call_later(self.seconds, self._ran_out)

    def stop(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None

    def retire(self) -> None:
        self.retired = True
        self.stop()

    def _ran_out(self) -> None:
        self.timer = None
        if self.transport is not None and not self.transport.is_closing() and self.awaiting_headers():
            log.debug("closing a connection whose request headers took over %g s", self.seconds)
            self.transport.close()


def _awaiting(cycle: Any) -> bool:
    """uvicorn's current request/response cycle (either protocol): none yet, or answered."""
    return cycle is None or bool(cycle.response_complete)


class _HeaderDeadline:
    """What both protocols share: the clock built with the protocol, started with the connection and stopped
    when it is lost. Listed before uvicorn's protocol in the bases, so ``super()`` reaches uvicorn's."""

    loop: asyncio.AbstractEventLoop
    cycle: Any

    def __init__(
        self,
        config: Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
        *,
        header_read_s: float = HEADER_READ_S,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)  # type: ignore[call-arg]
        self.header_clock = HeaderClock(self.loop, header_read_s, lambda: _awaiting(self.cycle))

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)  # type: ignore[misc]
        self.header_clock.transport = cast(asyncio.Transport, transport)  # uvicorn's are always Transports
        self.header_clock.track()

    def connection_lost(self, exc: Exception | None) -> None:
        self.header_clock.stop()
        super().connection_lost(exc)  # type: ignore[misc]


class H11HeaderDeadline(_HeaderDeadline, H11Protocol):
    """uvicorn's h11 protocol with ``HeaderClock``."""

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        self.header_clock.track()

    def on_response_complete(self) -> None:
        super().on_response_complete()  # may start a pipelined request: tracked after it
        self.header_clock.track()

    def handle_websocket_upgrade(self, event: Any) -> None:
        self.header_clock.retire()  # the connection is the WebSocket's now (data_received tracks after this)
        super().handle_websocket_upgrade(event)


class HttpToolsHeaderDeadline(_HeaderDeadline, HttpToolsProtocol):
    """uvicorn's httptools protocol (its default with ``uvicorn[standard]``) with ``HeaderClock``."""

    def on_headers_complete(self) -> None:
        self.header_clock.stop()  # a WebSocket upgrade makes no cycle: stopped here, not by one
        super().on_headers_complete()

    def on_response_complete(self) -> None:
        super().on_response_complete()  # may start a pipelined request: tracked after it
        self.header_clock.track()

    def handle_websocket_upgrade(self) -> None:
        self.header_clock.retire()  # the connection is the WebSocket's now
        super().handle_websocket_upgrade()


PROTOCOLS: dict[str, Callable[..., asyncio.Protocol]] = {"h11": H11HeaderDeadline, "httptools": HttpToolsHeaderDeadline}


def protocol_for(header_read_s: float, http: Http = "auto") -> type[asyncio.Protocol]:
    """uvicorn's ``http`` setting: ``http``'s protocol (``auto``: httptools, as uvicorn picks it) with a
    ``header_read_s`` clock. A partial, not a class: uvicorn only calls it, one protocol per connection."""
    cls = PROTOCOLS["httptools" if http == "auto" else http]
    return cast(type[asyncio.Protocol], functools.partial(cls, header_read_s=header_read_s))
