"""The fault scenarios of issue 12 that need more than one in-process gateway (``infolinia bench faults`` runs
the same functions): a real gateway process with the speech models, a call in progress on the real media
stream, and the process stopped under it with SIGTERM (graceful drain: the call is handed to the fallback
number) or SIGKILL (Twilio's fallback TwiML after ``</Connect>``, the status callback and the spool taken
over by another process); 50 media streams opened at once; an orders service that drips bytes; callers on
hold when Twilio REST dies.

Every scenario reports its own problems (a caller without audio or a transfer, a record or a spooled
callback lost, a 5xx to Twilio); the test asserts there are none. Times are printed by the bench, not
checked here (``strict=False``): the 3 s limit is the gateway's own deadlines (drain grace 1 s + REST
1.5 s, orders 2 s), which the scenarios configure.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from functools import partial
from pathlib import Path

import pytest

from telephony.devtools.faults import Row
from telephony.devtools.faults_calls import (
    ProcessWorld,
    process_world,
    sigkill_mid_call,
    sigterm_mid_call,
    stream_opens,
)
from telephony.devtools.faults_hold import rest_down_on_hold
from telephony.devtools.faults_orders import run_orders_dripping
from telephony.devtools.faults_world import fault_world

OUTER_GUARD_S = 400  # generous: a hang fails the test instead of the CI job; no timing is asserted here

PROCESS_SCENARIOS: dict[str, Callable[[ProcessWorld], Awaitable[Row]]] = {
    "sigterm_mid_call": partial(sigterm_mid_call, strict=False),
    "sigkill_mid_call": partial(sigkill_mid_call, strict=False),
    "fifty_stream_opens": partial(stream_opens, streams=50, strict=False),
}


@pytest.mark.models
@pytest.mark.parametrize("name", list(PROCESS_SCENARIOS))
async def test_a_gateway_process_fault_leaves_no_caller_silent_and_loses_nothing(
    name: str, models_dir: Path, whisper_base: str
) -> None:
    async def run() -> Row:
        async with process_world(models_dir) as world:
            return await PROCESS_SCENARIOS[name](world)

    row = await asyncio.wait_for(run(), OUTER_GUARD_S)
    print(row.figures)
    assert row.figures, "the scenario measured nothing"
    assert row.problems == [], f"{row.scenario}: {row.problems} ({row.figures})"


async def test_an_orders_service_dripping_bytes_ends_in_the_apology_and_a_hand_over() -> None:
    row = await asyncio.wait_for(run_orders_dripping(strict=False), OUTER_GUARD_S)
    assert row.figures, "the scenario measured nothing"
    assert row.problems == [], f"{row.scenario}: {row.problems} ({row.figures})"


async def test_callers_on_hold_when_twilio_rest_dies_hear_the_way_out_and_leave_a_voicemail() -> None:
    async def run() -> Row:
        async with fault_world() as world:
            return await rest_down_on_hold(world)

    row = await asyncio.wait_for(run(), OUTER_GUARD_S)
    assert row.figures, "the scenario measured nothing"
    assert row.problems == [], f"{row.scenario}: {row.problems} ({row.figures})"
