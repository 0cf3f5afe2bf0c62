"""Shutdown of background tasks: a task whose library swallows a cancellation still stops.

Seen in CI: after a Redis restart the chat watch was resubscribing when the gateway stopped; the cancellation
came out of the Redis client as an ordinary error, the watch logged it and subscribed again, and the
gateway's lifespan waited on it for good. Scripted here with an events source that does exactly that.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import AsyncIterator

import pytest

from telephony.agents.events import ConsoleEvent
from telephony.chat.stream import ChatWatch
from telephony.tasks import stop_task


class SwallowingSubscription:
    """``get`` turns the first cancellation it sees into a ConnectionError, as a client mid-reconnect may."""

    def __init__(self, source: SwallowingEvents) -> None:
        self.source = source

    async def get(self, timeout_s: float = 1.0) -> ConsoleEvent | None:
        try:
            await asyncio.sleep(timeout_s)
        except asyncio.CancelledError:
            if self.source.swallowed:
                raise
            self.source.swallowed += 1
            asyncio.current_task().uncancel()  # type: ignore[union-attr]
            raise ConnectionError("connection lost while reconnecting") from None
        return None


class SwallowingEvents:
    def __init__(self) -> None:
        self.swallowed = 0
        self.subscriptions = 0

    @contextlib.asynccontextmanager
    async def subscribe(self) -> AsyncIterator[SwallowingSubscription]:
        self.subscriptions += 1
        yield SwallowingSubscription(self)


async def test_the_chat_watch_stops_when_its_cancellation_is_swallowed() -> None:
    events = SwallowingEvents()
    watch = ChatWatch(events, reconnect_s=0.01)  # type: ignore[arg-type]
    watch.start()
    await asyncio.sleep(0.05)
    task = watch._task
    assert task is not None and not task.done()
    await asyncio.wait_for(watch.close(), 3.0)
    assert events.swallowed == 1  # the cancellation did come out as an error ...
    assert task.done() and events.subscriptions == 1  # ... and the closing watch did not subscribe again


async def test_a_task_that_swallows_cancellations_is_cancelled_again() -> None:
    rounds = 0

    async def stubborn() -> None:
        nonlocal rounds
        while True:
            try:
                await asyncio.sleep(10)
            except asyncio.CancelledError:
                rounds += 1
                if rounds == 3:
                    raise
                asyncio.current_task().uncancel()  # type: ignore[union-attr]

    task = asyncio.create_task(stubborn())
    await asyncio.sleep(0)
    assert await stop_task(task, grace_s=2.0, every_s=0.01)
    assert task.cancelled() and rounds == 3


async def test_a_task_that_never_stops_is_left_behind_with_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    release = asyncio.Event()

    async def immortal() -> None:
        while not release.is_set():
            with contextlib.suppress(asyncio.CancelledError):
                await release.wait()

    task = asyncio.create_task(immortal(), name="immortal")
    await asyncio.sleep(0)
    with caplog.at_level(logging.WARNING, logger="telephony.tasks"):
        assert not await stop_task(task, grace_s=0.05, every_s=0.01)
    assert "immortal did not stop" in caplog.text and "immortal" in caplog.text.split("waits at")[1]
    release.set()
    await task


async def test_an_error_the_task_ended_with_is_logged_not_raised(caplog: pytest.LogCaptureFixture) -> None:
    async def failing() -> None:
        raise RuntimeError("boom")

    task = asyncio.create_task(failing(), name="failing")
    await asyncio.sleep(0)
    with caplog.at_level(logging.WARNING, logger="telephony.tasks"):
        assert await stop_task(task)
    assert "failing ended with an error" in caplog.text
    caplog.clear()
    again = asyncio.create_task(failing(), name="logged-by-itself")
    await asyncio.sleep(0)
    with caplog.at_level(logging.WARNING, logger="telephony.tasks"):
        assert await stop_task(again, log_error=False)  # e.g. start-up, which logs its own failure
    assert caplog.text == ""


async def test_an_error_left_unlogged_is_still_retrieved() -> None:
    """Found by a walkthrough: a gateway whose start-up failed (a missing model) printed the start-up's
    traceback again at shutdown, as asyncio's "Task exception was never retrieved"."""

    async def failing() -> None:
        raise RuntimeError("boom")

    reported: list[dict[str, object]] = []
    asyncio.get_running_loop().set_exception_handler(lambda loop, context: reported.append(context))
    task = asyncio.create_task(failing(), name="start-up")
    await asyncio.sleep(0)
    assert await stop_task(task, log_error=False)
    del task
    gc.collect()
    assert reported == []


class DownEvents:
    """A store that refuses ``down`` subscriptions, then takes them."""

    def __init__(self, down: int) -> None:
        self.down, self.attempts = down, 0

    @contextlib.asynccontextmanager
    async def subscribe(self) -> AsyncIterator[SwallowingSubscription]:
        self.attempts += 1
        if self.attempts <= self.down:
            raise ConnectionError("Connection refused")
        yield SwallowingSubscription(SwallowingEvents())


async def test_an_outage_is_one_warning_and_one_line_when_the_subscription_is_back(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Found by a walkthrough: 47 warnings with a traceback each in 40 s of a Redis outage."""
    events = DownEvents(down=6)
    watch = ChatWatch(events, reconnect_s=0.001)  # type: ignore[arg-type]
    with caplog.at_level(logging.INFO, logger="telephony.chat.stream"):
        watch.start()
        for _ in range(500):
            if events.attempts > 6:
                break
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.02)
        await watch.close()
    lines = [(r.levelname, r.getMessage()) for r in caplog.records if r.name == "telephony.chat.stream"]
    assert lines == [
        ("WARNING", "chat watch: events subscription lost; resubscribing"),
        ("INFO", "chat watch: events subscription back after 6 failed attempts"),
    ]
