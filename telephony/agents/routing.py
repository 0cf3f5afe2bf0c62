"""Routing decisions, pure: which agent takes a call, and in what order waiting callers are served.

No I/O and no clock here: ``AgentRepo`` feeds a snapshot in and then reserves the chosen agent with an
atomic compare-and-set, retrying with the next choice if another worker was faster.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass

# Queue scores: enqueued_at (epoch seconds) minus priority * PRIORITY_STEP, so one Redis sorted set
# orders by priority first (higher = sooner) and waiting time second. The step (~31 years) dwarfs any
# real wait; doubles keep millisecond precision for |priority| < 10**5.
PRIORITY_STEP = 1e9


@dataclass(frozen=True)
class AgentView:
    """What routing needs to know of one agent."""

    id: str
    queues: frozenset[str]
    status: str
    idle_since: float  # epoch seconds the agent last became available (smaller = idle longer)


@dataclass(frozen=True)
class Waiting:
    """One caller waiting in a queue."""

    transfer_id: str
    priority: int
    enqueued_at: float


def choose_agent(agents: Iterable[AgentView], queue: str, exclude: Collection[str] = ()) -> AgentView | None:
    """The longest-idle available agent serving ``queue`` who is not in ``exclude`` (tried already).

    Ties on ``idle_since`` are broken by id so every worker makes the same choice from the same data.
    """
    candidates = [a for a in agents if a.status == "available" and queue in a.queues and a.id not in exclude]
    if not candidates:
        return None
    return min(candidates, key=lambda a: (a.idle_since, a.id))


def queue_score(priority: int, enqueued_at: float) -> float:
    """Sorted-set score: lower is served first (more urgent first, then who waited longest)."""
    return enqueued_at - priority * PRIORITY_STEP


def order_waiting(items: Iterable[Waiting]) -> list[Waiting]:
    """Serving order: higher priority first, then earlier arrival, then id (deterministic)."""
    return sorted(items, key=lambda w: (-w.priority, w.enqueued_at, w.transfer_id))


def position(items: Sequence[Waiting], transfer_id: str) -> int | None:
    """1-based place of ``transfer_id`` in the serving order, None when it is not waiting."""
    for index, item in enumerate(order_waiting(items), start=1):
        if item.transfer_id == transfer_id:
            return index
    return None


def count_serving(agents: Iterable[AgentView], queue: str) -> tuple[int, int]:
    """(available, staffed) agents for ``queue``: staffed = not offline (available, busy or wrap-up)."""
    staffed = [a for a in agents if queue in a.queues and a.status != "offline"]
    return sum(1 for a in staffed if a.status == "available"), len(staffed)
