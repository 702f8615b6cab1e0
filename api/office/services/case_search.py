"""Case search for the office (issue #17): filters, a whitelisted sort, paging, the XLSX export of the same
rows, and a case's history (its audit entries and those of its approvals and goods), all scoped to the
caller's unit subtree — a unit outside it reads as empty, a case outside it as missing."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, Literal

from openpyxl import Workbook
from sqlalchemy import ColumnElement, Select, String, Subquery, func, or_, select, true, union_all
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from api.core.errors import Invalid
from api.models import Approval, AuditEntry, Case, CaseOfficer, Unit, User
from api.platform.services.users import subtree_codes, visible_units
from zhifa.clock import LOCAL, local_date

SortKey = Literal["discovered_at", "case_no", "illegal_amount", "fine_amount", "status", "unit_code"]
SORTS: dict[str, Any] = {
    "discovered_at": Case.discovered_at,
    "case_no": Case.case_no,
    "illegal_amount": Case.illegal_amount,
    "fine_amount": Case.fine_amount,
    "status": Case.status,
    "unit_code": Case.unit_code,
}


# Sorts whose order follows the unit: case numbers begin with the unit's code, so a walk along the
# case-number index meets a county's cases only after every unit numbered before it (2.2 s for the last
# county of a million cases). Such a sort is read per unit — ix_cases_unit_case_no gives each unit's first
# page directly — and the pages merged. SQLite has no LATERAL: a union of one part per unit, at most
# SQLITE_UNITS_MAX of them (it allows 500 parts in one statement).
UNIT_LED_SORTS = frozenset({"case_no"})
SQLITE_UNITS_MAX = 400


@dataclass(frozen=True)
class Filters:
    unit_code: str | None = None  # that unit and its subtree
    officer_id: str | None = None
    date_from: date | None = None  # discovered on or after (local date)
    date_to: date | None = None  # discovered on or before
    violation_code: str | None = None
    party: str | None = None  # part of the party's name or the licence number
    status: str | None = None
    amount_min: Decimal | None = None
    amount_max: Decimal | None = None


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _where(session: Session, user: User, f: Filters) -> list[ColumnElement[bool]]:
    out: list[ColumnElement[bool]] = []
    units = visible_units(session, user)
    if units is not None:
        out.append(Case.unit_code.in_(units))
    if f.unit_code:
        out.append(Case.unit_code.in_(subtree_codes(session, f.unit_code)))
    if f.officer_id:
        out.append(
            Case.case_id.in_(select(CaseOfficer.case_id).where(CaseOfficer.officer_id == f.officer_id))
        )
    if f.date_from:
        out.append(Case.discovered_at >= datetime.combine(f.date_from, time(), LOCAL))
    if f.date_to and f.date_to < date.max:
        out.append(Case.discovered_at < datetime.combine(f.date_to + timedelta(days=1), time(), LOCAL))
    if f.violation_code:
        out.append(Case.violation_code == f.violation_code)
    if f.party:
        pattern = _like(f.party)
        out.append(
            or_(Case.party_name.like(pattern, escape="\\"), Case.licence_no.like(pattern, escape="\\"))
        )
    if f.status:
        out.append(Case.status == f.status)
    if f.amount_min is not None:
        out.append(Case.illegal_amount >= f.amount_min)
    if f.amount_max is not None:
        out.append(Case.illegal_amount <= f.amount_max)
    return out


def _each_units_first(filled: Select[Any], units: list[str], end: int, postgres: bool) -> Subquery:
    """The first ``end`` rows of ``filled`` (ordered) in each unit, together."""
    if postgres:  # one subquery run per unit: planned once however many units (200 parts took 0.6 s)
        code = func.unnest(postgresql.array(units)).table_valued("code").render_derived()
        first = filled.where(Case.unit_code == code.c.code).limit(end).lateral()
        return select(first).select_from(code).join(first, true()).subquery()
    parts = [filled.where(Case.unit_code == u).limit(end).subquery() for u in units]
    return union_all(*(select(part) for part in parts)).subquery()


def _query(
    where: list[ColumnElement[bool]],
    sort: str,
    descending: bool,
    end: int,
    units: list[str] | None = None,
    postgres: bool = False,
) -> Select[Case]:
    """The matching cases in order, empty values last either way (SQLite and PostgreSQL alike), to be cut
    at ``end`` (offset + limit). A nullable column is read in two parts — its values in index order, then
    the empty ones by id, each cut at ``end`` — so no part sorts every match (``x IS NULL`` first in one
    ORDER BY is no order an index gives). With ``units``, the values are read unit by unit (see
    ``UNIT_LED_SORTS``) and the units' first ``end`` merged."""
    column = SORTS[sort]
    order = column.desc() if descending else column.asc()
    if not Case.__table__.c[sort].nullable:
        return select(Case).where(*where).order_by(order, Case.case_id)
    filled = select(Case.case_id, column.label("key")).where(*where, column.is_not(None))
    filled = filled.order_by(order, Case.case_id)
    if units:
        each = _each_units_first(filled, units, end, postgres)
        key = each.c.key.desc() if descending else each.c.key.asc()
        filled = select(each.c.case_id, each.c.key).order_by(key, each.c.case_id)
    empty = select(Case.case_id).where(*where, column.is_(None)).order_by(Case.case_id)
    parts = [part.limit(end).subquery() for part in (filled, empty)]
    first = union_all(*(select(part.c.case_id) for part in parts)).subquery()
    return (
        select(Case)
        .where(Case.case_id.in_(select(first.c.case_id)))
        .order_by(column.is_(None), order, Case.case_id)
    )


