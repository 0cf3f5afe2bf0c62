"""What the supervisor dashboard shows, assembled from the same figures as ``/v1/stats``
(``telephony.insights.stats``): live tiles, today per channel, the last 7 days and per-agent figures,
with the charts drawn (``charts.py``). Pure formatting over a snapshot, so the numbers on the wallboard
are the API's numbers, formatted for a glance.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import tzinfo
from typing import Any

from telephony.console.deps import AgentsDeps
from telephony.console.view import status_label
from telephony.history.when import day_start
from telephony.insights.buckets import CHANNELS, LATENCY_BINS, WAIT_BINS
from telephony.insights.charts import columns, rows
from telephony.insights.kpis import KpiStore
from telephony.insights.stats import live_state, period_stats, trend

CHANNEL_NAMES = {"phone": "Telefon", "chat": "Czat", "speaker": "Głośnik"}
STATUS_NAMES = {"available": "Dostępni", "busy": "W rozmowie", "wrap_up": "Kończą obsługę", "offline": "Niedostępni"}
MISSES_LABEL = "Pytania bez odpowiedzi dziś"  # the KB gaps page lists them, grouped
# every reason a transfer is counted under (dialog.ports.Reason and the gateway's own): no raw key on the chart
REASON_NAMES = {
    "requested_human": "prośba o konsultanta", "not_understood": "niezrozumiane", "complaint": "reklamacja",
    "urgent": "pilna sprawa", "individual_offer": "oferta indywidualna",
    "angry": "zdenerwowany klient", "fallback": "awaria (numer zapasowy)", "unknown": "inne",
}  # fmt: skip


# questions since a time the bot could not answer (``MissBook.unanswered``); None: no history kept
MissCount = Callable[[float], Awaitable[int]]


async def snapshot(deps: AgentsDeps, kpis: KpiStore, tz: tzinfo, misses: MissCount | None = None) -> dict[str, Any]:
    """Everything the page shows, read now."""
    now = kpis.clock()
    today = day_start(now, tz)
    return {
        "live": {"in_progress": await kpis.in_progress()} | await live_state(deps),
        "today": await period_stats(kpis, today, now),
        "week": await trend(kpis, now, 7, tz),
        "kb_misses": None if misses is None else await misses(today),
    }


def agent_tiles(live: dict[str, Any]) -> list[tuple[str, str, str]]:
    """One tile per agent status; "W rozmowie" says how many of them are only being rung (their rows say
    "Dzwoni" or "Oferta czatu"), so the tile and the rows agree."""
    ringing = sum(1 for a in live.get("agents", []) if a.get("ringing"))
    names = STATUS_NAMES | ({"busy": f"W rozmowie (w tym dzwoni: {ringing})"} if ringing else {})
    return [(f"agents_{k}", v, str(live["agents_by_status"].get(k, 0))) for k, v in names.items()]


def board(snap: dict[str, Any]) -> dict[str, Any]:
    """The template's context: tiles, channel rows, charts, agents."""
    live, today, week = snap["live"], snap["today"], snap["week"]
    total = today["total"]
    return {
        "tiles": live_tiles(live, snap.get("kb_misses")),
        "agent_tiles": agent_tiles(live),
        "channels": [channel_row(c, today["channels"][c]) for c in CHANNELS] + [channel_row("total", total)],
        "reasons": rows(
            [(REASON_NAMES.get(r, r), float(n), str(n)) for r, n in sorted(total["transfers_by_reason"].items())],
            title="Przekazania do konsultanta według powodu (dziś)",
        ),
        "frt": columns(
            [(f"≤{_short(b)}", float(n), str(n)) for b, n in zip(WAIT_BINS, _bins(total["agent_frt"]), strict=False)]
            + [("więcej", float(total["agent_frt"]["bins"]["more"]), str(total["agent_frt"]["bins"]["more"]))],
            title="Czas do odpowiedzi konsultanta (dziś)",
            width=620,
        ),
        "csat_trend": columns(
            [(day(d["date"]), d["csat_avg"], decimal(d["csat_avg"], ".1f")) for d in week],
            top=5.0,
            title="Średnia ocena (1–5), ostatnie 7 dni",
        ),
        "containment_trend": columns(
            [(day(d["date"]), _pct_value(d["containment"]), percent(d["containment"])) for d in week],
            top=100.0,
            title="Rozwiązane przez bota (%), ostatnie 7 dni",
        ),
        "latency_trend": columns(
            [(day(d["date"]), d["turn_p95_s"], at_most(d["turn_p95_s"], LATENCY_BINS)) for d in week],
            cap=LATENCY_BINS[-1],
            title="Czas odpowiedzi bota, p95 (s), ostatnie 7 dni",
        ),
        "week": week,
        "agents": agent_rows(live["agents"], today["agents"]),
    }


