"""Publication of decisions (行政执法公示, 行政处罚法 §48): a decided case's public text is drafted from the
decision with personal data masked, checked by the scanner, and published by an approver or legal reviewer;
it is due a number of working days (setting ``publication_working_days``) after the decision, counted on
the holiday calendar."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.capture.services.documents import context
from api.core import refdata
from api.core.errors import Conflict, Forbidden, Invalid, NotFound
from api.models import Case, Document, Publication, User
from api.platform.services import audit
from api.platform.services.users import province_of
from zhifa.calendar import add_working_days
from zhifa.clock import local_date, now
from zhifa.documents.templates import penalty_text
from zhifa.documents.text import fmt_date
from zhifa.masking import mask_licence, mask_party, personal_data, scrub

DECIDED = ("decided", "served", "executed", "closed", "archived")


def get(session: Session, case: Case) -> Publication:
    row = session.get(Publication, case.case_id)
    if row is None:
        raise NotFound("PUBLICATION_NOT_FOUND", "该案尚无公示记录 / no publication for this case")
    return row


def public_text(session: Session, case: Case) -> str:
    """The public text of the decision: who (masked), what, on which basis, which penalty, by whom, when."""
    ctx = context(session, case)
    decision = session.scalars(
        select(Document)
        .where(Document.case_id == case.case_id, Document.doc_type == "penalty_decision")
        .order_by(Document.document_id.desc())
    ).first()
    individual = [case.party_name] if case.party_name and case.party_type != "entity" else []
    lines = [
        ("决定书文号", decision.doc_no if decision and decision.doc_no else ""),
        ("当事人", mask_party(case.party_name, case.party_type)),
        ("许可证号", mask_licence(case.licence_no)),
        ("违法事实", scrub(case.facts or case.cause or "", individual)),
        ("处罚依据", ctx.legal_basis or ""),
        ("处罚内容", penalty_text(ctx)),
        ("作出决定机关", ctx.unit_name),
        ("作出决定日期", fmt_date(ctx.decided_at) if ctx.decided_at else ""),
    ]
    return "\n".join(f"{label}：{value}" for label, value in lines if value)


def _refuse_personal_data(text: str) -> None:
    found = personal_data(text)
    if found:
        kinds = "、".join(sorted({f.label_zh for f in found}))
        raise Invalid(
            "PERSONAL_DATA_IN_TEXT",
            f"公示文本含有{kinds}，请删除后再保存 / the public text contains personal numbers",
            detail=[f.kind for f in found],
        )


def draft(session: Session, user: User, case: Case) -> Publication:
    if case.status not in DECIDED or case.decided_at is None:
        raise Conflict("NOT_DECIDED", "作出处罚决定后才能公示 / only decided cases are published")
    if session.get(Publication, case.case_id) is not None:
        raise Conflict("PUBLICATION_EXISTS", "该案已有公示记录 / a publication exists")
    province = province_of(session, case.unit_code)
    decided_on = local_date(case.decided_at)
    days = refdata.days("publication_working_days", province, decided_on)
    text = public_text(session, case)
    _refuse_personal_data(text)
    row = Publication(
        case_id=case.case_id,
        status="draft",
        public_text=text,
        due_on=add_working_days(decided_on, days),
        drafted_by=user.id,
        drafted_at=now(),
    )
    audit.add_created(session, user, row, action="draft", entity="publication", entity_id="case_id")
    return row


def edit(session: Session, user: User, row: Publication, text: str) -> Publication:
    if row.status != "draft":
        raise Conflict("ALREADY_PUBLISHED", "已公示的内容不能修改 / published text cannot change")
    _refuse_personal_data(text)
    before = audit.snapshot(row)
    row.public_text = text
    audit.record_change(
        session, user, row, action="edit", entity="publication", entity_id=row.case_id, before=before
    )
    return row


def publish(session: Session, user: User, case: Case, row: Publication, channel: str) -> Publication:
    """Publishing changes the case's public state: its ``updated_at`` moves, so the warehouse extracts it."""
    if row.status != "draft":
        raise Conflict("ALREADY_PUBLISHED", "该决定已公示 / already published")
    if row.drafted_by == user.id:
        raise Forbidden("SELF_PUBLICATION", "公示须由起草人以外的人员审核发布 / another person must publish")
    _refuse_personal_data(row.public_text)
    before = audit.snapshot(row)
    row.status, row.channel, row.published_by, row.published_at = "published", channel, user.id, now()
    case.updated_at = row.published_at
    audit.record_change(
        session, user, row, action="publish", entity="publication", entity_id=row.case_id, before=before
    )
    return row
