"""Pure arithmetic of the KPI buckets: hour keys, histogram bins, percentiles and the summary of counts.

Why hourly hashes of plain counters (``HINCRBY``): every worker (and the Wyoming server) adds to the same
hash without coordination, a day is 24 reads, and a percentile needs only a per-bucket histogram of fixed
bins (``WAIT_BINS``), not the raw samples; the agent's first response is also counted per whole second
(``FINE``: exact percentiles, still counters). Kept free of I/O so it is tested with plain dicts.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

CHANNELS = ("phone", "chat", "speaker")
# Upper bounds (seconds) of the histogram bins; the last bin is everything above the last bound.
WAIT_BINS = (10.0, 20.0, 30.0, 60.0, 90.0, 120.0, 180.0, 300.0, 600.0, 1200.0)
LATENCY_BINS = (0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 2.0, 2.5, 3.0, 4.0, 6.0, 10.0)
HISTOGRAMS = {"wait": WAIT_BINS, "agent_frt": WAIT_BINS, "bot_frt": LATENCY_BINS, "turn": LATENCY_BINS}
# Histograms also counted per whole second (``<name>_s:<seconds>``): their percentiles are then exact to the
# second. The bins alone gave an agent's one 21 s answer as "30 s / 30 s" on the dashboard. Still counters
# (mergeable across workers and hours); an hour holds at most one field per distinct second.
FINE = ("agent_frt",)
HOUR = 3600


def hour_of(epoch: float) -> int:
    """The bucket an instant falls in: whole hours since the epoch (UTC, so no DST holes or repeats)."""
    return int(epoch // HOUR)


def hours_between(start: float, end: float) -> range:
    """Buckets from the one holding ``start`` up to ``end``, exclusive: an ``end`` on a whole hour does not
    read the hour it starts (``to=22:00`` must not count 22:00-22:59), one inside an hour reads that hour."""
    first, stop = hour_of(start), math.ceil(end / HOUR)
    return range(first, stop) if stop > first else range(0)


def on_the_hour(epoch: float) -> bool:
    """Is ``epoch`` a bucket boundary? Only such instants can bound a range exactly (the data is hourly)."""
    return epoch % HOUR == 0


def bin_of(bounds: tuple[float, ...], value: float) -> int:
    for i, bound in enumerate(bounds):
        if value <= bound:
            return i
    return len(bounds)


def sample_fields(name: str, seconds: float) -> dict[str, int]:
    """The counters one sample adds: its bin, and for a ``FINE`` histogram its whole second too."""
    fields = {f"{name}:{bin_of(HISTOGRAMS[name], seconds)}": 1}
    if name in FINE:
        fields[f"{name}_s:{round(seconds)}"] = 1
    return fields


def exact_percentile(counts: Mapping[int, int], q: float) -> float | None:
    """Nearest rank over per-second counts: the smallest value with at least ``q`` of the samples at or
    below it (one 21 s sample: 21 for every quantile). None without samples."""
    total = sum(counts.values())
    if total == 0:
        return None
    rank, seen = max(1, math.ceil(q * total)), 0
    for value in sorted(counts):
        seen += counts[value]
        if seen >= rank:
            return float(value)
    return float(max(counts))


def interpolated_percentile(bounds: tuple[float, ...], counts: Mapping[int, int], q: float) -> float | None:
    """An estimate where only bins are kept (buckets written before ``FINE``): linear within the bin
    holding the quantile, to 0.1 s, so it is shown as approximate ("≈"); the overflow bin as ``percentile``."""
    total = sum(counts.values())
    if total == 0:
        return None
    rank, seen = q * total, 0
    for i in range(len(bounds)):
        n = counts.get(i, 0)
        if n and seen + n >= rank:
            low = bounds[i - 1] if i else 0.0
            return round(low + (bounds[i] - low) * max(0.0, rank - seen) / n, 1)
        seen += n
    return bounds[-1] * 2


def percentile(bounds: tuple[float, ...], counts: Mapping[int, int], q: float) -> float | None:
    """The upper bound of the bin holding the ``q`` quantile (None without samples; the overflow bin
    reports twice the last bound, "more than" in a number)."""
    total = sum(counts.values())
    if total == 0:
        return None
    rank, seen = q * total, 0
    for i in range(len(bounds) + 1):
        seen += counts.get(i, 0)
        if seen >= rank and seen > 0:
            return bounds[i] if i < len(bounds) else bounds[-1] * 2
    return bounds[-1] * 2


def add_counts(total: dict[str, int], fields: Mapping[str, Any]) -> None:
    for key, value in fields.items():
        total[key] = total.get(key, 0) + int(value)


def _hist(fields: Mapping[str, int], name: str) -> dict[int, int]:
    prefix = name + ":"
    return {int(k[len(prefix) :]): v for k, v in fields.items() if k.startswith(prefix) and k[len(prefix) :].isdigit()}


def _group(fields: Mapping[str, int], prefix: str) -> dict[str, int]:
    return {k[len(prefix) :]: v for k, v in fields.items() if k.startswith(prefix) and v}


def summarize(fields: Mapping[str, int]) -> dict[str, Any]:
    """One channel's counters (summed over buckets) -> the figures ``/v1/stats`` answers."""
    conversations, contained = fields.get("conversations", 0), fields.get("contained", 0)
    csat_count, csat_sum = fields.get("csat_count", 0), fields.get("csat_sum", 0)
    out: dict[str, Any] = {
        "conversations": conversations,
        "contained": contained,
        "containment": round(contained / conversations, 4) if conversations else None,
        "unresolved": fields.get("unresolved", 0),  # a chat that went quiet without an answer (no hand-off)
        "transferred": fields.get("transferred", 0),
        "transfers_by_reason": _group(fields, "reason:"),
        "abandoned": fields.get("abandoned", 0),
        "answered_by_agent": fields.get("answered", 0),
        "callbacks_done": fields.get("callbacks_done", 0),
        "callbacks_in_time": fields.get("callbacks_in_time", 0),
        "callbacks_no_answer": fields.get("callbacks_no_answer", 0),
        "callbacks_unreachable": fields.get("callbacks_unreachable", 0),
        "callbacks_wrong_number": fields.get("callbacks_wrong_number", 0),
        "csat_avg": round(csat_sum / csat_count, 2) if csat_count else None,
        "csat_count": csat_count,
        "csat_distribution": {str(s): fields.get(f"csat:{s}", 0) for s in range(1, 6)},
    }
    for name, bounds in HISTOGRAMS.items():
        out[name] = histogram(fields, name, bounds)
    return out


