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

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import holidays
from num2words import num2words

from dialog import catalogue
from telephony.agents.hours_spec import HoursError, WeeklyHours, parse_hours

DEFAULT_HOURS = "pn-pt 8:00-20:00, sob 9:00-15:00"
DEFAULT_TZ = "Europe/Warsaw"


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
        oddzwoni" frame: see ``catalogue.CALLBACK_PROMISE``); closed with no opening in the horizon (hours
        that never open, every day closed), ``CALLBACK_WHEN_UNKNOWN``, as the chat says it: two working
        hours were promised from a queue with no working hours ahead."""
        local = now.astimezone(self.tz)
        opening = self.next_open(local)
        if opening is None:
            return catalogue.CALLBACK_WHEN_UNKNOWN
        if opening == local:
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
