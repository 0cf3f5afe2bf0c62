"""``infolinia bench faults``: every fault scenario of issue 12 in one table.

In-process scenarios (``faults.py``: Redis killed and restarted, Twilio REST refused and black-holed, chat
bursts, bad bodies; ``faults_hold.py``: REST down with callers on hold), the dripping orders service
(``faults_orders.py``), and the process-level ones
(``faults_calls.py``: SIGTERM and SIGKILL of a real gateway process mid-call, 50 streams at once; speech
on, so they need the models). Each in its own world; the bench checks times against the 3 s limit too.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

from telephony.devtools.faults import Row, format_table, run_faults
from telephony.devtools.faults_calls import (
    ProcessWorld,
    process_world,
    sigkill_mid_call,
    sigterm_mid_call,
    stream_opens,
)
from telephony.devtools.faults_hold import rest_down_on_hold
from telephony.devtools.faults_orders import run_orders_dripping

PROCESS_SCENARIOS: list[Callable[[ProcessWorld], Awaitable[Row]]] = [sigterm_mid_call, sigkill_mid_call, stream_opens]


async def run_process_scenarios() -> list[Row]:
    rows = []
    for scenario in PROCESS_SCENARIOS:
        async with process_world() as world:
            began = time.monotonic()
            row = await scenario(world)
            row.figures["took (s)"] = round(time.monotonic() - began, 1)
            rows.append(row)
    return rows


async def bench_faults() -> int:
    rows = await run_faults()
    rows += await run_faults([rest_down_on_hold])
    began = time.monotonic()
    orders = await run_orders_dripping()
    orders.figures["took (s)"] = round(time.monotonic() - began, 1)
    rows += [orders, *await run_process_scenarios()]
    print(format_table(rows))
    return 0 if all(not r.problems for r in rows) else 1
