"""Approvals: who may request and decide each kind, and what an approval changes on the case."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.capture.services import legal_checklist, numbering
from api.core.errors import Conflict, Forbidden, Invalid
from api.models import Approval, Case, Unit, User
from api.platform.services import audit
from api.platform.services.users import unit_path
from zhifa.clock import local_date, now

KINDS = (
    "filing",
    "preservation",
    "preservation_handling",
    "discretion_deviation",
    "extension",
    "legal_review",
    "decision",
    "closing",
)
# Legal review is decided by the legal department; every other kind by an approver (head).
DECIDER_ROLE = {"legal_review": "legal_reviewer"}
FILING_KIND = "立"  # kind characters of the filing number 乐烟立〔2026〕第12号


def latest(session: Session, case_id: str, kind: str) -> Approval | None:
    return session.scalars(
        select(Approval)
        .where(Approval.case_id == case_id, Approval.kind == kind)
        .order_by(Approval.approval_id.desc())
    ).first()


def approved(session: Session, case_id: str, kind: str) -> Approval | None:
    found = latest(session, case_id, kind)
    return found if found is not None and found.outcome == "approved" else None


def request(
    session: Session,
    user: User,
    case: Case,
    kind: str,
    reason: str | None,
    payload: dict[str, object] | None = None,
) -> Approval:
    pending = latest(session, case.case_id, kind)
    if pending is not None and pending.outcome == "pending":
        if kind != "discretion_deviation":
            raise Conflict(
                "APPROVAL_PENDING", f"已有待审批的{kind}申请 / a {kind} request is already pending"
            )
        pending.outcome, pending.decision_note = "rejected", "superseded by a newer request / 已被新申请取代"
    if kind == "filing" and case.filed_at is not None:
        raise Conflict("ALREADY_FILED", "案件已立案 / case already filed")
    if kind == "extension" and not (payload or {}).get("extension_days"):
        raise Invalid("EXTENSION_DAYS_REQUIRED", "延期申请须注明天数 / extension needs extension_days")
    approval = Approval(
        case_id=case.case_id,
        kind=kind,
        requested_by=user.id,
        requested_at=now(),
        outcome="pending",
        reason=reason,
        payload=payload or {},
    )
    audit.add_created(session, user, approval, action="request", entity="approval", entity_id="approval_id")
    return approval


def check_decider(session: Session, user: User, approval: Approval, case: Case) -> None:
    role = DECIDER_ROLE.get(approval.kind, "approver")
    if role not in user.role_set and "admin" not in user.role_set:
        raise Forbidden("ROLE_REQUIRED", f"需要角色 {role} / role {role} required for {approval.kind}")
    if not unit_path(session, case.unit_code).startswith(unit_path(session, user.unit_code)):
        raise Forbidden("WRONG_UNIT", "只能审批本单位或下级单位的案件 / approver of another unit")
    if approval.requested_by == user.id:
        raise Forbidden("SELF_APPROVAL", "不能审批自己的申请 / cannot approve your own request")


def decide(
    session: Session,
    user: User,
    approval: Approval,
    case: Case,
    outcome: str,
    note: str | None,
    checklist: list[dict[str, Any]] | None = None,
) -> None:
    """``checklist``: the legal reviewer's items (legal reviews only, then required)."""
    items = admissible(session, user, approval, case, note, checklist)
    record_decision(session, user, approval, case, outcome, note, items)


def admissible(
    session: Session,
    user: User,
    approval: Approval,
    case: Case,
    note: str | None,
    checklist: list[dict[str, Any]] | None,
) -> list[dict[str, Any]] | None:
    """Every check a decision must pass, before anything is written; the checked checklist items."""
    if approval.outcome != "pending":
        raise Conflict("ALREADY_DECIDED", f"该申请已{approval.outcome} / already {approval.outcome}")
    check_decider(session, user, approval, case)
    return legal_checklist.checked(approval.kind, note, checklist)


def record_decision(
    session: Session,
    user: User,
    approval: Approval,
    case: Case,
    outcome: str,
    note: str | None,
    items: list[dict[str, Any]] | None,
) -> None:
    """Write an admissible decision: the approval, its effect on the case, both audited."""
    before_case = audit.snapshot(case)
    before = audit.snapshot(approval)
    approval.outcome, approval.decided_by, approval.decided_at = outcome, user.id, now()
    approval.decision_note = note
    if items is not None:  # a new dict: the JSON column notices the change
        approval.payload = {**approval.payload, "checklist": items}
    if outcome == "approved":
        _apply(session, approval, case, approval.decided_at)
    session.flush()
    audit.record_change(
        session,
        user,
        approval,
        action=f"decide:{outcome}",
        entity="approval",
        entity_id=str(approval.approval_id),
        before=before,
    )
    after_case = audit.snapshot(case)
    if after_case != before_case:
        audit.record(
            session,
            user_id=user.id,
            username=user.username,
            action=f"approval:{approval.kind}",
            entity="case",
            entity_id=case.case_id,
            before=before_case,
            after=after_case,
        )


def _apply(session: Session, approval: Approval, case: Case, at: datetime) -> None:
    if approval.kind == "filing":
        # The approver's sign date is the filing date; the filing number is allocated now.
        from zhifa.documents.doctypes import document_number

        unit = session.get(Unit, case.unit_code)
        year = local_date(at).year
        serial = numbering.allocate(session, case.unit_code, year, FILING_KIND)
        abbr = (unit.abbreviation if unit else None) or case.unit_code
        case.filed_at, case.case_no = at, document_number(abbr, FILING_KIND, year, serial)
        case.filing_year, case.filing_serial = year, serial
    elif approval.kind == "extension":
        case.extension_days += int(str(approval.payload.get("extension_days", 0)))
    elif approval.kind == "legal_review":
        case.legal_review_done = True
    case.updated_at = at


def deviation_approved_for(session: Session, case: Case) -> bool:
    """An approved deviation counts only for the fine it was requested for."""
    found = approved(session, case.case_id, "discretion_deviation")
    return bool(
        found
        and case.fine_amount is not None
        and Decimal(str(found.payload.get("fine_amount"))) == case.fine_amount
    )
