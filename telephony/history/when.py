"""Dates as people type them (any ISO 8601 date form, a week, a month, a date-time, epoch seconds) -> epoch.

Why a module: ``/v1/stats``, ``/v1/history``, ``/v1/gaps``, the console pages and ``infolinia gaps`` read the
same ``from``/``to``, and each reading its own way meant ``to=20261206`` was a day in one and epoch seconds in
another. A date, a week or a month means the whole of it in the shop's time zone (``to=2026-12-01`` includes
that day's evening calls). Below ``insights`` and ``console``: both import it, it imports neither.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo

# A date-time whose offset's '+' came as a space: a query typed unencoded (to=2026-12-06T22:00+01:00) is decoded so,
# and was a 422. Only after a time: "2026-12-06 22:00" (a space between date and time) is left as it is.
SPACED_OFFSET = re.compile(r"^(.+[T ]\d{2}(?::?\d{2}(?::?\d{2}(?:[.,]\d+)?)?)?) (\d{2}(?::?\d{2})?)$")
WEEK = re.compile(r"\d{4}-?W\d{2}")
MONTH = re.compile(r"(\d{4})-(\d{2})")


def day_start(epoch: float, tz: tzinfo) -> float:
    """The local midnight that began ``epoch``'s day: "today" wherever a figure or a page says "dziś" (the
    dashboard's tiles, the KPIs of the day, the gaps page the KB-misses tile opens), so they all agree."""
    local = datetime.fromtimestamp(epoch, tz)
    return datetime.combine(local.date(), time.min, tz).timestamp()


def period_of(text: str) -> tuple[date, date] | None:
    """``text`` as a whole period: (its first day, the day after its last), else None. Why the week and the month
    apart: ``date.fromisoformat('2026-W49')`` is that week's Monday, so a week asked for answered its Monday
    alone; a month (2026-12) it refuses, and ``to=2026-12`` was a 422. Raises ValueError for a week or month
    that does not exist (2026-13), OverflowError past the calendar's end."""
    if WEEK.fullmatch(text):
        monday = date.fromisoformat(text)
        return monday, monday + timedelta(days=7)
    if month := MONTH.fullmatch(text):
        year, number = int(month[1]), int(month[2])
        first = date(year, number, 1)
        return first, date(year + number // 12, number % 12 + 1, 1)
    if (day := _date(text)) is not None:
        return day, day + timedelta(days=1)
    return None


def _date(text: str) -> date | None:
    """``text`` as a bare date in any ISO 8601 form (2026-12-06, 20261206, 2026-W49-7), else None. Why not by
    its length: ``to=20261206`` was read as that day's midnight, a day short of ``to=2026-12-06``."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def instant(text: str, tz: tzinfo, *, end: bool = False) -> float:
    """ISO 8601 date, week, month or date-time (naive: in ``tz``) -> epoch; a date, a week or a month means its
    start (``end``: the next one's start). Raises ValueError on anything else, a date past the calendar's end
    included (``to=9999-12-31`` raised OverflowError: a 500)."""
    try:
        if (span := period_of(text)) is not None:
            return datetime.combine(span[1] if end else span[0], time.min, tz).timestamp()
        moment = datetime.fromisoformat(SPACED_OFFSET.sub(r"\1+\2", text))
        return (moment if moment.tzinfo else moment.replace(tzinfo=tz)).timestamp()
    except OverflowError as exc:
        raise ValueError(f"{text!r} is out of the calendar's range") from exc


def period_start(text: str | None, tz: tzinfo) -> float | None:
    """Where ``text`` starts if it names a whole period (a day, a week, a month), else None: a ``to`` alone that
    names one means all of it (``to=2026-12`` is December), not a default span before its end."""
    try:
        span = period_of(text) if text else None
    except (ValueError, OverflowError):
        return None
    return None if span is None else datetime.combine(span[0], time.min, tz).timestamp()


class BadDate(ValueError):
    """Not a date, a date-time nor epoch seconds; the message shows what is accepted."""


def parse_when(value: str | None, tz: str = "Europe/Warsaw", *, end: bool = False) -> float | None:
    """Epoch seconds of ``value`` (None stays None); a date, week or month is its start, or with ``end`` its
    last millisecond (the history's range is inclusive). A date first: 20261206 is a day, not epoch seconds."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        span = period_of(text)
        if span is None and (seconds := _seconds(text)) is not None:
            return seconds
        moment = instant(text, ZoneInfo(tz), end=end)
    except (ValueError, OverflowError) as exc:
        raise BadDate(
            f"{value!r} is not a date: use 2026-12-01, 2026-W49, 2026-12, 2026-12-01T14:30 or epoch seconds"
        ) from exc
    return moment - (0.001 if end and span is not None else 0.0)


def _seconds(text: str) -> float | None:
    """``text`` as epoch seconds, else None."""
    try:
        return float(text)
    except ValueError:
        return None