def search(
    session: Session,
    user: User,
    f: Filters,
    sort: str,
    descending: bool,
    limit: int,
    offset: int,
    count_limit: int,
) -> tuple[int, bool, list[Case]]:
    """One page of the matching cases and how many match, counted up to ``count_limit`` (``more``: there
    are more than that) — a count of a province's million cases would cost more than the page."""
    where = _where(session, user, f)
    matching = select(Case.case_id).where(*where).limit(count_limit + 1).subquery()
    counted = int(session.scalar(select(func.count()).select_from(matching)) or 0)
    more = counted > count_limit
    postgres = session.get_bind().dialect.name == "postgresql"
    units = _units_read_one_by_one(session, user, f, sort, postgres) if more else None
    query = _query(where, sort, descending, offset + limit, units, postgres)
    rows = session.scalars(query.limit(limit).offset(offset))
    return min(counted, count_limit), more, list(rows)


def _units_read_one_by_one(
    session: Session, user: User, f: Filters, sort: str, postgres: bool
) -> list[str] | None:
    """The units of a broad search sorted by a unit-led key, to be read one by one.

    A narrow search (≤ ``count_limit`` matches) sorts its matches and needs none of this; nor does a scope
    of every unit in the store (an admin; a province's manager in a province's store), whose walk along
    the key's index meets matches at once."""
    if sort not in UNIT_LED_SORTS:
        return None
    units = visible_units(session, user)
    if f.unit_code:
        subtree = frozenset(session.scalars(subtree_codes(session, f.unit_code)))
        units = subtree if units is None else units & subtree
    if units is None or len(units) >= (session.scalar(select(func.count()).select_from(Unit)) or 0):
        return None
    return None if not postgres and len(units) > SQLITE_UNITS_MAX else sorted(units)


HEADERS = [
    "案件编号",
    "案件标识",
    "单位",
    "违法类型",
    "当事人",
    "许可证号",
    "发现日期",
    "状态",
    "案值（元）",
    "罚款（元）",
]


def export(
    session: Session,
    user: User,
    f: Filters,
    sort: str,
    descending: bool,
    max_rows: int,
    names: dict[str, str],
) -> bytes:
    """The search's rows as an XLSX workbook (numbers as numbers, dates as dates)."""
    _, more, rows = search(session, user, f, sort, descending, max_rows, 0, count_limit=max_rows)
    if more:
        raise Invalid(
            "EXPORT_TOO_LARGE",
            f"超过导出上限 {max_rows} 件，请缩小筛选范围 / more cases than the export limit of {max_rows}: "
            "narrow the filters",
        )
    units = dict(session.execute(select(Unit.unit_code, Unit.name)).tuples().all())
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "案件"
    sheet.append(HEADERS)
    for c in rows:
        sheet.append(
            [
                c.case_no,
                c.case_id,
                units.get(c.unit_code, c.unit_code),
                names.get(c.violation_code, c.violation_code),
                c.party_name,
                c.licence_no,
                local_date(c.discovered_at),
                c.status,
                c.illegal_amount,
                c.fine_amount,
            ]
        )
    for row in sheet.iter_rows(min_row=2, min_col=7, max_col=7):
        row[0].number_format = "yyyy-mm-dd"
    for row in sheet.iter_rows(min_row=2, min_col=9, max_col=10):
        for cell in row:
            cell.number_format = "#,##0.00"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def history(session: Session, case: Case) -> list[AuditEntry]:
    """Every audit entry of the case, its approvals and its goods lines, oldest first."""
    approval_ids = select(func.cast(Approval.approval_id, String)).where(Approval.case_id == case.case_id)
    return list(
        session.scalars(
            select(AuditEntry)
            .where(
                or_(
                    (AuditEntry.entity == "case") & (AuditEntry.entity_id == case.case_id),
                    (AuditEntry.entity == "approval") & AuditEntry.entity_id.in_(approval_ids),
                    (AuditEntry.entity == "case_item")
                    & AuditEntry.entity_id.like(_like(case.case_id + "#").lstrip("%"), escape="\\"),
                )
            )
            .order_by(AuditEntry.seq)
        )
    )
