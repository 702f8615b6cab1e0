"""Procedural clocks: what is due or overdue per case (time limits from reference settings)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.capture.services import approvals
from api.core import refdata
from api.models import Case
from api.platform.services.users import province_of
from zhifa.clock import local_date, today

OPEN = ("filed", "investigating", "decided")


@dataclass
class Deadline:
    case_id: str
    unit_code: str
    what: str
    due_on: date

    def days_left(self, on: date) -> int:
        return (self.due_on - on).days


def case_deadlines(session: Session, case: Case, province: str) -> list[Deadline]:
    out: list[Deadline] = []

    def add(what: str, start: date, key: str, extra: int = 0) -> None:
        due = start + timedelta(days=refdata.days(key, province, start) + extra)
        out.append(Deadline(case.case_id, case.unit_code, what, due))

    if case.filed_at is None and case.status == "filed":
        add("filing 立案", local_date(case.discovered_at), "filing_days_after_discovery")
    preservation = approvals.approved(session, case.case_id, "preservation")
    handled = approvals.approved(session, case.case_id, "preservation_handling")
    if preservation and preservation.decided_at and case.status in OPEN and handled is None:
        add(
            "preservation handling 先行登记保存处理",
            local_date(preservation.decided_at),
            "preservation_handling_days",
        )
    if case.filed_at is not None and case.status in ("filed", "investigating"):
        add(
            "decision 作出处罚决定",
            local_date(case.filed_at),
            "decision_days_after_filing",
            case.extension_days,
        )
    if case.decided_at is not None and case.status == "decided":
        add("service 送达", local_date(case.decided_at), "service_days_after_decision")
    return out


def deadlines(session: Session, units: set[str] | None, on: date | None = None) -> list[Deadline]:
    on = on or today()
    stmt = select(Case).where(Case.status.in_(OPEN))
    if units is not None:
        stmt = stmt.where(Case.unit_code.in_(units))
    provinces: dict[str, str] = {}
    out: list[Deadline] = []
    for case in session.scalars(stmt):
        if case.unit_code not in provinces:
            provinces[case.unit_code] = province_of(session, case.unit_code)
        out += case_deadlines(session, case, provinces[case.unit_code])
    return sorted(out, key=lambda d: (d.due_on, d.case_id))
