"""The licensing clock (行政许可法 §42): a decision is due a number of working days after acceptance
(setting ``licence_decision_working_days``, 20), extended once by ``licence_extension_working_days`` (10)
with the head's approval. Working days are the one calendar's (zhifa/calendar.py)."""

from __future__ import annotations

from datetime import date, timedelta

from zhifa.calendar import add_working_days, working_days_between


def decision_due(accepted_on: date, days: int, extension_days: int = 0) -> date:
    """The last day a decision is in time: the (days + extension)-th working day after acceptance."""
    return add_working_days(accepted_on, days + extension_days)


def is_late(decided_on: date, due_on: date) -> bool:
    return decided_on > due_on


def working_days_taken(accepted_on: date, decided_on: date) -> int:
    return working_days_between(accepted_on, decided_on) or 0


def renewal_due(valid_to: date, notice_days: int) -> date:
    """The last day to apply for renewal: ``notice_days`` calendar days before the licence expires."""
    return valid_to - timedelta(days=notice_days)
