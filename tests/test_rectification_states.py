"""The rectification state machine (zhifa.rectification): every allowed and refused move, and when a task
becomes overdue around weekends and the State Council's holidays (dates from ref_holidays.csv, 2026)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from zhifa import rectification as sm
from zhifa.rectification import Answer, Recheck, RectificationError

# Wed 30 Sep 2026 due; 1–7 Oct National Day; Thu 8 Oct the first working day after. Thu 24 Sep due; 25 Sep
# (Fri) Mid-Autumn, 26–27 a weekend; Mon 28 Sep the first working day after.
OVERDUE_EDGES = [
    (date(2026, 9, 30), date(2026, 9, 30), False),  # the due day
    (date(2026, 9, 30), date(2026, 10, 1), False),  # a holiday right after it
    (date(2026, 9, 30), date(2026, 10, 7), False),
    (date(2026, 9, 30), date(2026, 10, 8), True),  # the first working day after it
    (date(2026, 9, 24), date(2026, 9, 25), False),
    (date(2026, 9, 24), date(2026, 9, 28), True),
    (date(2026, 12, 3), date(2026, 12, 4), True),  # Thu due, Fri the day after: overdue
]


@pytest.mark.parametrize(("due", "on", "late"), OVERDUE_EDGES)
def test_overdue_edges(due: date, on: date, late: bool) -> None:
    assert sm.is_overdue("open", due, on) is late
    assert sm.is_overdue("closed", due, date(2030, 1, 1), closed_on=on) is late  # closed then: late or not
    assert sm.is_overdue("closed", due, on, closed_on=due) is False


def test_threshold_is_strict() -> None:
    assert not sm.needs_rectification([Decimal("2"), Decimal("3")], Decimal("5"))
    assert sm.needs_rectification([Decimal("2"), Decimal("3.01")], Decimal("5"))


def test_answer_then_recheck_round_trip() -> None:
    items = {1: "pending", 2: "pending"}
    states, status = sm.answer("open", items, [Answer(1, "corrected", None, has_document=True)])
    assert (states, status) == ({1: "corrected", 2: "pending"}, "open")
    states, status = sm.answer(status, states, [Answer(2, "disputed", "理由")])
    assert status == "answered"
    states, status = sm.recheck(status, states, [Recheck(1, "accept", None), Recheck(2, "return", "不成立")])
    assert (states, status) == ({1: "accepted", 2: "returned"}, "returned")
    with pytest.raises(RectificationError) as err:
        sm.answer(status, states, [Answer(1, "corrected", "再改")])
    assert err.value.code == "FINDING_ACCEPTED"
    states, status = sm.answer(status, states, [Answer(2, "corrected", "已改")])
    states, status = sm.recheck(status, states, [Recheck(2, "accept", None)])
    assert (states, status) == ({1: "accepted", 2: "accepted"}, "closed")


@pytest.mark.parametrize(
    ("task", "answers", "kind", "code"),
    [
        ("closed", [Answer(1, "corrected", "x")], "closed", "RECTIFICATION_CLOSED"),
        ("answered", [Answer(1, "corrected", "x")], "state", "AWAITING_RECHECK"),
        ("open", [Answer(9, "corrected", "x")], "unknown", "UNKNOWN_FINDING"),
        ("open", [Answer(1, "disputed", " \n")], "invalid", "REASON_REQUIRED"),
        ("open", [Answer(1, "corrected", "")], "invalid", "EVIDENCE_REQUIRED"),
        ("open", [], "invalid", "NO_ANSWER"),
    ],
)
def test_refused_answers(task: str, answers: list[Answer], kind: str, code: str) -> None:
    with pytest.raises(RectificationError) as err:
        sm.answer(task, {1: "pending"}, answers)
    assert (err.value.kind, err.value.code) == (kind, code)


@pytest.mark.parametrize(
    ("task", "checks", "code"),
    [
        ("closed", [Recheck(1, "accept", None)], "RECTIFICATION_CLOSED"),
        ("open", [Recheck(1, "accept", None)], "NOT_ANSWERED"),
        ("answered", [Recheck(1, "accept", None)], "RECHECK_MISSING"),
        ("answered", [Recheck(1, "accept", None), Recheck(2, "return", "")], "REASON_REQUIRED"),
        ("answered", [Recheck(1, "accept", None), Recheck(3, "accept", None)], "UNKNOWN_FINDING"),
    ],
)
def test_refused_rechecks(task: str, checks: list[Recheck], code: str) -> None:
    with pytest.raises(RectificationError) as err:
        sm.recheck(task, {1: "corrected", 2: "disputed"}, checks)
    assert err.value.code == code