def histogram(fields: Mapping[str, int], name: str, bounds: tuple[float, ...]) -> dict[str, Any]:
    """One histogram's figures. ``exact``: the percentiles are the samples' own (``FINE``, every sample
    counted per second); else, for a ``FINE`` one, interpolated within the bins (older buckets); for the
    rest the upper bound of the bin, as before."""
    counts, fine = _hist(fields, name), _hist(fields, name + "_s")
    exact = name in FINE and sum(fine.values()) == sum(counts.values())
    if exact:
        figures = {f"p{round(q * 100)}_s": exact_percentile(fine, q) for q in (0.5, 0.9, 0.95)}
    elif name in FINE:
        figures = {f"p{round(q * 100)}_s": interpolated_percentile(bounds, counts, q) for q in (0.5, 0.9, 0.95)}
    else:
        figures = {f"p{round(q * 100)}_s": percentile(bounds, counts, q) for q in (0.5, 0.9, 0.95)}
    return {
        "count": sum(counts.values()),
        **figures,
        "exact": exact,
        "bins": {str(b): counts.get(i, 0) for i, b in enumerate(bounds)} | {"more": counts.get(len(bounds), 0)},
    }


def by_queue(fields: Mapping[str, int]) -> dict[str, dict[str, int]]:
    """``q:<queue>:<what>`` counters -> ``{queue: {what: n}}``."""
    out: dict[str, dict[str, int]] = {}
    for key, value in _group(fields, "q:").items():
        queue, _, what = key.rpartition(":")
        out.setdefault(queue, {})[what] = value
    return out


def by_agent(fields: Mapping[str, int]) -> dict[str, dict[str, Any]]:
    """``a:<agent>:<what>`` counters -> per-agent figures (calls and chats answered, callbacks, CSAT)."""
    raw: dict[str, dict[str, int]] = {}
    for key, value in _group(fields, "a:").items():
        agent, _, what = key.rpartition(":")
        raw.setdefault(agent, {})[what] = value
    out: dict[str, dict[str, Any]] = {}
    for agent, f in sorted(raw.items()):
        count = f.get("csat_count", 0)
        out[agent] = {
            "answered": f.get("answered", 0),
            "callbacks_done": f.get("callbacks_done", 0),
            "csat_count": count,
            "csat_avg": round(f.get("csat_sum", 0) / count, 2) if count else None,
            "wait_s_total": f.get("wait_s", 0),
        }
    return out


def days(end: float, n: int, tz: Any = UTC) -> Iterable[tuple[str, float, float]]:
    """The last ``n`` calendar days up to ``end`` in ``tz``: (date, start epoch, end epoch exclusive: the next
    day's start), oldest first."""
    today = datetime.fromtimestamp(end, tz).replace(hour=0, minute=0, second=0, microsecond=0)
    for back in range(n - 1, -1, -1):
        day = today - timedelta(days=back)
        yield day.date().isoformat(), day.timestamp(), (day + timedelta(days=1)).timestamp()


def as_text(value: str | bytes) -> str:
    """A Redis reply's text, whether the client decodes replies or not."""
    return value.decode() if isinstance(value, bytes) else value
