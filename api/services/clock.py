"""Time helpers: store aware UTC; SQLite hands back naive values that were UTC."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

LOCAL = ZoneInfo("Asia/Shanghai")  # dates on documents and deadlines are local calendar dates


def now() -> datetime:
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def local_date(value: datetime) -> date:
    return as_utc(value).astimezone(LOCAL).date()


def today() -> date:
    return datetime.now(LOCAL).date()
