"""Upward reporting duties (zhifa/upward.py) from the seed's own amounts, and their clocks at the edges: the
deadline day, the day after, across the 2024 National Day holiday (Oct 1–7 off, Sat Oct 12 worked)."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
import yaml

from zhifa.calendar import load_calendar
from zhifa.clock import LOCAL
from zhifa.reference import load_reference
from zhifa.settings import DBT_PROJECT_DIR
from zhifa.upward import UpwardFacts, due_at, duties, status

SETTINGS = load_reference().settings_for("410000", datetime(2026, 3, 1).date())
CAL = load_calendar()


def kinds(facts: UpwardFacts) -> list[tuple[str, str]]:
    return [(d.kind, d.recipient_level) for d in duties(facts, SETTINGS)]


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        (UpwardFacts("county", fine_amount=Decimal("29999.99")), []),
        (UpwardFacts("county", fine_amount=Decimal("30000")), [("filing", "city")]),
        (UpwardFacts("county", fine_amount=Decimal("79999.99")), [("filing", "city")]),
        (UpwardFacts("county", fine_amount=Decimal("80000")), [("filing", "province")]),
        (UpwardFacts("city", fine_amount=Decimal("50000")), []),  # the city band is a county's
        (UpwardFacts("city", fine_amount=Decimal("80000")), [("filing", "province")]),
        (UpwardFacts("province", fine_amount=Decimal("900000")), []),
        (UpwardFacts("county", case_value=Decimal("29999.99")), []),
        (UpwardFacts("county", case_value=Decimal("30000")), [("major_case", "city")]),
        (UpwardFacts("city", sticks=Decimal("100000")), [("major_case", "province")]),
        (
            UpwardFacts("county", case_value=Decimal("50000")),
            [("major_case", "city"), ("criminal_transfer", "own")],
        ),
        (UpwardFacts("county", illegal_gains=Decimal("20000")), [("criminal_transfer", "own")]),
        (UpwardFacts("province", sticks=Decimal("200000")), [("criminal_transfer", "own")]),
    ],
)
def test_duties_follow_the_settings(facts: UpwardFacts, expected: list[tuple[str, str]]) -> None:
    assert kinds(facts) == expected


def test_the_limits_are_the_settings() -> None:
    facts = UpwardFacts("county", fine_amount=Decimal("50000"), case_value=Decimal("60000"))
    limits = {d.kind: (d.clock, d.limit) for d in duties(facts, SETTINGS)}
    assert limits == {
        "filing": ("working_days", int(SETTINGS["filing_to_superior_working_days"])),
        "major_case": ("hours", int(SETTINGS["major_case_report_hours"])),
        "criminal_transfer": ("hours", int(SETTINGS["criminal_transfer_hours"])),
    }


DECIDED = datetime(2024, 9, 27, 16, 0, tzinfo=LOCAL)  # Friday before the National Day holiday


def at(day: int, month: int = 10, hour: int = 9) -> datetime:
    return datetime(2024, month, day, hour, tzinfo=LOCAL)


def test_five_working_days_across_the_holiday() -> None:
    # hand-counted: Sun 9-29 (make-up) 1, Mon 9-30 2, Oct 1–7 off, Tue 10-8 3, Wed 10-9 4, Thu 10-10 5
    due = due_at("working_days", 5, DECIDED, CAL)
    assert due.astimezone(LOCAL).date() == at(10).date()
    assert due.astimezone(LOCAL) + timedelta(microseconds=1) == datetime(2024, 10, 11, tzinfo=LOCAL)
    assert status("working_days", 5, DECIDED, at(10, hour=23), at(20), CAL) == "on_time"  # deadline day
    assert status("working_days", 5, DECIDED, at(11), at(20), CAL) == "late"  # the day after
    assert status("working_days", 5, DECIDED, at(3), at(20), CAL) == "on_time"  # on a holiday, early
    assert status("working_days", 5, DECIDED, None, at(10, hour=23), CAL) == "pending"
    assert status("working_days", 5, DECIDED, None, at(11), CAL) == "missing"


def test_hours_clock() -> None:
    start = datetime(2024, 10, 1, 10, 0, tzinfo=LOCAL)
    assert due_at("hours", 24, start, CAL) == start + timedelta(hours=24)
    assert status("hours", 24, start, start + timedelta(hours=24), start, CAL) == "on_time"
    assert status("hours", 24, start, start + timedelta(hours=24, seconds=1), start, CAL) == "late"
    assert status("hours", 24, start, None, start + timedelta(hours=25), CAL) == "missing"


def test_the_sql_edges_give_the_same_answers_in_python() -> None:
    """Every row of the dbt unit test ``upward_report_clock_edges`` through :func:`zhifa.upward.status`: the
    SQL clock (int_case_upward_reports.sql) and the Python one expect the same status."""
    tests = yaml.safe_load((DBT_PROJECT_DIR / "models/intermediate/_unit_tests.yml").read_text("utf-8"))
    case = next(t for t in tests["unit_tests"] if t["name"] == "upward_report_clock_edges")
    given = {g["input"]: g["rows"] for g in case["given"]}
    as_of_day = given["ref('int_case_publication')"][0]["data_as_of"]
    as_of = datetime.combine(as_of_day, datetime.min.time(), tzinfo=LOCAL)  # the SQL's day, from its start
    expected = {r["report_id"]: r["report_status"] for r in case["expect"]["rows"]}
    got = {}
    for r in given["ref('stg_api_upward_reports')"]:
        started = datetime.fromisoformat(r["started_at"])
        done = datetime.fromisoformat(r["acknowledged_at"]) if r["acknowledged_at"] else None
        got[r["report_id"]] = status(r["clock"], r["limit_value"], started, done, as_of, CAL)
    assert got == expected and len(got) == 9
