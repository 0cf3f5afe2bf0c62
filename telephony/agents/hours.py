"""Business hours per queue, Polish public holidays included, and when a callback can be promised.

Hours are written the way a Polish office writes them: ``"pn-pt 8:00-20:00, sob 9:00-15:00"`` (days:
pn wt śr cz pt sob nd, or written out, "poniedziałek-piątek:", "pon.-pt."; ranges with '-', lists with '+'
(``pn+śr``, ``nd+święta``); several time ranges per group). The
en and em dashes of a page copied from the office's website or a document ("pn–pt 7:30–15:30") are read as
'-': an operator cannot see the difference, and the error named days they had written correctly.
Holidays come from the ``holidays`` package (country PL: Easter, Corpus Christi, ... computed per
year), so nobody has to maintain a list. All decisions take ``now`` explicitly (pure, testable for any date).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

import holidays
from num2words import num2words

from dialog import catalogue

DEFAULT_HOURS = "pn-pt 8:00-20:00, sob 9:00-15:00"
DEFAULT_TZ = "Europe/Warsaw"
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


def spoken_hour(t: time) -> str:
    """'ósmej', 'dziewiątej trzydzieści' (what follows "od"): the ordinal hour in the feminine genitive."""
    words = str(num2words(t.hour, lang="pl", to="ordinal")).split()
    hour = " ".join(w[:-1] + "ej" if w.endswith("y") else w + "ej" if w.endswith("i") else w for w in words)
    return hour if t.minute == 0 else f"{hour} {num2words(t.minute, lang='pl')}"


@dataclass
class BusinessHours:
    """One queue's hours in its time zone; Polish public holidays closed unless the spec gives them hours."""

    hours: WeeklyHours
    tz: ZoneInfo = field(default_factory=lambda: ZoneInfo(DEFAULT_TZ))
    calendar: Any = field(default_factory=lambda: holidays.country_holidays("PL"))

    @classmethod
    def from_spec(cls, spec: str = DEFAULT_HOURS, tz: str = DEFAULT_TZ) -> BusinessHours:
        return cls(parse_hours(spec), ZoneInfo(tz))

    def _intervals(self, day: date) -> tuple[tuple[time, time], ...]:
        return self.hours.holidays if day in self.calendar else self.hours.days[day.weekday()]

    def is_open(self, now: datetime) -> bool:
        """Whether ``now`` (timezone-aware) falls in opening hours."""
        local = now.astimezone(self.tz)
        return any(s <= local.time() < e for s, e in self._intervals(local.date()))

    def next_open(self, now: datetime, horizon_days: int = 14) -> datetime | None:
        """The next opening at or after ``now`` (``now`` itself when open); None if none in the horizon."""
        local = now.astimezone(self.tz)
        if self.is_open(local):
            return local
        for offset in range(horizon_days + 1):
            day = local.date() + timedelta(days=offset)
            for start, _end in self._intervals(day):
                at = datetime.combine(day, start, self.tz)
                if at > local:
                    return at
        return None

    def callback_when(self, now: datetime) -> str:
        """When a caller can expect the call back: "w ciągu dwóch godzin roboczych" while open,
        else the next opening: "jutro od ósmej", "w poniedziałek od ósmej" (without the "Konsultant
        oddzwoni" frame: see ``catalogue.CALLBACK_PROMISE``)."""
        local = now.astimezone(self.tz)
        opening = self.next_open(local)
        if opening is None or opening == local:  # no hours configured at all: a vague but true promise
            return catalogue.CALLBACK_WHEN_OPEN
        return _opening_words(local, opening, spoken_hour(opening.time()))

    def opens_when(self, now: datetime) -> str | None:
        """When a closed queue opens next, as a chat reads it: "jutro od 8:00", "w poniedziałek od 7:30" (the
        phone's callback words, the hour in digits); None while open, or with no opening in the horizon.
        Why: a chat told only "poza godzinami pracy" did not know when to write again."""
        local = now.astimezone(self.tz)
        opening = self.next_open(local)
        if opening is None or opening == local:
            return None
        return _opening_words(local, opening, f"{opening.hour}:{opening.minute:02d}")


