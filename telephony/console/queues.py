"""A queue as agents and supervisors see it: who waits (position, waited, estimate) and who serves it.
Read by the agents' JSON API, the console's panels and the supervisor's statistics alike."""

from datetime import UTC, datetime
from typing import Any

from telephony.agents.routing import count_serving
from telephony.agents.waits import estimate_wait_s, wait_phrase
from telephony.console.deps import AgentsDeps


async def queue_view(deps: AgentsDeps, queue: str) -> dict[str, Any]:
    """One queue: who waits (position, waited, estimate) and who serves it."""
    states = await deps.agents.list()
    available, staffed = count_serving([s.view() for s in states], queue)
    avg = await deps.stats.average(queue)
    records = await deps.transfers.records(await deps.transfers.waiting(queue))
    now = deps.clock()
    waiting = []
    for position, record in enumerate(records, start=1):
        estimate = (
            None if record.status == "ringing" else estimate_wait_s(position, available, staffed, avg, deps.wait_model)
        )
        waiting.append(
            {
                "transfer_id": record.tid,
                "channel": record.channel,
                "session_id": record.session_id,
                "position": position,
                "status": record.status,
                "priority": record.priority,
                "reason": record.reason,
                "waited_s": round(max(0.0, now - record.enqueued_at), 1),
                "estimate_s": None if estimate is None else round(estimate),
                "estimate_text": wait_phrase(estimate),
            }
        )
    hours = deps.hours.hours(queue)
    return {
        "queue": queue,
        "open": hours.is_open(_aware(now)),
        "available_agents": available,
        "staffed_agents": staffed,
        "avg_handling_s": None if avg is None else round(avg, 1),
        "waiting_count": len(waiting),
        "waiting_by_channel": {c: sum(1 for w in waiting if w["channel"] == c) for c in ("phone", "chat")},
        "waiting": waiting,
    }


def _aware(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


async def queue_names(deps: AgentsDeps) -> list[str]:
    names = set(await deps.transfers.queue_names()) | set(deps.hours.queues)
    for state in await deps.agents.list():
        names.update(state.agent.queues)
    return sorted(names)
