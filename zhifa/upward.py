"""Upward reporting and transfer (备案、大案报告、移送公安): which duties a case carries towards another unit,
when each is due, and whether it was met. Pure: settings come in as the mapping of the case's province and
date (``Reference.settings_for``), the calendar is :mod:`zhifa.calendar`'s.

- 备案 (filing): a county's decided fine in [``filing_to_city_fine_min``, ``filing_to_province_fine_min``)
  is filed with the city bureau; at or above the higher amount (from a county or a city) with the province;
  within ``filing_to_superior_working_days`` working days after the decision.
- 大案报告: a case whose value or sticks reach ``major_case_value_min`` / ``major_case_sticks_min`` is
  reported to the unit above within ``major_case_report_hours`` of being found major.
- 移送公安: value, illegal gains or sticks at a criminal threshold (``criminal_referral_*``) → the unit's
  head decides the transfer with its checklist within ``criminal_transfer_hours`` (三日).

The warehouse recomputes lateness with the same rules (int_case_upward_reports.sql); tests tie the two.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal

from zhifa.calendar import WorkingCalendar
from zhifa.clock import LOCAL, as_utc, local_date

LEVELS = ("county", "city", "province")
KINDS = ("filing", "major_case", "criminal_transfer")
# what must be on file before a criminal transfer is recorded (行政执法机关移送涉嫌犯罪案件的规定第六条)
TRANSFER_CHECKLIST = (
    ("transfer_letter", "案件移送函"),
    ("investigation_report", "涉嫌犯罪案件情况的调查报告（案件调查终结报告）"),
    ("valuation_table", "涉案物品清单（核价表）"),
    ("inspection_record", "现场检查笔录等有关证据材料"),
)


@dataclass(frozen=True)
class UpwardFacts:
    """What the duties look at; None: not known (never reaches a threshold)."""

    unit_level: str
    fine_amount: Decimal | None = None
    case_value: Decimal | None = None
    sticks: Decimal | None = None
    illegal_gains: Decimal | None = None


@dataclass(frozen=True)
class Duty:
    kind: str
    recipient_level: str  # the level of the unit whose inbox receives it; "own" = the case's unit
    name_zh: str
    legal_basis: str
    reason_zh: str  # why, in words (amounts against their settings)
    clock: str  # working_days | hours
    limit: int


def _reaches(value: Decimal | None, settings: Mapping[str, float | str], key: str) -> bool:
    return value is not None and value >= Decimal(str(settings[key]))


def duties(facts: UpwardFacts, settings: Mapping[str, float | str]) -> list[Duty]:
    """Every duty the facts carry, in the order filing, major case, criminal transfer."""
    out: list[Duty] = []
    fine = facts.fine_amount
    city_min = Decimal(str(settings["filing_to_city_fine_min"]))
    province_min = Decimal(str(settings["filing_to_province_fine_min"]))
    filing_days = int(float(settings["filing_to_superior_working_days"]))
    to = None
    if fine is not None and facts.unit_level == "county" and city_min <= fine < province_min:
        to = "city"
    elif fine is not None and facts.unit_level in ("county", "city") and fine >= province_min:
        to = "province"
    if to is not None:
        bound = f"≥ {city_min} 元" if to == "city" else f"≥ {province_min} 元"
        out.append(Duty("filing", to, f"罚款案件报{'市' if to == 'city' else '省'}局备案",
                        "烟草专卖行政处罚程序规定（重大案件备案）", f"罚款 {fine} 元 {bound}", "working_days",
                        filing_days))  # fmt: skip
    major = _reaches(facts.case_value, settings, "major_case_value_min") or _reaches(
        facts.sticks, settings, "major_case_sticks_min"
    )
    if major and facts.unit_level != "province":
        above = LEVELS[LEVELS.index(facts.unit_level) + 1]
        out.append(Duty("major_case", above, "大案报告", "烟草专卖行政执法大要案报告制度",
                        f"案值 {facts.case_value or 0} 元，{facts.sticks or 0} 支，达到大案标准", "hours",
                        int(float(settings["major_case_report_hours"]))))  # fmt: skip
    criminal = (
        _reaches(facts.case_value, settings, "criminal_referral_amount_min")
        or _reaches(facts.illegal_gains, settings, "criminal_referral_gains_min")
        or _reaches(facts.sticks, settings, "criminal_referral_sticks_min")
    )
    if criminal:
        out.append(Duty("criminal_transfer", "own", "涉嫌犯罪案件移送公安机关",
                        "行政执法机关移送涉嫌犯罪案件的规定第五条、第六条",
                        f"案值 {facts.case_value or 0} 元，违法所得 {facts.illegal_gains or 0} 元，"
                        f"{facts.sticks or 0} 支，达到刑事追诉标准", "hours",
                        int(float(settings["criminal_transfer_hours"]))))  # fmt: skip
    return out


def due_at(clock: str, limit: int, started_at: datetime, calendar: WorkingCalendar) -> datetime:
    """The last moment the duty is met (inclusive): ``limit`` hours after the start, or the end of the
    ``limit``-th working day after the start's day (Asia/Shanghai)."""
    started_at = as_utc(started_at)
    if clock == "hours":
        return started_at + timedelta(hours=limit)
    last = calendar.add_working_days(local_date(started_at), limit)
    end = datetime.combine(last + timedelta(days=1), time(0), tzinfo=LOCAL) - timedelta(microseconds=1)
    return end.astimezone(UTC)  # stored as UTC (SQLite keeps no offset)


def status(
    clock: str,
    limit: int,
    started_at: datetime,
    done_at: datetime | None,
    as_of: datetime,
    calendar: WorkingCalendar,
) -> str:
    """on_time | late | missing (not done and the limit passed by ``as_of``) | pending."""
    if done_at is not None:
        return "late" if _over(clock, limit, started_at, done_at, calendar) else "on_time"
    return "missing" if _over(clock, limit, started_at, as_of, calendar) else "pending"


def _over(clock: str, limit: int, start: datetime, end: datetime, calendar: WorkingCalendar) -> bool:
    if clock == "hours":
        return as_utc(end) > as_utc(start) + timedelta(hours=limit)
    spent = calendar.working_days_between(local_date(start), local_date(end))
    return spent is not None and spent > limit
