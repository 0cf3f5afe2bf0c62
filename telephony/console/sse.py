"""The console's live stream: Redis pub/sub events -> Server-Sent Events for one logged-in agent.

Why SSE over a WebSocket: updates only flow server -> browser (actions are ordinary POSTs), SSE rides on
plain HTTP (cookies, proxies, HTTP/2), and ``EventSource`` reconnects by itself. Each stream subscribes
to the shared Redis channel, so an event published by any worker reaches the agent on this one.

The browser gets only the event's type and ids, never its data: the panels it then fetches are
rendered from Redis for this agent, so nothing meant for another agent leaks through a broadcast.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable

from telephony.agents.events import ConsoleEvent, EventBus

log = logging.getLogger(__name__)

SSE_HEADERS = {
    "Cache-Control": "no-store",
    "X-Accel-Buffering": "no",  # nginx: do not buffer the stream
    "Connection": "keep-alive",
}


def sse_message(event: ConsoleEvent) -> str:
    """One SSE ``data:`` message: type and ids only (one line of JSON, so no framing issues)."""
    body = {"type": event.type, "transfer_id": event.transfer_id}
    return f"data: {json.dumps(body, separators=(',', ':'))}\n\n"


async def agent_stream(
    bus: EventBus,
    agent_id: str,
    *,
    still_valid: Callable[[], Awaitable[bool]],
    keepalive_s: float = 15.0,
    retry_ms: int = 3000,
) -> AsyncIterator[str]:
    """SSE text for ``agent_id``: their events and broadcasts, a comment line every ``keepalive_s`` (keeps
    proxies from closing an idle stream), ending when ``still_valid`` turns false (logout, expiry).

    Starlette cancels this generator when the browser goes away; the subscription is closed on the way out.
    """
    async with bus.subscribe() as subscription:
        yield f"retry: {retry_ms}\n: connected\n\n"
        while True:
            event = await subscription.get(keepalive_s)
            if event is None:
                if not await still_valid():
                    log.info("console stream for %s ended: session gone", agent_id)
                    yield 'event: logout\ndata: {"type":"logout"}\n\n'
                    return
                yield ": keep-alive\n\n"
            elif event.is_for(agent_id):
                yield sse_message(event)
