"""A bot action cancelled before it ran (a probe, 2026-12-07): a playground socket cut right after a turn ended
printed "RuntimeWarning: coroutine 'CallPath._answer' was never awaited" to the server's stderr, outside the
JSON log. The action's task was cancelled before its first step (the call ended), so the reply's coroutine was
never started and Python warned when it was collected; it is now closed with the task."""

from __future__ import annotations

import asyncio
import inspect

from telephony.call.actions import BotAction
from tests.support.line import Line
from tests.unit.telephony.test_failsafe_stall import _mouth


async def _reply() -> None:
    await asyncio.sleep(10)


async def test_an_action_cancelled_before_it_ran_closes_its_coroutine() -> None:
    floor, playout, mouth = _mouth(Line())
    action = BotAction(floor, playout, mouth, None)
    reply = _reply()
    action.start(reply)
    await action.settle()  # the call ends at once: the task is cancelled before its first step
    assert not action.acting
    assert inspect.getcoroutinestate(reply) == inspect.CORO_CLOSED  # not CORO_CREATED: no warning when collected


async def test_an_action_that_ran_is_unchanged() -> None:
    floor, playout, mouth = _mouth(Line())
    action = BotAction(floor, playout, mouth, None)
    reply = _reply()
    action.start(reply)
    await asyncio.sleep(0)  # its first step: now sleeping inside the reply
    assert inspect.getcoroutinestate(reply) == inspect.CORO_SUSPENDED
    await action.settle()
    assert inspect.getcoroutinestate(reply) == inspect.CORO_CLOSED and not action.acting