def live_tiles(live: dict[str, Any], kb_misses: int | None) -> list[tuple[str, str, str]]:
    """The line now: key, caption, figure. The unanswered questions only where a history is kept."""
    return [
        ("in_progress", "Rozmowy z botem teraz", str(sum(live["in_progress"].values()))),
        ("waiting", "Czekają na konsultanta", str(live["waiting"])),
        ("longest_wait", "Najdłużej czeka", clock(live["longest_wait_s"])),
        ("callbacks_due", "Oddzwonienia do wykonania", str(live["callbacks_due"])),
        *([] if kb_misses is None else [("kb_misses", MISSES_LABEL, str(kb_misses))]),
    ]


def channel_row(channel: str, s: dict[str, Any]) -> dict[str, Any]:
    return {
        "key": channel,
        "name": CHANNEL_NAMES.get(channel, "Razem"),
        "conversations": s["conversations"],
        "contained": s["contained"],
        "containment": percent(s["containment"]),
        "unresolved": s["unresolved"],
        "transferred": s["transferred"],
        "abandoned": s["abandoned"],
        "csat_avg": decimal(s["csat_avg"], ".2f"),
        "csat_count": s["csat_count"],
        "agent_frt_p50": measured(s["agent_frt"], "p50_s"),
        "agent_frt_p90": measured(s["agent_frt"], "p90_s"),
        "turn_p95": at_most(s["turn"]["p95_s"], LATENCY_BINS),
        "callbacks": f"{s['callbacks_in_time']}/{s['callbacks_done']}",
    }


def agent_rows(states: list[dict[str, Any]], figures: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for state in states:
        f = figures.get(state["id"], {})
        out.append(
            {
                "id": state["id"],
                "name": state["name"],
                "status": status_label(state["status"], state.get("ringing")),
                "status_key": "ringing" if state.get("ringing") else state["status"],
                "answered": f.get("answered", 0),
                "callbacks_done": f.get("callbacks_done", 0),
                "csat": "–" if f.get("csat_avg") is None else f"{decimal(f['csat_avg'], '.2f')} ({f['csat_count']})",
            }
        )
    return out


def clock(s: float) -> str:
    whole = round(s)
    return f"{whole // 60}:{whole % 60:02d}"


def percent(x: float | None) -> str:
    return "–" if x is None else f"{x * 100:.0f}%"


def seconds(x: float | None) -> str:
    return "–" if x is None else f"{decimal(x)} s"


def measured(hist: dict[str, Any], key: str) -> str:
    """A percentile as truthful as its data: the samples' own ("21 s"), or "≈ 15 s" where it was estimated
    within a histogram bin (hours recorded before the exact per-second counts)."""
    value = hist[key]
    return seconds(value) if hist.get("exact") or value is None else f"≈ {seconds(value)}"


def at_most(x: float | None, bounds: tuple[float, ...]) -> str:
    """A percentile known only as its histogram bin (the bot's reply times): "≤ 0,25 s", or "> 10 s" past the
    last bound. Written as a plain figure, one 0.1 s reply read "0,25 s" and one 14 s reply "20 s"."""
    if x is None:
        return "–"
    return f"> {seconds(bounds[-1])}" if x > bounds[-1] else f"≤ {seconds(x)}"


def decimal(x: float | None, spec: str = "g") -> str:
    """A number as Poles write it: a decimal comma ("2,5 s", "4,50"), "–" for none."""
    return "–" if x is None else format(x, spec).replace(".", ",")


def day(date: str) -> str:
    """'2026-12-07' -> '07.12', the Polish day.month ('12-07' reads as the 12th of July)."""
    return f"{date[8:10]}.{date[5:7]}"


def _pct_value(x: float | None) -> float | None:
    return None if x is None else x * 100


def _short(bound: float) -> str:
    return f"{decimal(bound / 60)} min" if bound >= 60 else f"{decimal(bound)} s"


def _bins(hist: dict[str, Any]) -> list[int]:
    return [int(n) for k, n in hist["bins"].items() if k != "more"]
