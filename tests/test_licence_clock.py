"""The licence decision clock's dbt unit test (int_licence_applications.yml) replayed through zhifa.calendar:
the SQL and the Python calendar give the same deadlines, working days and verdicts at the edges (deadline
day, the day after, across the National Day holiday and its make-up Sunday, with an extension)."""

from __future__ import annotations

from datetime import date
from typing import Any

import yaml

from zhifa.calendar import load_calendar
from zhifa.settings import DBT_PROJECT_DIR

UNIT_TESTS = DBT_PROJECT_DIR / "models" / "intermediate" / "int_licence_applications.yml"


def _given(test: dict[str, Any], ref: str) -> list[dict[str, Any]]:
    return next(g["rows"] for g in test["given"] if g["input"] == f"ref('{ref}')")


def _verdict(accepted: date | None, decided: date | None, deadline: date | None, as_of: date) -> str:
    if accepted is None or deadline is None:
        return "not_accepted"
    if decided is None:
        return "overdue" if as_of > deadline else "pending"
    return "late" if decided > deadline else "on_time"


def test_sql_clock_edges_agree_with_the_python_calendar() -> None:
    (test,) = yaml.safe_load(UNIT_TESTS.read_text(encoding="utf-8"))["unit_tests"]
    calendar = load_calendar()
    # the hand-written calendar rows are the real one (2024 notice)
    for row in _given(test, "int_working_days"):
        assert calendar.is_working_day(row["calendar_date"]) == row["is_working_day"], row
    (setting,) = _given(test, "int_settings_versions")
    (as_of,) = _given(test, "int_licensing_as_of")
    expected = {row["application_id"]: row for row in test["expect"]["rows"]}
    for app in _given(test, "stg_licence_applications"):
        accepted, decided = app["accepted_date"], app["decided_date"]
        limit = int(setting["value"]) + app["extension_days"]
        deadline = calendar.add_working_days(accepted, limit) if accepted else None
        got = {
            "application_id": app["application_id"],
            "deadline_date": deadline,
            "working_days_to_decision": calendar.working_days_between(accepted, decided),
            "decision_clock": _verdict(accepted, decided, deadline, as_of["data_as_of"]),
        }
        assert got == expected[app["application_id"]]
    verdicts = {row["decision_clock"] for row in expected.values()}
    assert {"on_time", "late", "pending", "overdue", "not_accepted"} <= verdicts
