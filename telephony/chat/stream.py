"""The customer's live side of a chat hand-off: ``GET /v1/chat/{session_id}/events`` as Server-Sent Events.

Why one subscription per process (``ChatWatch``) rather than one per customer: a Redis pub/sub
subscription holds a pooled connection for as long as it lives; waiting customers may be many, and a hundred
open streams would take every connection of the pool. So each worker subscribes once and wakes the streams
of the chats an event names, in process (the consoles' and dashboards' streams share one subscription the same
way: ``EventBus.listen``, ``telephony/agents/fanout.py``).

Pub/sub is fire-and-forget, so a stream never trusts it for content: woken or not (every
``keepalive_s``), it re-reads the messages after the last one sent and the hand-off's status from
Redis. A lost event delays a message by one keep-alive at most; it never loses it. The same loop runs
the periodic sweep for chat offers nobody accepted and for waiting customers who left (``ChatHandoff.expire_offers``);
an open stream is how the sweep knows its customer is there (``telephony/chat/presence.py``).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from telephony.agents.events import RESYNC, ConsoleEvent, EventBus
from telephony.chat.handoff import ChatHandoff
from telephony.chat.resume import lost_view
from telephony.chat.store import customer_lines
from telephony.spool import STORE_DOWN
from telephony.tasks import stop_task
from telephony.transfer.record import TransferRecord

log = logging.getLogger(__name__)

MAX_RECONNECT_S = 5.0  # the wait between attempts grows with each failure, up to this
SSE_HEADERS = {"Cache-Control": "no-store", "X-Accel-Buffering": "no", "Connection": "keep-alive"}


class ChatWatch:
    """One events subscription per process, fanned out to the chat streams waiting here."""

    def __init__(
        self,
        events: EventBus,
        *,
        sweep: Callable[[], Awaitable[object]] | None = None,
        sweep_s: float = 5.0,
        reconnect_s: float = 1.0,
        unreachable: Callable[[], None] | None = None,
    ) -> None:
        """``unreachable``: told whenever Redis failed the subscription or the sweep (``ChatHandoff.unwatched``:
        the customers' streams could stamp nothing meanwhile, so their silence is not theirs)."""
        self.events, self.sweep, self.sweep_s, self.reconnect_s = events, sweep, sweep_s, reconnect_s
        self.unreachable = unreachable
        self._waiters: dict[str, set[asyncio.Event]] = {}
        self._task: asyncio.Task[None] | None = None
        self._closing = False

    def start(self) -> None:
        """Run the subscription in the background (idempotent; needs a running event loop)."""
        if self._task is None or self._task.done():
            self._closing = False
            self._task = asyncio.create_task(self._run(), name="chat-watch")

    async def close(self) -> None:
        """Stop the subscription. The flag ends the loop even where Redis' client turned the cancellation
        into an error mid-reconnect (``telephony.tasks``): a closing watch never resubscribes."""
        self._closing = True
        if self._task is not None:
            await stop_task(self._task)
            self._task = None

    @contextlib.asynccontextmanager
    async def watch(self, tid: str) -> AsyncIterator[asyncio.Event]:
        """An ``asyncio.Event`` set whenever an event names ``tid`` (clear it before re-reading)."""
        woke = asyncio.Event()
        self._waiters.setdefault(tid, set()).add(woke)
        try:
            yield woke
        finally:
            waiters = self._waiters.get(tid, set())
            waiters.discard(woke)
            if not waiters:
                self._waiters.pop(tid, None)

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        next_sweep = loop.time() + self.sweep_s
        failures = 0  # in a row: a Redis outage is one warning and one "back", not one line a second
        while not self._closing:
            try:
                async with self.events.subscribe() as subscription:
                    if failures:
                        log.info("chat watch: events subscription back after %d failed attempts", failures)
                        failures = 0
                    while not self._closing:
                        self._wake(await subscription.get(max(0.05, next_sweep - loop.time())))
                        if loop.time() >= next_sweep:
                            next_sweep = loop.time() + self.sweep_s
                            await self._sweep()
            except asyncio.CancelledError:
                raise
            except Exception:
                if self._closing:
                    return
                self._unreachable()
                failures += 1
                if failures == 1:
                    log.warning("chat watch: events subscription lost; resubscribing", exc_info=True)
                else:
                    log.debug("chat watch: resubscribing failed (%d in a row)", failures, exc_info=True)
                await asyncio.sleep(min(self.reconnect_s * failures, MAX_RECONNECT_S))

    def _wake(self, event: ConsoleEvent | None) -> None:
        """Wake the streams of the chat ``event`` names; all of them on ``RESYNC`` (the Redis client subscribed
        again on its own: events were lost meanwhile), so none waits out its keep-alive for a missed message."""
        if event is None:
            return
        if event.type == RESYNC:  # events were lost (Redis reconnected, say): stamps may have been too
            self._unreachable()
            waiting = [woke for waiters in self._waiters.values() for woke in waiters]
        else:
            waiting = list(self._waiters.get(event.transfer_id or "", ()))
        for woke in waiting:
            woke.set()

    async def _sweep(self) -> None:
        if self.sweep is None:
            return
        try:
            await self.sweep()
        except STORE_DOWN as exc:  # Redis down or stalled: one line, retried at the next sweep
            self._unreachable()
            log.warning("chat watch: sweep skipped, store unavailable (%s)", type(exc).__name__)
        except Exception:  # a failed sweep is retried at the next one
            log.warning("chat watch: sweep failed", exc_info=True)

    def _unreachable(self) -> None:
        if self.unreachable is not None:
            self.unreachable()


def sse(event: str, data: dict[str, Any], event_id: int | None = None) -> str:
    head = f"id: {event_id}\n" if event_id is not None else ""
    return f"{head}event: {event}\ndata: {json.dumps(data, ensure_ascii=False, separators=(',', ':'))}\n\n"


async def customer_stream(
    handoff: ChatHandoff,
    watch: ChatWatch,
    tid: str,
    *,
    after: int = 0,
    keepalive_s: float = 15.0,
    retry_ms: int = 3000,
) -> AsyncIterator[str]:
    """SSE for one hand-off: ``message`` events (id = seq, so ``Last-Event-ID`` resumes) and ``status``
    events (waiting with position and estimate, connected with the agent's name, ended), ending after
    the ``ended`` status; ``ended_by: lost`` with a Polish ``text`` when the hand-off vanished."""
    yield f"retry: {retry_ms}\n: connected\n\n"
    last_view: dict[str, Any] | None = None
    fresh = True  # a stream that just (re)connected: the customer is there, stamped at once (``presence.py``)
    async with watch.watch(tid) as woke:
        while True:
            woke.clear()
            try:
                record, messages, view = await _read(handoff, tid, after, fresh)
            except STORE_DOWN:  # Redis away: the stream stays open, the next tick reads again
                yield ": store unavailable\n\n"
            else:
                fresh = False
                if record is None:  # it was there when the stream opened: Redis lost it (came back empty)
                    yield sse("status", lost_view(tid))
                    return
                for message in messages:
                    after = message["seq"]
                    yield sse("message", message, after)
                if view != last_view:
                    last_view = view
                    yield sse("status", view)
                if view["status"] == "ended":
                    return
            try:
                await asyncio.wait_for(woke.wait(), keepalive_s)
            except TimeoutError:
                yield ": keep-alive\n\n"


async def _read(
    handoff: ChatHandoff, tid: str, after: int, fresh: bool
) -> tuple[TransferRecord | None, list[dict[str, Any]], dict[str, Any]]:
    """One tick of ``customer_stream``: the record (None: gone), the messages after ``after``, the view. The
    stream is open, so its customer is there (``ChatHandoff.seen``: a tick stamps at most every 15 s)."""
    record = await handoff.record(tid)
    if record is None:
        return None, [], {}
    await handoff.seen(record, force=fresh)
    return record, customer_lines(await handoff.messages(tid, after)), await handoff.customer_view(record)
