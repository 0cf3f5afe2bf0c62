"""One pub/sub subscription per process, fanned out in memory to every live stream that listens.

Why: a Redis subscription holds a pooled connection for as long as it lives. When each console and dashboard
stream subscribed on its own, 105 tabs of one agent took all 100 connections of the pool (calls and chats
then got 503s); a cap of half the pool only moved the problem: one agent's tabs, or a reconnect storm, took
every slot and the other agents' consoles lost their live updates. Here a stream costs a bounded queue, not a
connection: one subscription, however many streams (the way ``ChatWatch`` serves customers' chat streams).

A slow reader never holds up the others: nothing waits for a stream. When a stream's queue is full it is
emptied and given ``resync`` instead (the stream tells its browser to re-read what it shows), since an event
dropped silently would leave a console wrong until its next refresh.

The subscription runs while someone listens: the first listener starts it and the last one to leave stops
it, so there is nothing to start at start-up and nothing left behind at shutdown or at the end of a test.
When it is lost (Redis down, restarted), every listener hears so (``get`` raises ``SubscriptionLost``, a
Redis ``ConnectionError``): a stream's existing "Redis unavailable" path keeps it open and listens again.
When the Redis client instead reconnects and subscribes again by itself (within its retries, no error), the
subscription gives ``resync`` (``events.Subscription``), which reaches every listener like any event: what
was published in between is lost, so every stream re-reads.
"""

from __future__ import annotations

import asyncio
import enum
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager, suppress
from typing import Generic, Protocol, TypeVar

from redis.exceptions import ConnectionError as RedisConnectionError

from telephony.tasks import stop_task

log = logging.getLogger(__name__)

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)


class Source(Protocol[T_co]):
    """The one subscription: the next item, or None after ``timeout_s`` without one."""

    async def get(self, timeout_s: float = 1.0) -> T_co | None: ...


class SubscriptionLost(RedisConnectionError):
    """The shared subscription is down (or could not be made): what a stream's own subscription raised when
    Redis went away, so streams keep their outage handling (comment lines, listen again, ``store.back``)."""


class _Lost(enum.Enum):
    LOST = "lost"  # put in a listener's queue when the subscription is lost


class Listener(Generic[T]):
    """One stream's share of the subscription: a bounded queue of what arrived since it last read."""

    def __init__(self, size: int, resync: T) -> None:
        self._queue: asyncio.Queue[T | _Lost] = asyncio.Queue(max(2, size))
        self._resync = resync
        self.overflows = 0  # how often this listener fell behind (its queue was emptied for ``resync``)

    def put(self, item: T) -> None:
        """Never waits: a full queue is emptied and holds ``resync`` instead (the reader re-reads)."""
        try:
            self._queue.put_nowait(item)
        except asyncio.QueueFull:
            self.overflows += 1
            self._replace(self._resync)

    def lose(self) -> None:
        """The subscription is lost: what is still queued is moot (the stream re-reads once it is back)."""
        self._replace(_Lost.LOST)

    def _replace(self, item: T | _Lost) -> None:
        while not self._queue.empty():
            self._queue.get_nowait()
        self._queue.put_nowait(item)

    async def get(self, timeout_s: float = 1.0) -> T | None:
        """The next item, or None after ``timeout_s`` without one (a stream's keep-alive); raises
        ``SubscriptionLost`` once the subscription is lost."""
        try:
            item = await asyncio.wait_for(self._queue.get(), timeout_s)
        except TimeoutError:
            return None
        if item is _Lost.LOST:
            raise SubscriptionLost("the events subscription was lost")
        return item


