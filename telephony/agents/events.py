"""Console events over Redis pub/sub: what one worker does, every agent's browser sees.

An agent's console may be connected (SSE) to worker B while the transfer is handled by worker A, so
events go through Redis, channel ``<prefix>events`` (``infolinia:events``), as JSON
``{"type", "agent_id", "transfer_id", "data"}``. Pub/sub is fire-and-forget: the console re-reads state
from the JSON API on (re)connect, so a missed event costs a refresh, never correctness.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from redis.asyncio import Redis
from redis.asyncio.client import PubSub

from telephony.agents.fanout import Fanout, Listener

log = logging.getLogger(__name__)

# Event types (``type``). agent_id set: meant for that agent only; None: for every console.
TRANSFER_WAITING = "transfer.waiting"  # a caller entered a queue
TRANSFER_RINGING = "transfer.ringing"  # agent_id is being rung for transfer_id
TRANSFER_CONNECTED = "transfer.connected"  # agent_id is now talking to the caller
TRANSFER_ENDED = "transfer.ended"  # the call ended (agent in wrap-up)
TRANSFER_ABANDONED = "transfer.abandoned"  # the caller hung up while waiting
TRANSFER_CALLBACK = "transfer.callback"  # the caller chose a callback / left a voicemail
AGENT_STATUS = "agent.status"  # data: {"status"}
CHAT_MESSAGE = "chat.message"  # a message in a chat hand-off (data: {"seq"}); transfer_id: the chat
CALLBACK_NEW = "callback.new"
CALLBACK_CLAIMED = "callback.claimed"
CALLBACK_CLOSED = "callback.closed"
CALLBACK_RELEASED = "callback.released"  # a claimed callback handed back to the list (data: {"id", "by"})
# A worker found a console session missing just after Redis came back empty: every worker puts back the
# agents at its live consoles now (``telephony/agents/presence.py``); never forwarded to a browser.
PRESENCE_WANTED = "presence.wanted"
STORE_BACK = "store.back"  # sent by a console stream itself when Redis answers again: events may have been missed
RESYNC = "resync"  # given to a live stream that fell too far behind (its queue was full): re-read everything


@dataclass(frozen=True)
class ConsoleEvent:
    """One event for the agent console."""

    type: str
    agent_id: str | None = None
    transfer_id: str | None = None
    data: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> str:
        body = {
            "type": self.type,
            "agent_id": self.agent_id,
            "transfer_id": self.transfer_id,
            "data": self.data,
        }
        return json.dumps(body, ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str | bytes) -> ConsoleEvent | None:
        """Parse; None for anything malformed (a bad publisher must not break every console)."""
        try:
            raw = json.loads(text)
        except ValueError:
            return None
        if not isinstance(raw, dict) or not isinstance(raw.get("type"), str):
            return None
        agent_id, transfer_id, data = raw.get("agent_id"), raw.get("transfer_id"), raw.get("data")
        return cls(
            type=raw["type"],
            agent_id=agent_id if isinstance(agent_id, str) else None,
            transfer_id=transfer_id if isinstance(transfer_id, str) else None,
            data=data if isinstance(data, dict) else {},
        )

    def is_for(self, agent_id: str) -> bool:
        """Whether ``agent_id``'s console should get it: broadcasts, and events addressed to them."""
        return self.agent_id is None or self.agent_id == agent_id


