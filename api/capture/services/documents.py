"""One-click documents: case → zhifa.documents content → DOCX + PDF, numbered and stored."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.capture.services import numbering
from api.capture.services.valuation import discretion, value_case
from api.core import refdata
from api.core.errors import Conflict, Invalid
from api.models import Case, Document, Officer, Unit, User
from api.platform.services import audit, storage
from api.platform.services.users import province_of
from zhifa.clock import LOCAL, as_utc, local_date, now
from zhifa.documents import (
    CaseContext,
    GoodsLine,
    build_document,
    document_number,
    lookup,
    render_docx,
    render_pdf,
)

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _local(value: datetime | None) -> datetime | None:
    return as_utc(value).astimezone(LOCAL) if value is not None else None


def context(session: Session, case: Case) -> CaseContext:
    unit = session.get(Unit, case.unit_code)
    violation = refdata.reference().violation(case.violation_code)
    valuation = value_case(session, case)
    officers = [session.get(Officer, link.officer_id) for link in case.officers]
    goods = [
        GoodsLine(
            line_no=ln.item.line_no,
            barcode=ln.item.barcode,
            spec_name=ln.spec_name or "",
            quantity=float(ln.cartons),
            unit="条",
            unit_price=float(ln.unit_price) if ln.unit_price is not None else None,
            subtotal=float(ln.subtotal) if ln.subtotal is not None else None,
        )
        for ln in valuation.lines
    ]
    rate = None
    if case.fine_amount is not None and valuation.total > 0:
        rate = float(case.fine_amount / valuation.total)
    confiscate = str(violation.get("confiscate_goods", "")).lower() in ("true", "1")
    return CaseContext(
        unit_name=unit.name if unit else case.unit_code,
        unit_abbr=(unit.abbreviation if unit else None) or case.unit_code,
        case_no=case.case_no,
        cause=case.cause,
        party_name=case.party_name,
        party_type={"individual": "个人", "entity": "单位"}.get(case.party_type or ""),
        party_id_no=case.party_id_no,
        address=case.address,
        licence_no=case.licence_no,
        officers=[(o.name, o.cert_no or "") for o in officers if o is not None],
        discovered_at=_local(case.discovered_at),
        filed_at=_local(case.filed_at),
        place=case.place,
        goods=goods,
        total_value=float(valuation.total),
        legal_basis=str(violation.get("legal_basis") or ""),
        facts_text=case.facts,
        fine_amount=float(case.fine_amount) if case.fine_amount is not None else None,
        fine_rate=rate,
        confiscation_text="没收涉案烟草专卖品" if confiscate else None,
        decided_at=_local(case.decided_at),
        served_at=_local(case.served_at),
        year=case.filing_year or local_date(case.discovered_at).year,
        serial=case.filing_serial or 0,
        province_code=province_of(session, case.unit_code),
    )


def _number(session: Session, case: Case, doc_type: str, abbr: str, year: int) -> str | None:
    kind = lookup(doc_type).kind
    if kind is None:
        return None
    if doc_type == "filing_report":
        return case.case_no  # the filing number allocated when filing was approved
    if doc_type == "service_receipt":
        if case.filing_serial is None:
            raise Conflict("NOT_FILED", "立案后才能送达 / service receipts need a filed case")
        count = session.scalar(
            select(func.count())
            .select_from(Document)
            .where(Document.case_id == case.case_id, Document.doc_type == "service_receipt")
        )
        return document_number(
            abbr, kind, case.filing_year or year, case.filing_serial, sub=int(count or 0) + 1
        )
    return document_number(abbr, kind, year, numbering.allocate(session, case.unit_code, year, kind))


def generate(
    session: Session,
    user: User,
    case: Case,
    doc_type: str,
    root: Path,
    served_document_id: int | None = None,
    extra_fields: list[tuple[str, str]] | None = None,
) -> Document:
    """``extra_fields``: lines a record adds to what the case gives (a discussion's participants, a legal
    reviewer's conclusion)."""
    try:
        lookup(doc_type)
    except ValueError as exc:
        raise Invalid("UNKNOWN_DOC_TYPE", f"未知文书类型 / unknown document type {doc_type}") from exc
    if doc_type == "filing_report" and case.case_no is None:
        raise Conflict("NOT_FILED", "立案批准后才能生成立案报告表 / filing must be approved first")
    if doc_type == "penalty_decision" and case.status != "decided":
        raise Conflict("NOT_DECIDED", "作出处罚决定后才能生成决定书 / record the decision first")
    if doc_type in ("prior_notice", "hearing_notice", "penalty_decision") and case.fine_amount is None:
        raise Conflict("NO_FINE", "未录入罚款金额 / no fine recorded")
    if doc_type == "penalty_decision":
        d = discretion(session, case)
        if case.fine_amount is None or not d.within_statutory(case.fine_amount):
            raise Conflict("FINE_OUTSIDE_STATUTORY_RANGE", "罚款超出法定幅度 / fine outside statutory range")
    served = None
    if doc_type == "service_receipt":
        served = _served_title(session, case, served_document_id)
    ctx = context(session, case)
    issued = now()
    doc_no = _number(session, case, doc_type, ctx.unit_abbr, local_date(issued).year)
    content = build_document(
        doc_type, ctx, doc_no=doc_no, issued_at=local_date(issued), served_document=served
    )
    content.fields += extra_fields or []
    docx_sha = storage.put(session, root, render_docx(content), DOCX)
    pdf_sha = storage.put(session, root, render_pdf(content), "application/pdf")
    doc = Document(
        case_id=case.case_id,
        doc_type=doc_type,
        doc_no=doc_no,
        issued_at=issued,
        docx_sha256=docx_sha,
        pdf_sha256=pdf_sha,
        created_by=user.id,
    )
    audit.add_created(session, user, doc, action="generate", entity="document", entity_id="document_id")
    return doc


def _served_title(session: Session, case: Case, served_document_id: int | None) -> str:
    stmt = select(Document).where(Document.case_id == case.case_id)
    if served_document_id is not None:
        stmt = stmt.where(Document.document_id == served_document_id)
    else:
        stmt = stmt.where(Document.doc_type == "penalty_decision").order_by(Document.document_id.desc())
    target = session.scalars(stmt).first()
    if target is None:
        raise Conflict("NOTHING_TO_SERVE", "没有可送达的文书 / no document to serve")
    if not lookup(target.doc_type).external:
        raise Invalid("NOT_EXTERNAL", "内部文书无需送达 / internal documents are not served")
    return (
        f"{lookup(target.doc_type).title}（{target.doc_no}）"
        if target.doc_no
        else lookup(target.doc_type).title
    )
