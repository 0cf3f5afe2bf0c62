"""Dates as people type them in a search (``2026-12-01``, ``2026-12-01T14:30``, epoch seconds) -> epoch.

Why a module: the API, the console page and ``infolinia gaps`` read the same ``from``/``to``; a bare date
means the whole day in the shop's time zone (``to=2026-12-01`` includes that day's evening calls).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo


def day_start(epoch: float, tz: tzinfo) -> float:
    """The local midnight that began ``epoch``'s day: "today" wherever a figure or a page says "dziś" (the
    dashboard's tiles, the KPIs of the day, the gaps page the KB-misses tile opens), so they all agree."""
    local = datetime.fromtimestamp(epoch, tz)
    return datetime.combine(local.date(), time.min, tz).timestamp()


class BadDate(ValueError):
    """Not a date, a date-time nor epoch seconds; the message shows what is accepted."""


def parse_when(value: str | None, tz: str = "Europe/Warsaw", *, end: bool = False) -> float | None:
    """Epoch seconds of ``value`` (None stays None); a bare date is its start, or with ``end`` its end."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        return float(text)
    except ValueError:
        pass
    zone = ZoneInfo(tz)
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            moment = datetime.combine(day + timedelta(days=1) if end else day, time(), zone)
            return moment.timestamp() - (0.001 if end else 0.0)
        parsed = datetime.fromisoformat(text)
    except ValueError as exc:
        raise BadDate(f"{value!r} is not a date: use 2026-12-01, 2026-12-01T14:30 or epoch seconds") from exc
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=zone)).timestamp()