class Subscription:
    """Events as they arrive, after the subscription is confirmed (nothing published later is missed).

    A connection that breaks is reconnected by redis-py itself within its retries, and subscribed again
    (``PubSub.on_connect``), without an error reaching the reader: what was published in between is lost, and
    a console would go on showing a state that missed it. The new subscription's confirmation is the sign
    (the first one was read by ``EventBus._confirmed``): it is given as ``RESYNC``, after which everything
    published is received again, so a reader that re-reads then misses nothing."""

    def __init__(self, pubsub: PubSub) -> None:
        self._pubsub = pubsub
        self.resubscribed = 0  # how often redis-py subscribed again on its own (each a ``RESYNC``)

    async def get(self, timeout_s: float = 1.0) -> ConsoleEvent | None:
        """The next event, or None after ``timeout_s`` without one (lets SSE send keep-alives); ``RESYNC``
        once redis-py subscribed again after a broken connection (events were lost meanwhile)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        while (left := deadline - loop.time()) > 0:
            message = await self._pubsub.get_message(timeout=left)
            if message is not None and message.get("type") == "subscribe":
                self.resubscribed += 1
                log.warning("events subscription: reconnected by the Redis client; listeners re-read")
                return ConsoleEvent(RESYNC)
            if message is None or message.get("type") != "message":
                continue
            event = ConsoleEvent.from_json(message["data"])
            if event is not None:
                return event
        return None

    def __aiter__(self) -> AsyncIterator[ConsoleEvent]:
        return self._iterate()

    async def _iterate(self) -> AsyncIterator[ConsoleEvent]:
        while True:
            event = await self.get(30.0)
            if event is not None:
                yield event


STREAM_QUEUE = 100  # events a live stream may fall behind by before it is told to re-read (``RESYNC``)


class EventBus:
    """Publish and subscribe console events. ``redis`` must decode responses.

    Live streams (consoles, dashboards) ``listen``: they share the process's one subscription (``fanout``),
    so however many tabs are open they hold one pooled connection, not one each."""

    def __init__(self, redis: Redis, *, prefix: str = "infolinia:", stream_queue: int = STREAM_QUEUE) -> None:
        self.redis = redis
        self.channel = f"{prefix}events"
        self.fanout: Fanout[ConsoleEvent] = Fanout(self.subscribe, ConsoleEvent(RESYNC), queue_size=stream_queue)

    async def publish(self, event: ConsoleEvent) -> int:
        """Send to every subscribed worker; returns how many received it. Never raises: a console
        event is worth less than the call that caused it."""
        try:
            return int(await self.redis.publish(self.channel, event.to_json()))
        except Exception:
            log.warning("event %s not published", event.type, exc_info=True)
            return 0

    async def _confirmed(self, pubsub: PubSub, timeout_s: float = 5.0) -> None:
        """Wait for Redis to confirm the subscription, so an event published right after is received."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        while (left := deadline - loop.time()) > 0:
            message = await pubsub.get_message(timeout=left)
            if message is not None and message.get("type") == "subscribe":
                return
        raise TimeoutError("redis did not confirm the events subscription")

    @asynccontextmanager
    async def listen(self) -> AsyncIterator[Listener[ConsoleEvent]]:
        """A live stream's events (``await listener.get(timeout_s)``), everything published once it is
        entered. Raises a Redis ``ConnectionError`` or ``TimeoutError`` (``STORE_DOWN``) while Redis does not
        answer, and ``get`` raises ``SubscriptionLost`` when Redis goes away: the stream stays open and listens
        again. The ping proves Redis answers now (a stalled one times out), as each stream's own subscription
        did; without it a stream would say ``store.back`` while the shared subscription merely sat idle."""
        await self.redis.ping()
        async with self.fanout.listen() as listener:
            yield listener

    @asynccontextmanager
    async def subscribe(self) -> AsyncIterator[Subscription]:
        """``async with bus.subscribe() as sub:`` then ``await sub.get()`` or ``async for e in sub``: a
        subscription of its own, holding a pooled connection while it lives. For the process's own
        watchers (``ChatWatch``, the ``fanout``), one each; a browser's stream ``listen``s instead.

        SUBSCRIBE is sent inside the ``try``: once it has taken a pooled connection it may still fail (a
        stalled Redis that stops reading, a cancellation), and only ``aclose`` gives that connection back;
        the watchers retry every second or so through an outage, each failed attempt would keep one. No
        UNSUBSCRIBE: ``aclose`` disconnects, which ends the subscription in Redis, and after a failed SUBSCRIBE
        it would connect again first (another wait on a stalled Redis, an error hiding the first one)."""
        pubsub = self.redis.pubsub()
        try:
            await pubsub.subscribe(self.channel)
            await self._confirmed(pubsub)
            yield Subscription(pubsub)
        finally:
            await pubsub.aclose()
