"""Procedural clocks: what is due or overdue per case (time limits from reference settings)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Protocol

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import Session

from api.capture.schemas import DeadlineOut
from api.core import refdata
from api.models import Approval, Case, CaseDeadline, User
from api.platform.services.users import province_of, visible_units
from zhifa.clock import local_date

OPEN = ("filed", "investigating", "decided")
PRESERVATION_KINDS = ("preservation", "preservation_handling")


@dataclass
class Deadline:
    case_id: str
    unit_code: str
    what: str
    due_on: date

    def days_left(self, on: date) -> int:
        return (self.due_on - on).days


class Clocked(Protocol):
    """What the clocks read of a case (an ORM case or a row of these columns)."""

    case_id: str
    unit_code: str
    status: str
    discovered_at: datetime
    filed_at: datetime | None
    decided_at: datetime | None
    extension_days: int


CLOCK_COLUMNS = (
    Case.case_id,
    Case.unit_code,
    Case.status,
    Case.discovered_at,
    Case.filed_at,
    Case.decided_at,
    Case.extension_days,
)


def case_deadlines(
    case: Clocked, province: str, preservation: Approval | None, handled: Approval | None
) -> list[Deadline]:
    """``preservation`` / ``handled``: the case's approved preservation and preservation handling, if any."""
    out: list[Deadline] = []

    def add(what: str, start: date, key: str, extra: int = 0) -> None:
        due = start + timedelta(days=refdata.days(key, province, start) + extra)
        out.append(Deadline(case.case_id, case.unit_code, what, due))

    if case.filed_at is None and case.status == "filed":
        add("filing 立案", local_date(case.discovered_at), "filing_days_after_discovery")
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


def _approved_preservations(
    session: Session, where: Sequence[ColumnElement[bool]]
) -> dict[tuple[str, str], Approval]:
    """The latest preservation and preservation-handling approval of every open case selected, kept when
    approved — ``approvals.approved`` for all cases in one query instead of two per case."""
    stmt = (
        select(Approval)
        .join(Case, Case.case_id == Approval.case_id)
        .where(Case.status.in_(OPEN), Approval.kind.in_(PRESERVATION_KINDS), *where)
        .order_by(Approval.approval_id)
    )
    latest = {(a.case_id, a.kind): a for a in session.scalars(stmt)}
    return {key: a for key, a in latest.items() if a.outcome == "approved"}


def computed(
    session: Session, where: Sequence[ColumnElement[bool]], provinces: dict[str, str] | None = None
) -> list[Deadline]:
    """The deadlines of the open cases matching ``where``, from the cases and approvals themselves, each
    case's in rule order (the stored ``ordinal``). ``provinces`` (unit → province) may be shared by calls
    over many chunks: each unit's province is then looked up once, not once per chunk."""
    # the clocks' columns only: no ORM objects (nor their officers and goods) for every open case
    stmt = select(*CLOCK_COLUMNS).where(Case.status.in_(OPEN), *where)
    approved = _approved_preservations(session, where)
    return deadlines_of(session, session.execute(stmt), provinces, approved)


def deadlines_of(
    session: Session,
    cases: Iterable[Clocked],
    provinces: dict[str, str] | None = None,
    approved: Mapping[tuple[str, str], Approval] | None = None,
) -> list[Deadline]:
    """The deadlines of the open ones of ``cases``, each unit's province looked up once (``provinces``,
    unit → province, may be shared by calls); ``approved``: the preservation approvals by (case, kind)."""
    provinces = {} if provinces is None else provinces
    approved = approved or {}
    out: list[Deadline] = []
    for case in cases:
        if case.status not in OPEN:
            continue
        if case.unit_code not in provinces:
            provinces[case.unit_code] = province_of(session, case.unit_code)
        out += case_deadlines(
            case,
            provinces[case.unit_code],
            approved.get((case.case_id, "preservation")),
            approved.get((case.case_id, "preservation_handling")),
        )
    return out


def deadlines(session: Session, units: frozenset[str] | None, on: date | None = None) -> list[Deadline]:
    """Computed from scratch for every open case in ``units`` (all when None), most urgent first."""
    where = [] if units is None else [Case.unit_code.in_(units)]
    return sorted(computed(session, where), key=lambda d: (d.due_on, d.case_id))


def _stored(
    units: frozenset[str] | None, on: date, within_days: int | None, overdue_only: bool
) -> Select[CaseDeadline]:
    stmt = select(CaseDeadline)
    if units is not None:
        stmt = stmt.where(CaseDeadline.unit_code.in_(units))
    if overdue_only:
        stmt = stmt.where(CaseDeadline.due_on < on)
    if within_days is not None:
        stmt = stmt.where(CaseDeadline.due_on <= on + timedelta(days=within_days))
    return stmt


def due(
    session: Session,
    user: User,
    on: date,
    *,
    within_days: int | None = None,
    overdue_only: bool = False,
    limit: int | None = None,
) -> list[Deadline]:
    """Due and overdue procedural steps in the caller's scope, most urgent first (the stored deadlines,
    which ``clock_store`` keeps equal to ``deadlines``)."""
    stmt = _stored(visible_units(session, user), on, within_days, overdue_only)
    rows = session.scalars(
        stmt.order_by(CaseDeadline.due_on, CaseDeadline.case_id, CaseDeadline.ordinal).limit(limit)
    )
    return [Deadline(r.case_id, r.unit_code, r.what, r.due_on) for r in rows]


def due_counts(session: Session, user: User, on: date, *, within_days: int) -> tuple[int, int]:
    """How many deadlines ``due`` would list, and how many of them are overdue — counted by the store."""
    rows = _stored(visible_units(session, user), on, within_days, False).subquery()
    total, overdue = session.execute(
        select(func.count(), func.count().filter(rows.c.due_on < on)).select_from(rows)
    ).one()
    return int(total), int(overdue)


def deadline_out(d: Deadline, on: date) -> DeadlineOut:
    left = d.days_left(on)
    return DeadlineOut(
        case_id=d.case_id,
        unit_code=d.unit_code,
        what=d.what,
        due_on=d.due_on,
        overdue=left < 0,
        days_left=left,
    )


def deadline_rows(
    session: Session, user: User, on: date, *, within_days: int | None = None, overdue_only: bool = False
) -> list[DeadlineOut]:
    """The /deadlines list (the inbox shows the same rows, bounded)."""
    return [
        deadline_out(d, on)
        for d in due(session, user, on, within_days=within_days, overdue_only=overdue_only)
    ]
