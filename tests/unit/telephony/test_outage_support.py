"""The outage tests' server stop: a gateway that does not stop fails naming where its tasks wait."""

from __future__ import annotations

import asyncio

import pytest

from tests.support.outage import stopped


async def test_a_server_that_stops_in_time_passes() -> None:
    task = asyncio.create_task(asyncio.sleep(0.01))
    await stopped(task, 1.0)
    assert task.done() and not task.cancelled()


async def test_a_server_that_hangs_fails_with_the_tasks_stacks() -> None:
    async def unsubscribing() -> None:
        await asyncio.Event().wait()

    async def held_by_redis() -> None:
        await unsubscribing()

    holder = asyncio.create_task(held_by_redis(), name="chat-watch")
    server = asyncio.create_task(asyncio.Event().wait(), name="server")
    await asyncio.sleep(0)
    with pytest.raises(AssertionError, match=r"did not stop within 0\.05 s") as failed:
        await stopped(server, 0.05)
    line = next(x for x in str(failed.value).splitlines() if x.startswith("chat-watch: "))
    # the whole await chain, outermost first, down to the innermost wait
    assert line.index("held_by_redis") < line.index("unsubscribing") < line.index("locks.py")
    await asyncio.sleep(0)
    assert server.cancelled()
    holder.cancel()
