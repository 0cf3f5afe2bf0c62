"""The fault-injection suite of issue 12 (the scenarios of ``infolinia bench faults``, asserted): a private
redis-server killed and restarted (with its data, and empty), the Twilio REST stand-in refused and
black-holed, a 200-chat burst, oversize and malformed bodies, each on a freshly built gateway.

Each scenario reports its own problems (data lost, a 5xx where a 4xx/2xx is due, a caller left without
audio or a transfer past the 3 s limit, judged on the gateway's own REST deadline); the test asserts none.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from functools import partial

import pytest

from telephony.devtools import faults
from telephony.devtools.faults import Row
from telephony.devtools.faults_world import FaultWorld, fault_world

OUTER_GUARD_S = 300  # generous: a hang fails the test instead of the CI job; no timing is asserted here

SCENARIOS: dict[str, Callable[[FaultWorld], Awaitable[Row]]] = {
    "redis_killed_callbacks": faults.redis_killed_callbacks,
    "redis_killed_statuses": faults.redis_killed_statuses,
    "redis_killed_api": faults.redis_killed_api,
    "redis_back_empty": faults.redis_back_empty,
    "rest_refused": faults.rest_refused,
    "rest_black_holed": faults.rest_black_holed,
    "chat_burst": partial(faults.chat_bursts, bursts=1, size=200),
    "bad_bodies": faults.bad_bodies,
}


@pytest.mark.parametrize("name", list(SCENARIOS))
async def test_fault_scenario_loses_nothing(name: str) -> None:
    async def run() -> Row:
        async with fault_world() as world:
            return await SCENARIOS[name](world)

    row = await asyncio.wait_for(run(), OUTER_GUARD_S)
    assert row.figures, "the scenario measured nothing"
    assert row.problems == [], f"{row.scenario}: {row.problems} ({row.figures})"
