"""The working-day calendar: one definition in Python (zhifa.calendar) and SQL (int_working_days + the macros
working_days_between / add_working_days of dbt_project/macros/time.sql), both reading ref_holidays.csv.

The SQL is the project's own text, rendered with Jinja (``ref`` → table name) and run in DuckDB on the seed;
hypothesis draws date pairs across 2018–2028 (holiday weeks, make-up weekends, years the seed does not list).
Hand-made cases are checked against the State Council's notices as published.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import duckdb
import jinja2
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zhifa.calendar import (
    CalendarError,
    add_working_days,
    is_working_day,
    read_calendar,
    working_days_between,
)
from zhifa.settings import DBT_PROJECT_DIR, SEEDS_DIR


def _render_macro(name: str, *args: str) -> str:
    env = jinja2.Environment(autoescape=False)
    module = env.from_string(
        (DBT_PROJECT_DIR / "macros" / "time.sql").read_text(encoding="utf-8")
    ).make_module({"ref": lambda table: table, "var": lambda key: {"local_timezone": "Asia/Shanghai"}[key]})
    return str(getattr(module, name)(*args))


@pytest.fixture(scope="module")
def sql() -> Iterator[duckdb.DuckDBPyConnection]:
    con = duckdb.connect()
    con.execute(
        "create table ref_holidays as select * from read_csv(?, header = true, "
        "columns = {'calendar_date': 'DATE', 'kind': 'VARCHAR', 'name_zh': 'VARCHAR', 'source': 'VARCHAR'})",
        [str(SEEDS_DIR / "ref_holidays.csv")],
    )
    model = (DBT_PROJECT_DIR / "models" / "intermediate" / "int_working_days.sql").read_text(encoding="utf-8")
    rendered = jinja2.Environment(autoescape=False).from_string(model).render(ref=lambda table: table)
    con.execute(f"create table int_working_days as {rendered}")
    yield con
    con.close()


def _sql_between(con: duckdb.DuckDBPyConnection, a: date | None, b: date | None) -> int | None:
    expr = _render_macro("working_days_between", "p.a", "p.b")
    row = con.execute(f"select {expr} from (select ?::date as a, ?::date as b) as p", [a, b]).fetchone()
    assert row is not None
    return None if row[0] is None else int(row[0])


def _sql_add(con: duckdb.DuckDBPyConnection, d: date, n: int) -> date:
    expr = _render_macro("add_working_days", "p.d", "p.n")
    row = con.execute(f"select {expr} from (select ?::date as d, ?::integer as n) as p", [d, n]).fetchone()
    assert row is not None
    return row[0]


days = st.dates(min_value=date(2018, 6, 1), max_value=date(2028, 6, 30))


@settings(max_examples=200, deadline=None)
@given(a=days, gap=st.integers(min_value=-20, max_value=60))
def test_sql_and_python_count_the_same_working_days(
    sql: duckdb.DuckDBPyConnection, a: date, gap: int
) -> None:
    b = a + timedelta(days=gap)
    want = sum(is_working_day(a + timedelta(days=k)) for k in range(1, gap + 1)) if gap > 0 else 0
    assert working_days_between(a, b) == want
    assert _sql_between(sql, a, b) == want


@settings(max_examples=100, deadline=None)
@given(d=days, n=st.integers(min_value=0, max_value=25))
def test_sql_and_python_add_the_same_working_days(sql: duckdb.DuckDBPyConnection, d: date, n: int) -> None:
    end = add_working_days(d, n)
    assert _sql_add(sql, d, n) == end
    assert working_days_between(d, end) == n
    assert n == 0 or is_working_day(end)


# (decision date, publication date, working days after the decision) read off the notices by hand
HAND = [
    (date(2024, 9, 27), date(2024, 10, 9), 4),  # Fri; Sep 29 (Sun) and 30 worked, Oct 1–7 off, 8–9 worked
    (date(2024, 9, 30), date(2024, 10, 8), 1),  # the first working day after National Day
    (date(2024, 10, 11), date(2024, 10, 12), 1),  # make-up Saturday Oct 12 is a working day
    (
        date(2025, 1, 24),
        date(2025, 2, 10),
        7,
    ),  # Spring Festival: Jan 26, 27, Feb 5–8 (Sat) worked, Jan 28–Feb 4 off
    (date(2023, 9, 28), date(2023, 10, 9), 3),  # Sep 29–Oct 6 off; Oct 7–8 (Sat, Sun) worked
    (date(2024, 6, 7), date(2024, 6, 11), 1),  # Dragon Boat: Mon Jun 10 off
    (date(2024, 3, 1), date(2024, 3, 1), 0),  # same day
    (date(2024, 3, 5), date(2024, 3, 1), 0),  # published "before" the decision: not late
]


@pytest.mark.parametrize(("decided", "published", "expected"), HAND)
def test_hand_counted_holiday_weeks(
    sql: duckdb.DuckDBPyConnection, decided: date, published: date, expected: int
) -> None:
    assert working_days_between(decided, published) == expected
    assert _sql_between(sql, decided, published) == expected


def test_missing_dates_give_no_count(sql: duckdb.DuckDBPyConnection) -> None:
    assert working_days_between(None, date(2024, 1, 1)) is None
    assert working_days_between(date(2024, 1, 1), None) is None
    assert _sql_between(sql, date(2024, 1, 1), None) is None


def test_seven_working_days_after_national_day_eve() -> None:
    """Deadline of 7 working days from Mon 30 Sep 2024: Oct 8, 9, 10, 11, 12 (Sat, worked), 14, 15."""
    assert add_working_days(date(2024, 9, 30), 7) == date(2024, 10, 15)
    assert not is_working_day(date(2024, 10, 7)) and is_working_day(date(2024, 10, 12))


def test_a_malformed_seed_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "h.csv"
    bad.write_text("calendar_date,kind,name_zh,source\n2024-10-08,makeup_workday,x,y\n", encoding="utf-8")
    with pytest.raises(CalendarError, match="not a weekend"):
        read_calendar(bad)
    bad.write_text("calendar_date,kind,name_zh,source\n2024-10-01,day_off,x,y\n", encoding="utf-8")
    with pytest.raises(CalendarError, match="kind"):
        read_calendar(bad)
