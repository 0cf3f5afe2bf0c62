"""``infolinia bench calls``: many simulated phone calls at once against a gateway, and what they measured.

Why the call simulator (telephony/devtools/simulator.py) and not a synthetic HTTP load: the costs that limit a
phone gateway are per-call real-time work (VAD on every 20 ms frame, ASR, TTS, pacing) and queueing for
the shared models, and only a real-time caller on the real wire produces them. Each call hears the
greeting out, then says its turns with a human pause after each reply; ``concurrency`` calls run at
once, starts staggered so they do not all speak in the same instant.

Per-turn latency is the caller's view: end of the caller's voiced audio -> first bot audio frame
received. The gateway's own view (stage histograms, ASR/TTS queueing) comes from ``GET /metrics``
scraped before and after (``telephony/devtools/load_test_report.py``).
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, cast

import numpy as np

from telephony.devtools.simulator import CallSimulator, SimulationResult
from telephony.devtools.simulator_audio import CallerTurn
from telephony.devtools.simulator_rest import CallAction, FakeTwilioRest

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Target:
    """Where the gateway listens and the two values it signs with."""

    base_url: str
    public_url: str
    auth_token: str
    account_sid: str = "AC" + "0" * 32


SLOW_TURN_S = 2.0  # a turn answered later than this is logged with its call (the tail of the latency table)


@dataclass
class CallOutcome:
    """One simulated call as the caller experienced it."""

    call_sid: str
    ended_by: str  # caller | bot_hung_up | bot_hung_up_with_goodbye | transferred | server | timeout | error
    turn_latencies_s: list[float | None] = field(default_factory=list)  # None: the bot never answered
    turn_gaps_s: list[float] = field(default_factory=list)  # silence inside each reply's sentences
    greeting_s: float | None = None  # stream start -> first greeting audio
    duration_s: float = 0.0
    error: str | None = None

    @property
    def dropped(self) -> bool:
        """The caller was left without an answer or cut off (not a normal end, hang-up or transfer)."""
        return self.ended_by in ("server", "timeout", "error") or any(t is None for t in self.turn_latencies_s)


class RestRouter:
    """One ``FakeTwilioRest`` shared by concurrent calls: each call's hang-up/transfer to its own queue.

    Why: ``CallSimulator`` waits on ``rest.actions`` for its call; with several calls on one queue a
    call would swallow another call's action."""

    def __init__(self, rest: FakeTwilioRest) -> None:
        self.rest = rest
        self._queues: dict[str, asyncio.Queue[CallAction]] = {}
        self._task: asyncio.Task[None] | None = None

    def for_call(self, call_sid: str) -> FakeTwilioRest:
        queue: asyncio.Queue[CallAction] = asyncio.Queue()
        self._queues[call_sid] = queue
        if self._task is None:
            self._task = asyncio.create_task(self._route())
        return cast(FakeTwilioRest, _CallRest(queue))

    async def _route(self) -> None:
        while True:
            action = await self.rest.actions.get()
            queue = self._queues.get(action.call_sid)
            if queue is not None:
                queue.put_nowait(action)

    def close(self) -> None:
        if self._task is not None:
            self._task.cancel()


@dataclass
class _CallRest:
    actions: asyncio.Queue[CallAction]


def greeting_delay_s(result: SimulationResult, tick_s: float = 0.02) -> float | None:
    """Stream start -> first audible bot frame (the far-end player plays audio the tick it arrives)."""
    for i, frame in enumerate(result.bot_audio):
        if np.any(frame):
            return i * tick_s
    return None


