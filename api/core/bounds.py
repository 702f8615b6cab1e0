"""Bounds on what a request may carry (issue #12 §2.2, §2.8).

Ids are database INTEGERs: a larger one is refused with 422 before it reaches the store (SQLite raises
OverflowError on a Python int beyond 64 bits, PostgreSQL an out-of-range error).

Dates lie inside the plausible window ``ZHIFA_DATE_WINDOW_START`` … today +
``ZHIFA_DATE_WINDOW_FUTURE_DAYS`` (project clock). Outside it the request is refused with 422 naming the
field — a year 0001 or a 2010 typo must never reach the store, where every derived route reads it."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Annotated

from pydantic import AfterValidator, Field

from api.core.security import ID_MAX
from zhifa.clock import today
from zhifa.settings import get_settings

Id = Annotated[int, Field(ge=1, le=ID_MAX)]


def window() -> tuple[date, date]:
    settings = get_settings()
    return settings.date_window_start, today() + timedelta(days=settings.date_window_future_days)


def _check(day: date) -> None:
    first, last = window()
    if not first <= day <= last:
        raise ValueError(f"日期须在 {first} 至 {last} 之间 / date must lie between {first} and {last}")


def _date(value: date) -> date:
    _check(value)
    return value


def _datetime(value: datetime) -> datetime:
    _check(value.date())  # the calendar date as written: no zone arithmetic that could overflow year 1
    return value


PlausibleDate = Annotated[date, AfterValidator(_date)]
PlausibleDatetime = Annotated[datetime, AfterValidator(_datetime)]
