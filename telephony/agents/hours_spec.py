"""Reading an operator's business hours (``INFOLINIA_BUSINESS_HOURS``, a queue's ``hours``) into weekly ranges.

Why apart from ``telephony.agents.hours``: the spec is written by a person, copied from a website or a document
("poniedziałek – piątek: 7:30 – 15:30", "pon.-pt.", "święta nieczynne", "nd+święta"), and every way of writing it
that is refused must be refused at start-up with words that say what to write instead; that parser is most of
the code, while deciding when a queue is open (``BusinessHours``) is small and pure.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import time
from typing import NamedTuple

_DAYS = {"pn": 0, "pon": 0, "wt": 1, "śr": 2, "sr": 2, "cz": 3, "czw": 3, "pt": 4, "sob": 5, "so": 5, "sb": 5,
         "nd": 6, "nie": 6, "ndz": 6,
         # written out, as an office's website says them ("poniedziałek – piątek: 7:30 – 15:30")
         "poniedziałek": 0, "poniedzialek": 0, "wtorek": 1, "środa": 2, "sroda": 2, "czwartek": 3,
         "piątek": 4, "piatek": 4, "sobota": 5, "niedziela": 6}  # fmt: skip
# Public holidays' own hours ("święta 0:00-24:00": a 24-hour emergency line); without them a holiday is closed.
_HOLIDAY_WORDS = ("święta", "swieta", "św", "sw")
_RANGE = re.compile(r"^(\d{1,2})[:.](\d{2})-(\d{1,2})[:.](\d{2})$")  # "7:30-15:30", "7.30-15.30" (websites)
_DASHES = str.maketrans({"\u2013": "-", "\u2014": "-", "\u2212": "-"})  # en dash, em dash, minus sign
# A closed group as a website writes it ("sob. – nieczynne", "święta: zamknięte"), with its dash or colon: one word
CLOSED = "nieczynne"
_CLOSED = re.compile(r"\s*[-:]?\s*\b(?:nieczynn|zamkni[eę]t)[aey]\b", re.IGNORECASE)


class HoursError(ValueError):
    """An hours specification that cannot be read; the message quotes the bad part."""


@dataclass(frozen=True)
class WeeklyHours:
    """Opening intervals for each weekday (0 = Monday), as (start, end) times, end exclusive; ``holidays``: those
    of a Polish public holiday whatever its weekday (none: closed)."""

    days: tuple[tuple[tuple[time, time], ...], ...]
    holidays: tuple[tuple[time, time], ...] = ()


def _day_set(token: str) -> list[int]:
    days: list[int] = []
    for part in token.lower().split("+"):
        if part.rstrip(".") in _HOLIDAY_WORDS:  # "nd+święta nieczynne", "św. 8:00-12:00" (dotted, as "pon.")
            days.append(7)
            continue
        ends = [end.rstrip(".") for end in part.split("-")]  # "pon.-pt." as abbreviated on a website
        if len(ends) > 2 or any(e not in _DAYS for e in ends):
            raise HoursError(f"unknown day(s) {part!r}: use pn wt śr cz pt sob nd (or święta for public holidays)")
        first, last = _DAYS[ends[0]], _DAYS[ends[-1]]
        days.extend(range(first, last + 1) if first <= last else [*range(first, 7), *range(0, last + 1)])
    return days


def _interval(token: str) -> tuple[time, time]:
    m = _RANGE.match(token)
    if not m:
        raise HoursError(f"bad time range {token!r}: write e.g. 8:00-20:00")
    h1, m1, h2, m2 = (int(g) for g in m.groups())
    if h1 > 23 or h2 > 24 or m1 > 59 or m2 > 59 or (h2 == 24 and m2):
        raise HoursError(f"bad time range {token!r}: hours run from 0:00 to 24:00, minutes from 00 to 59")
    start, end = time(h1, m1), time.max if h2 == 24 else time(h2, m2)
    if end <= start:
        raise HoursError(f"time range {token!r} ends before it starts")
    return start, end


def parse_hours(spec: str) -> WeeklyHours:
    """``"pn-pt 8:00-20:00, sob 9:00-15:00"`` -> WeeklyHours; an empty spec means always closed; a group
    ``"święta 0:00-24:00"`` gives public holidays their own hours (otherwise they are closed); a group written
    ``"nieczynne"`` or ``"zamknięte"`` ("święta nieczynne", as an office's website writes it) is closed; a day
    two groups give hours is read by ``_put`` ("pn-pt 8:00-16:00, pt 8:00-14:00": Fridays until 14)."""
    days: list[list[_Given]] = [[] for _ in range(8)]  # the eighth: public holidays
    said: dict[tuple[int, bool], str] = {}  # (day, closed) -> the group that said so first
    plain = _CLOSED.sub(f" {CLOSED}", spec.translate(_DASHES))  # "święta nieczynne": closed, as a day left out
    plain = re.sub(r"\s*-\s*", "-", plain)  # "pn - pt 7:30 – 15:30" as a website spaces it
    for index, group in enumerate(filter(None, (g.strip() for g in re.split(r"[;,]", plain)))):
        day_token, *ranges = group.split()
        day_token = day_token.rstrip(":")  # "poniedziałek-piątek: 7:30-15:30"
        if not ranges:
            raise HoursError(f"no hours in {group!r}")
        closed = CLOSED in ranges
        if closed and len(ranges) > 1:
            raise HoursError(_closed_with_more(group, ranges))
        named = _day_set(day_token)
        for day in named:
            _said_once(said, day, closed, group, day_token)
            for r in (r for r in ranges if r != CLOSED):
                _put(days[day], _Given(*_interval(r), (len(set(named)), -index), group), day_token)
    hours = [tuple(sorted((g.start, g.end) for g in d)) for d in days]
    return WeeklyHours(tuple(hours[:7]), hours[7])


class _Given(NamedTuple):
    """One opening interval of a day, and the group that gave it (``rank``: fewer days first, then later)."""

    start: time
    end: time
    rank: tuple[int, int]
    group: str


def _put(day: list[_Given], new: _Given, day_token: str) -> None:
    """Add ``new`` to one day's hours. Groups beside each other add up ("pn-pt 8:00-12:00, pn 13:00-16:00").
    Where two groups give the day hours one within the other, the group naming fewer days says the day's
    hours: "pn-pt 8:00-16:00, pt 8:00-14:00" (Fridays until 14) kept Fridays open until 16 when they added
    up, and callers queued while nobody worked. Hours crossing each other (8-16 and 14-18: 8-18 or 14-18?)
    cannot be told apart: refused."""
    others = [g for g in day if g.rank != new.rank and g.start < new.end and new.start < g.end]
    for other in others:
        if not (_within(new, other) or _within(other, new)):
            raise HoursError(
                f"{day_token!r}: {_clock(new)} crosses {_clock(other)} of {other.group!r}: write that day's "
                "hours in one group, or hours one within the other (the group naming fewer days then decides)"
            )
    if any(other.rank < new.rank for other in others):
        return  # a group naming fewer days gave this day its hours
    day[:] = [g for g in day if g not in others] + [new]


def _within(inner: _Given, outer: _Given) -> bool:
    return outer.start <= inner.start and inner.end <= outer.end


def _clock(given: _Given) -> str:
    end = "24:00" if given.end == time.max else f"{given.end.hour}:{given.end.minute:02d}"
    return f"{given.start.hour}:{given.start.minute:02d}-{end}"


def _closed_with_more(group: str, ranges: list[str]) -> str:
    """Why a closed group is refused: hours besides, or days written in words ("niedziela i święta nieczynne",
    as a website says it, was told "either hours or nieczynne", though it gave none)."""
    if any(_RANGE.match(r) for r in ranges):
        return f"{group!r}: either hours or „{CLOSED}”, not both"
    return (
        f"{group!r}: the days before „{CLOSED}” are one word, joined with '+' (not 'i' or a space): "
        f"e.g. 'nd+święta {CLOSED}'"
    )


def _said_once(said: dict[tuple[int, bool], str], day: int, closed: bool, group: str, day_token: str) -> None:
    """Groups add up ("pn-pt 7:30-15:30, wt 7:30-17:00": Tuesday's both), so a closed group takes nothing away:
    "pn-sob 8:00-16:00, sob nieczynne" kept Saturdays open and callers queued while nobody worked. Which one
    the office meant cannot be told, so a day given hours in one group and closed in another is refused."""
    other = said.get((day, not closed))
    if other is not None:
        raise HoursError(
            f"{day_token!r} given both hours and „{CLOSED}” ({other!r}, {group!r}): "
            "leave a closed day out, or write only its hours"
        )
    said.setdefault((day, closed), group)
