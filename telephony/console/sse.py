"""The console's live stream: Redis pub/sub events -> Server-Sent Events for one logged-in agent.

Why SSE over a WebSocket: updates only flow server -> browser (actions are ordinary POSTs), SSE rides on
plain HTTP (cookies, proxies, HTTP/2), and ``EventSource`` reconnects by itself. Each stream listens to
the shared Redis channel through the process's one subscription (``EventBus.listen``, fanned out in memory),
so an event published by any worker reaches the agent on this one, and no number of open tabs (one agent's,
or a reconnect storm) takes the Redis pool or another agent's live updates.

The browser gets only the event's type and ids, never its data: the panels it then fetches are
rendered from Redis for this agent, so nothing meant for another agent leaks through a broadcast.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable
from contextlib import aclosing
from functools import partial

from telephony.agents.events import PRESENCE_WANTED, RESYNC, STORE_BACK, ConsoleEvent, EventBus
from telephony.agents.fanout import Listener
from telephony.agents.presence import Presence
from telephony.console.sessions import ConsoleSessions
from telephony.spool import STORE_DOWN

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
    on_own: Callable[[], Awaitable[object]] | None = None,
    reconnect_s: float = 1.0,
    on_back: Callable[[], Awaitable[object]] | None = None,
) -> AsyncGenerator[str, None]:
    """SSE text for ``agent_id``: their events and broadcasts, a comment line every ``keepalive_s`` (keeps
    proxies from closing an idle stream), ending when ``still_valid`` turns false (logout, expiry).
    ``on_own``: run after an event addressed to the agent (a ring, a connect: their status changed).
    ``on_back``: run when Redis answers again and when a worker asks for the agents at live consoles
    (``PRESENCE_WANTED``): what Redis lost is put back before the console (here or elsewhere) reads again.

    A Redis outage does not end it: the stream stays open (``_store_down``) and subscribes again, then sends
    ``store.back`` (``_store_back``) so the console re-reads what it missed.

    Starlette cancels this generator when the browser goes away; the subscription is closed on the way out.
    """
    failures, opened = 0, False
    while True:
        try:
            async with bus.listen() as listener:
                if not opened:  # once the subscription is up: nothing published from here is missed
                    opened = True
                    yield f"retry: {retry_ms}\n: connected\n\n"
                if failures:
                    lost, failures = failures, 0
                    yield await _store_back(agent_id, lost, on_back)
                async for chunk in _events(listener, agent_id, still_valid, keepalive_s, (on_own, on_back)):
                    yield chunk
                return
        except STORE_DOWN:
            failures += 1
            yield _store_down(agent_id, failures)
            await asyncio.sleep(min(reconnect_s * failures, keepalive_s))


def _store_down(agent_id: str, failures: int) -> str:
    """The comment line sent while Redis is down (logged once per outage), instead of ending the stream.
    Why: an ended stream is one the browser reopens into a 503 and, should Redis come back empty, into a
    401 that logs the agent out; an open one keeps the agent online here (``Presence``) until the heartbeat
    puts their session back."""
    if failures == 1:
        log.warning("console stream for %s: Redis unavailable; kept open, subscribing again", agent_id)
    return ": store unavailable\n\n"


async def _store_back(agent_id: str, failures: int, on_back: Callable[[], Awaitable[object]] | None) -> str:
    """Redis answers again after ``failures`` attempts: what it lost is put back (``on_back``) before the
    browser is told ``store.back`` and re-reads."""
    log.info("console stream for %s: Redis back after %d failed attempts", agent_id, failures)
    if on_back is not None:
        await on_back()
    return sse_message(ConsoleEvent(STORE_BACK))


async def _events(
    listener: Listener[ConsoleEvent],
    agent_id: str,
    still_valid: Callable[[], Awaitable[bool]],
    keepalive_s: float,
    hooks: tuple[Callable[[], Awaitable[object]] | None, Callable[[], Awaitable[object]] | None],
) -> AsyncIterator[str]:
    """One listening's part of ``agent_stream``; returns after the logout event. ``RESYNC`` (this stream fell
    behind, what it missed was dropped): the hooks run as for a missed ``PRESENCE_WANTED`` or own event, and
    the browser re-reads (any message makes the console fetch its panels)."""
    on_own, on_back = hooks
    while True:
        event = await listener.get(keepalive_s)
        if event is None:
            if not await still_valid():
                log.info("console stream for %s ended: session gone", agent_id)
                yield 'event: logout\ndata: {"type":"logout"}\n\n'
                return
            yield ": keep-alive\n\n"
        elif event.type == RESYNC:
            for hook in (on_back, on_own):
                if hook is not None:
                    await hook()
            yield sse_message(event)
        elif event.type == PRESENCE_WANTED:
            if on_back is not None:
                await on_back()
        elif event.is_for(agent_id):
            if on_own is not None and event.agent_id == agent_id:
                await on_own()  # before the browser hears of it: what it then does sees the change noted
            yield sse_message(event)


async def present_stream(
    bus: EventBus, agent_id: str, presence: Presence, sessions: ConsoleSessions, sid: str, keepalive_s: float
) -> AsyncIterator[str]:
    """``agent_stream`` for a console session, the agent online in ``presence`` while it is open. Its
    keep-alive is the heartbeat: a session Redis lost is put back (``Presence.heartbeat``), a logout is not."""

    async def still_valid() -> bool:
        if await sessions.peek(sid) == agent_id:
            return True
        await presence.heartbeat()
        return await sessions.peek(sid) == agent_id

    handle = presence.attach(agent_id, partial(sessions.adopt, sid, agent_id), sid)
    try:
        await presence.note()  # what Redis says about the agent now
        note, refresh = presence.note, presence.refresh  # refresh: one heartbeat for all the streams here
        stream = agent_stream(
            bus, agent_id, still_valid=still_valid, keepalive_s=keepalive_s, on_own=note, on_back=refresh
        )
        async with aclosing(stream) as sse:
            async for chunk in sse:
                yield chunk
    finally:
        presence.detach(handle)