def _opening_words(local: datetime, opening: datetime, hour: str) -> str:
    """ "dzisiaj od …", "jutro od …", "w poniedziałek od …": the day of ``opening`` seen from ``local``; more
    than a week away with its date ("w poniedziałek 5 kwietnia od …"): a holiday in between (a Mondays-only
    queue on Easter Monday) made the weekday alone read as the coming one, a day it is closed."""
    days = (opening.date() - local.date()).days
    day = (
        catalogue.CALLBACK_TODAY
        if days == 0
        else catalogue.CALLBACK_TOMORROW
        if days == 1
        else catalogue.WEEKDAYS_ON[opening.weekday()]
    )
    if days > 7:
        day = catalogue.WEEKDAY_ON_DATE.format(weekday=day, date=catalogue.spoken_date(opening.date(), local.date()))
    return catalogue.CALLBACK_WHEN_LATER.format(day=day, hour=hour)


@dataclass(frozen=True)
class QueueConfig:
    """A queue's settings (``INFOLINIA_QUEUES``: ``{"obsluga": {"max_wait_s": 180, "hours": "..."}}``); None =
    the gateway's default. Why not the built-in values: a queue named only for its wait kept the built-in
    hours (Saturdays open) under ``INFOLINIA_BUSINESS_HOURS="pn-pt 8:00-20:00"``, and callers queued on a
    closed Saturday (found by a telecom operator's walkthrough)."""

    max_wait_s: float | None = None
    hours: str | None = None


def parse_queues(raw: Mapping[str, Mapping[str, Any]] | None) -> dict[str, QueueConfig]:
    """Validate the per-queue settings; unknown keys are errors (a typo must not silently default)."""
    result: dict[str, QueueConfig] = {}
    for name, conf in (raw or {}).items():
        unknown = set(conf) - {"max_wait_s", "hours"}
        if unknown:
            raise HoursError(f"queue {name!r}: unknown setting(s) {sorted(unknown)}")
        wait, hours = conf.get("max_wait_s"), conf.get("hours")
        config = QueueConfig(_max_wait(name, wait), None if hours is None else str(hours))
        if config.hours is not None:
            parse_hours(config.hours)  # fail at start-up, not at the first call
        result[name] = config
    return result


MAX_WAIT_LIMIT_S = 86400.0


def _max_wait(queue: str, wait: Any) -> float | None:
    """A queue's ``max_wait_s``: seconds, more than 0, at most a day. NaN, Infinity (Python's JSON takes both)
    and ``true`` (1 s) passed before the fifth hostile probe: no caller would ever have been offered a callback
    after NaN or Infinity, held in the queue until they hung up."""
    if wait is None:
        return None
    if isinstance(wait, bool) or not isinstance(wait, int | float | str):
        raise HoursError(f"queue {queue!r}: max_wait_s must be a number of seconds")
    try:
        seconds = float(wait)
    except ValueError:
        raise HoursError(f"queue {queue!r}: max_wait_s must be a number of seconds") from None
    if not 0 < seconds <= MAX_WAIT_LIMIT_S:  # False for NaN too
        raise HoursError(f"queue {queue!r}: max_wait_s must be more than 0 and at most {MAX_WAIT_LIMIT_S:.0f}")
    return seconds


class QueueHours:
    """Hours of every queue (a queue without its own uses the default), parsed once."""

    def __init__(self, queues: Mapping[str, QueueConfig], default: str = DEFAULT_HOURS, tz: str = DEFAULT_TZ) -> None:
        self.queues = dict(queues)
        self.default_spec = default
        self._default = BusinessHours.from_spec(default, tz)
        own = {n: c.hours for n, c in self.queues.items() if c.hours is not None}
        self._by_queue = {n: BusinessHours.from_spec(spec, tz) for n, spec in own.items()}

    def hours(self, queue: str) -> BusinessHours:
        return self._by_queue.get(queue, self._default)

    def spec(self, queue: str) -> str:
        """The hours as written for ``queue`` (its own, else the default): what ``infolinia check`` prints."""
        config = self.queues.get(queue)
        return self.default_spec if config is None or config.hours is None else config.hours

    def max_wait_s(self, queue: str, default: float = 180.0) -> float:
        config = self.queues.get(queue)
        return default if config is None or config.max_wait_s is None else config.max_wait_s