async def one_call(
    target: Target, turns: list[CallerTurn], pause_s: float, router: RestRouter | None, max_s: float
) -> CallOutcome:
    sim = CallSimulator(
        target.base_url,
        public_url=target.public_url,
        auth_token=target.auth_token,
        account_sid=target.account_sid,
        pause_s=pause_s,
    )
    if router is not None:
        sim.rest = router.for_call(sim.call_sid)
    try:
        result = await sim.run(turns, max_s=max_s)
    except Exception as exc:  # a refused webhook, a broken socket: the call failed, the run goes on
        log.warning("simulated call %s failed: %r", sim.call_sid, exc)
        return CallOutcome(sim.call_sid, "error", error=repr(exc))
    for index, turn in enumerate(result.turns, start=1):  # so a slow turn can be found in the gateway's log
        if turn.latency_s is None or turn.latency_s > SLOW_TURN_S:
            after = "never answered" if turn.latency_s is None else f"answered after {turn.latency_s:.1f} s"
            log.warning("simulated call %s: caller turn %d (%s) %s", sim.call_sid, index, turn.label, after)
    return CallOutcome(
        sim.call_sid,
        result.ended_by,
        [t.latency_s for t in result.turns],
        [t.gap_s for t in result.turns],
        greeting_delay_s(result),
        result.duration_s,
    )


async def run_calls(
    target: Target,
    scripts: Sequence[list[CallerTurn]],
    concurrency: int,
    *,
    rest: FakeTwilioRest | None = None,
    stagger_s: float = 1.5,
    pause_range_s: tuple[float, float] = (0.6, 1.5),
    max_s: float = 300.0,
    seed: int = 7,
) -> tuple[list[CallOutcome], float]:
    """Run one call per script, ``concurrency`` at a time; returns the outcomes and the wall time.

    The first wave starts ``stagger_s`` apart (callers do not arrive in the same instant); later calls
    start as soon as a line frees. Pauses after each bot reply are drawn from ``pause_range_s``."""
    rng = random.Random(seed)
    pauses = [rng.uniform(*pause_range_s) for _ in scripts]
    slots = asyncio.Semaphore(max(1, concurrency))
    router = RestRouter(rest) if rest is not None else None

    async def call(i: int, script: list[CallerTurn]) -> CallOutcome:
        await asyncio.sleep(min(i, concurrency - 1) * stagger_s)
        async with slots:
            return await one_call(target, script, pauses[i], router, max_s)

    started = time.perf_counter()
    try:
        outcomes = await asyncio.gather(*(call(i, s) for i, s in enumerate(scripts)))
    finally:
        if router is not None:
            router.close()
    return list(outcomes), time.perf_counter() - started


def percentiles(values: Sequence[float], qs: Sequence[int] = (50, 95, 99)) -> dict[str, float | None]:
    """``{"p50": ..., ...}`` in seconds (linear interpolation); None when there are no values."""
    if not values:
        return {f"p{q}": None for q in qs}
    arr = np.asarray(values, dtype=np.float64)
    return {f"p{q}": round(float(np.percentile(arr, q)), 3) for q in qs}


def gap_summary(gaps: Sequence[float]) -> dict[str, Any]:
    """Replies with silence inside a sentence (at least one 20 ms frame): how many, and the longest."""
    gapped = [g for g in gaps if g >= 0.02]
    return {"replies": len(gaps), "with_gap": len(gapped), "max_s": round(max(gapped), 3) if gapped else 0.0}


def summarize(outcomes: Sequence[CallOutcome], wall_s: float, concurrency: int) -> dict[str, Any]:
    """The caller-side figures of one run (the gateway-side ones are merged in by the report)."""
    latencies = [t for o in outcomes for t in o.turn_latencies_s if t is not None]
    greetings = [o.greeting_s for o in outcomes if o.greeting_s is not None]
    ended: dict[str, int] = {}
    for o in outcomes:
        ended[o.ended_by] = ended.get(o.ended_by, 0) + 1
    return {
        "concurrency": concurrency,
        "calls": len(outcomes),
        "turns": sum(len(o.turn_latencies_s) for o in outcomes),
        "turns_answered": len(latencies),
        "wall_s": round(wall_s, 1),
        "turn_latency_s": {**percentiles(latencies), "max": round(max(latencies), 3) if latencies else None},
        "gaps": gap_summary([g for o in outcomes for g in o.turn_gaps_s]),
        "greeting_s": {**percentiles(greetings, (50, 95)), "max": round(max(greetings), 3) if greetings else None},
        "transfers": ended.get("transferred", 0),
        "errors": sum(1 for o in outcomes if o.error is not None),
        "dropped": sum(1 for o in outcomes if o.dropped),
        "ended_by": ended,
        "error_samples": [o.error for o in outcomes if o.error][:3],
    }
