"""The published decisions as the public sees them, without login: only published texts (already masked and
scanned), searchable, exported as XLSX and as a JSON feed. Nothing here reads a case's personal fields."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime

from openpyxl import Workbook
from sqlalchemy import Select, func, select, union_all
from sqlalchemy.orm import Session

from api.core.errors import Invalid
from api.models import Case, LicenceApplication, LicencePublication, Publication, Unit
from zhifa.clock import local_date
from zhifa.reproducible import normalise_zip

HEADERS = ["公示日期", "执法机关", "公示内容", "公示渠道"]


@dataclass(frozen=True)
class PublicDecision:
    published_on: str  # YYYY-MM-DD, Beijing time
    unit_name: str
    text: str
    channel: str | None


def _query(q: str | None) -> Select[datetime | None, str, str, str | None]:
    """Penalty and licensing decisions on one list (双公示), both masked before they were published."""
    penalties = (
        select(Publication.published_at, Unit.name, Publication.public_text, Publication.channel)
        .join(Case, Case.case_id == Publication.case_id)
        .join(Unit, Unit.unit_code == Case.unit_code)
        .where(Publication.status == "published")
    )
    licences = select(
        LicencePublication.published_at, Unit.name, LicencePublication.public_text, LicencePublication.channel
    ).join(LicenceApplication, LicenceApplication.application_id == LicencePublication.application_id)
    licences = licences.join(Unit, Unit.unit_code == LicenceApplication.unit_code)
    both = union_all(penalties, licences).subquery()
    stmt = select(both.c.published_at, both.c.name, both.c.public_text, both.c.channel)
    if q:
        like = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        stmt = stmt.where(both.c.public_text.like(like, escape="\\") | both.c.name.like(like, escape="\\"))
    return stmt


def _row(published_at: datetime | None, unit: str, text: str, channel: str | None) -> PublicDecision:
    # published rows always have a date; the column is nullable for drafts
    return PublicDecision(local_date(published_at).isoformat() if published_at else "", unit, text, channel)


def search(session: Session, q: str | None, limit: int, offset: int) -> tuple[int, list[PublicDecision]]:
    stmt = _query(q)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.execute(stmt.order_by(stmt.selected_columns[0].desc()).limit(limit).offset(offset)).all()
    return int(total), [_row(r[0], r[1], r[2], r[3]) for r in rows]


def workbook(session: Session, q: str | None, max_rows: int) -> bytes:
    total, rows = search(session, q, max_rows + 1, 0)
    if total > max_rows:
        raise Invalid(
            "EXPORT_TOO_LARGE", f"共 {total} 条，超过导出上限 {max_rows} 条，请缩小检索范围 / too many rows"
        )
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "行政处罚决定公示"
    sheet.append(HEADERS)
    for r in rows:
        sheet.append([r.published_on, r.unit_name, r.text, r.channel])
    out = io.BytesIO()
    book.save(out)
    return normalise_zip(out.getvalue(), pin_core_times=True)
