"""The figures a supervisor reads: KPI sums over a period, and the live state of queues and agents.

Pure assembly over the KPI store and the agents' repositories; ``/v1/stats`` (``stats_api.py``) and the
supervisor dashboard (``dashboard.py``) both answer from here, so the two never disagree.
"""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from typing import Any

from telephony.agents.callbacks import epoch_of
from telephony.agents.repo import AgentState
from telephony.console.deps import AgentsDeps
from telephony.console.queues import queue_names, queue_view
from telephony.console.view import ringing_channel
from telephony.history.when import instant
from telephony.insights.buckets import CHANNELS, add_counts, by_agent, by_queue, days, summarize
from telephony.insights.kpis import KpiStore

LIVE_CALLBACKS = 1000  # pending callbacks counted for the live figures (more: the backlog is the news)


def parse_instant(text: str | None, default: float, tz: tzinfo, end: bool = False) -> float:
    """``text`` read as the history and gaps read theirs (``telephony.history.when.instant``), else ``default``.
    Raises ValueError on what is not an ISO 8601 date, week, month or date-time."""
    return instant(text, tz, end=end) if text else default


async def period_stats(
    kpis: KpiStore, start: float, end: float, channels: tuple[str, ...] = CHANNELS
) -> dict[str, Any]:
    """Every channel's figures from ``start`` to ``end``, with the queues and agents across channels."""
    sums = await kpis.sums(start, end, channels)
    total: dict[str, int] = {}
    for fields in sums.values():
        add_counts(total, fields)
    return {
        "from": datetime.fromtimestamp(start, UTC).isoformat(timespec="seconds"),
        "to": datetime.fromtimestamp(end, UTC).isoformat(timespec="seconds"),
        "channels": {c: summarize(sums[c]) | {"queues": by_queue(sums[c])} for c in channels},
        "total": summarize(total),
        "queues": by_queue(total),
        "agents": by_agent(total),
    }


async def trend(kpis: KpiStore, end: float, n: int, tz: tzinfo) -> list[dict[str, Any]]:
    """The last ``n`` days, one row each: conversations, containment, transfers, CSAT, FRT and latency."""
    rows = []
    for day, start, stop in days(end, n, tz):
        s = (await period_stats(kpis, start, stop))["total"]
        rows.append(
            {
                "date": day,
                "conversations": s["conversations"],
                "containment": s["containment"],
                "transferred": s["transferred"],
                "csat_avg": s["csat_avg"],
                "csat_count": s["csat_count"],
                "agent_frt_p50_s": s["agent_frt"]["p50_s"],
                "turn_p95_s": s["turn"]["p95_s"],
            }
        )
    return rows


async def live_state(deps: AgentsDeps) -> dict[str, Any]:
    """Now: callers waiting per queue and the longest wait, connected conversations, agents by status (each
    with ``ringing``: the channel of an offer still ringing them, else None), and the callbacks to make:
    due now, and waiting for their next try after one nobody answered."""
    queues = [await queue_view(deps, name) for name in await queue_names(deps)]
    pending = await deps.callbacks.list("pending", limit=LIVE_CALLBACKS)
    now = deps.clock()
    due = sum(1 for r in pending if not r.get("retry_after") or epoch_of(r["retry_after"]) <= now)
    waiting = [w for q in queues for w in q["waiting"]]
    states = await deps.agents.list()
    by_status: dict[str, int] = {s: 0 for s in ("available", "busy", "wrap_up", "offline")}
    for state in states:
        by_status[state.status] = by_status.get(state.status, 0) + 1
    return {
        "waiting": len(waiting),
        "longest_wait_s": max((w["waited_s"] for w in waiting), default=0.0),
        "agents_by_status": by_status,
        "agents": [
            {"id": s.agent.id, "name": s.agent.name, "status": s.status, "ringing": await _ringing(deps, s)}
            for s in states
        ],
        "queues": [{k: q[k] for k in ("queue", "open", "waiting_count", "available_agents")} for q in queues],
        "callbacks_due": due,
        "callbacks_later": len(pending) - due,
    }


async def _ringing(deps: AgentsDeps, state: AgentState) -> str | None:
    """The channel of the offer ringing ``state``'s agent (one read per busy agent: a handful at most)."""
    if state.status != "busy" or not state.reserved_for:
        return None
    record = await deps.transfers.get(state.reserved_for)
    return None if record is None else ringing_channel(state.status, record.status, record.channel)
