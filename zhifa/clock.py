"""The project clock: the only place that reads the wall clock.

Every "now" and "today" of the platform comes from here, so tests can freeze time in one place and
the results never depend on the machine's time zone. Instants are aware UTC; calendar dates (on
documents, deadlines, price periods) are local dates in the bureaus' time zone.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

# The one time-zone constant. dbt_project.yml repeats it (vars.local_timezone); a test ties the two.
LOCAL_TIMEZONE = "Asia/Shanghai"
LOCAL = ZoneInfo(LOCAL_TIMEZONE)


def now() -> datetime:
    """The current instant, aware, in UTC."""
    return datetime.now(UTC)


def local_now() -> datetime:
    """The current instant on the bureaus' wall clock (aware, Asia/Shanghai)."""
    return now().astimezone(LOCAL)


def today() -> date:
    """Today's local calendar date (Asia/Shanghai), whatever the machine's time zone."""
    return local_now().date()


def as_utc(value: datetime) -> datetime:
    """Aware UTC; a naive value is taken as UTC (SQLite hands back naive values that were UTC)."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def local_date(value: datetime) -> date:
    """The local calendar date of an instant (naive values are UTC, as stored)."""
    return as_utc(value).astimezone(LOCAL).date()
