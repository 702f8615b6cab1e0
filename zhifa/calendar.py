"""The working-day calendar: weekends plus the State Council's holidays, minus its make-up working days.

The one definition of a working day for every legal clock counted in working days (publication, filing to
superiors, licensing decisions). Holidays and make-up days are reference data, ``ref_holidays.csv`` (one
row per date, ``kind`` = holiday | makeup_workday), updated each year when the State Council publishes its
notice; the SQL macro ``working_days_between`` (dbt_project/macros/time.sql) reads the same seed through
``int_working_days`` and tests/test_calendar.py ties the two. Dates in years the seed does not list are
counted Monday–Friday.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path

from zhifa.settings import SEEDS_DIR

HOLIDAY_SEED = "ref_holidays.csv"
KINDS = ("holiday", "makeup_workday")


class CalendarError(ValueError):
    """The holiday seed is malformed (unknown kind, a date listed twice, a make-up day on a weekday)."""


@dataclass(frozen=True)
class WorkingCalendar:
    holidays: frozenset[date]
    makeup_days: frozenset[date]

    def is_working_day(self, day: date) -> bool:
        if day in self.makeup_days:
            return True
        return day.weekday() < 5 and day not in self.holidays

    def working_days_between(self, start: date | None, end: date | None) -> int | None:
        """Working days after ``start`` up to and including ``end`` (0 when ``end`` ≤ ``start``); None when
        either date is missing. Publication on the first working day after the decision counts 1."""
        if start is None or end is None:
            return None
        if end <= start:
            return 0
        return self._weekdays(start, end) - self._adjust(start, end)

    def add_working_days(self, start: date, n: int) -> date:
        """The ``n``-th working day after ``start`` (n ≥ 0; n = 0 gives ``start``): a deadline of n working
        days from ``start`` ends on this day, inclusive."""
        if n < 0:
            raise ValueError("n must be ≥ 0")
        day = start
        while n:
            day += timedelta(days=1)
            n -= self.is_working_day(day)
        return day

    @staticmethod
    def _weekdays(start: date, end: date) -> int:
        """Mon–Fri days in (start, end]."""
        days = (end - start).days
        full, rest = divmod(days, 7)
        extra = sum((start.weekday() + k) % 7 < 5 for k in range(1, rest + 1))
        return full * 5 + extra

    def _adjust(self, start: date, end: date) -> int:
        off = sum(start < d <= end and d.weekday() < 5 for d in self.holidays)
        on = sum(start < d <= end and d.weekday() >= 5 for d in self.makeup_days)
        return off - on


def read_calendar(path: Path) -> WorkingCalendar:
    holidays: set[date] = set()
    makeup: set[date] = set()
    with path.open(encoding="utf-8", newline="") as fh:
        for line, row in enumerate(csv.DictReader(fh), start=2):
            day, kind = date.fromisoformat(row["calendar_date"].strip()), row["kind"].strip()
            if kind not in KINDS:
                raise CalendarError(f"{path.name}:{line}: kind {kind!r} not in {KINDS}")
            if day in holidays or day in makeup:
                raise CalendarError(f"{path.name}:{line}: {day} listed twice")
            if kind == "makeup_workday" and day.weekday() < 5:
                raise CalendarError(f"{path.name}:{line}: make-up working day {day} is not a weekend day")
            (holidays if kind == "holiday" else makeup).add(day)
    return WorkingCalendar(frozenset(holidays), frozenset(makeup))


@lru_cache(maxsize=4)
def load_calendar(seeds_dir: Path = SEEDS_DIR) -> WorkingCalendar:
    """The built-in calendar (cached per folder)."""
    return read_calendar(seeds_dir / HOLIDAY_SEED)


def is_working_day(day: date) -> bool:
    return load_calendar().is_working_day(day)


def add_working_days(start: date, n: int) -> date:
    return load_calendar().add_working_days(start, n)


def working_days_between(start: date | None, end: date | None) -> int | None:
    return load_calendar().working_days_between(start, end)