class Fanout(Generic[T]):
    """Runs ``subscribe()`` while anyone listens, and gives every item to every listener's queue."""

    def __init__(
        self,
        subscribe: Callable[[], AbstractAsyncContextManager[Source[T]]],
        resync: T,
        *,
        queue_size: int = 100,
        reconnect_s: float = 1.0,
        max_reconnect_s: float = 5.0,
        poll_s: float = 1.0,
    ) -> None:
        self._subscribe, self._resync, self.queue_size = subscribe, resync, queue_size
        self.reconnect_s, self.max_reconnect_s, self.poll_s = reconnect_s, max_reconnect_s, poll_s
        self.listeners: set[Listener[T]] = set()
        self.up = False  # subscribed: what is published from now on reaches every listener
        self._started = self._settled_count = 0  # subscription attempts begun, and ended (up or failed)
        self._settled = asyncio.Event()  # set (and replaced) whenever an attempt ends
        self._wake = asyncio.Event()  # a listener asks for an attempt now, not after the back-off
        self._task: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()  # starting and stopping the subscription, one at a time

    @asynccontextmanager
    async def listen(self, ready_s: float = 5.0) -> AsyncIterator[Listener[T]]:
        """A listener once the subscription is up (everything published from then on reaches it); raises
        ``SubscriptionLost`` when it is not up within ``ready_s`` (Redis down or stalled)."""
        listener = Listener(self.queue_size, self._resync)
        async with self._lock:
            self.listeners.add(listener)
            if self._task is None or self._task.done():
                self._settled, self._wake = asyncio.Event(), asyncio.Event()  # this event loop's
                self._task = asyncio.create_task(self._run(), name="events-fanout")
        try:
            await self._ready(ready_s)
            yield listener
        finally:
            self.listeners.discard(listener)  # first, and at once: even a cancelled stream leaves
            if not self.listeners:
                await self._stop_if_idle()

    async def _ready(self, timeout_s: float) -> None:
        """Wait until subscribed, or until an attempt begun after this call failed."""
        if self.up:
            return
        wanted = self._started + 1  # an attempt under way may be older than what the caller knows
        self._wake.set()
        with suppress(TimeoutError):
            async with asyncio.timeout(timeout_s):
                while not self.up and self._settled_count < wanted:
                    await self._settled.wait()
        if not self.up:
            raise SubscriptionLost("the events subscription is not up")

    async def _stop_if_idle(self) -> None:
        """The last listener left: unsubscribe (a listener that comes meanwhile waits for the lock and
        starts it again). Should this be cut short, the subscription notices nobody listens and ends."""
        async with self._lock:
            if self.listeners or self._task is None:
                return
            task, self._task, self.up = self._task, None, False  # before waiting: this may be cut short
            await stop_task(task)

    def _mine(self) -> bool:
        return bool(self.listeners) and self._task is asyncio.current_task()

    async def _run(self) -> None:
        """Subscribe, hand out, subscribe again after a loss (backing off), while anyone listens."""
        failures = 0
        while self._mine():
            self._started += 1
            try:
                async with self._subscribe() as source:
                    self._settle(up=True)
                    if failures:
                        log.info("events fan-out: subscribed again after %d failed attempts", failures)
                        failures = 0
                    await self._pump(source)
            except asyncio.CancelledError:
                raise
            except Exception:
                failures += 1
                if failures == 1:
                    log.warning("events fan-out: subscription lost; subscribing again", exc_info=True)
                else:
                    log.debug("events fan-out: subscribing failed (%d in a row)", failures, exc_info=True)
            self._settle(up=False)
            if self._mine() and failures:
                await self._pause(min(self.reconnect_s * failures, self.max_reconnect_s))

    async def _pump(self, source: Source[T]) -> None:
        while self._mine():
            item = await source.get(self.poll_s)
            if item is not None:
                for listener in tuple(self.listeners):
                    listener.put(item)

    def _settle(self, *, up: bool) -> None:
        """An attempt ended (``up``) or the subscription ended: tell the listeners and those waiting. Not
        from a stopped subscription whose cancellation was swallowed: the state is a newer one's."""
        if self._task is not asyncio.current_task():
            return
        if up or self._settled_count < self._started:
            self._settled_count = self._started
        was_up, self.up = self.up, up
        if was_up and not up:
            for listener in tuple(self.listeners):
                listener.lose()
        settled, self._settled = self._settled, asyncio.Event()
        settled.set()

    async def _pause(self, seconds: float) -> None:
        with suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), seconds)
        self._wake.clear()
