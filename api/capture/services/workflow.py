"""Case state machine: filed → investigating → decided → served → executed → closed (or
transferred / withdrawn before a decision), each step guarded by what the procedure requires."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.capture.services import approvals, legal_review
from api.capture.services.valuation import discretion
from api.core import refdata
from api.core.errors import Conflict, Invalid
from api.models import Case, Document, Officer
from api.platform.services.users import province_of
from zhifa.clock import local_date, now

TRANSITIONS: dict[str, tuple[str, ...]] = {
    "filed": ("investigating", "transferred", "withdrawn"),
    "investigating": ("decided", "transferred", "withdrawn"),
    "decided": ("served",),
    "served": ("executed",),
    "executed": ("closed",),
}
STAMP = {"decided": "decided_at", "served": "served_at", "executed": "executed_at", "closed": "closed_at"}


def valid_officers(session: Session, case: Case, on: date) -> list[Officer]:
    """Officers on the case whose enforcement certificate is valid on ``on``."""
    out = []
    for link in case.officers:
        officer = session.get(Officer, link.officer_id)
        if officer is None or not officer.cert_no:
            continue
        if officer.cert_valid_from and officer.cert_valid_from > on:
            continue
        if officer.cert_valid_to and officer.cert_valid_to < on:
            continue
        out.append(officer)
    return out


def generated(session: Session, case_id: str) -> set[str]:
    return set(session.scalars(select(Document.doc_type).where(Document.case_id == case_id)))


def required_documents(session: Session, case: Case, to: str) -> list[str]:
    """Documents that must exist before entering ``to`` (filing order)."""
    preservation = approvals.approved(session, case.case_id, "preservation") is not None
    need: list[str] = []
    if to in ("investigating", "transferred"):
        need += ["inspection_record"]
        need += ["preservation_approval", "preservation_notice"] if preservation else []
    if to == "decided":
        need += ["valuation_table"] if case.items else []
        need += ["prior_notice"]
        province = province_of(session, case.unit_code)
        threshold = refdata.number("hearing_fine_threshold", province, case.seized_on)
        if case.fine_amount is not None and case.fine_amount > threshold:
            need += ["hearing_notice"]
    if to == "served":
        need += ["penalty_decision", "service_receipt"]
    if to == "transferred":
        need += ["transfer_letter"]
    return need


def problems(session: Session, case: Case, to: str) -> list[str]:
    """Everything that blocks ``case`` from entering ``to``; empty means allowed."""
    out: list[str] = []
    if to in ("investigating", "decided"):
        if case.filed_at is None:
            out.append("立案未经批准 / filing not approved")
        on = local_date(case.filed_at) if case.filed_at else local_date(now())
        province = province_of(session, case.unit_code)
        minimum = refdata.days("officers_min", province, on)
        if len(valid_officers(session, case, on)) < minimum:
            out.append(
                f"持有效执法证的执法人员少于{minimum}名 / "
                f"fewer than {minimum} officers with valid certificates"
            )
    if to == "decided":
        out += _decision_problems(session, case)
    if to == "transferred":
        out += legal_review.problems(session, case, transferring=True)
    missing = [d for d in required_documents(session, case, to) if d not in generated(session, case.case_id)]
    if missing:
        out.append(f"缺少文书 / documents missing: {', '.join(missing)}")
    return out


def _decision_problems(session: Session, case: Case) -> list[str]:
    out: list[str] = []
    if case.fine_amount is None:
        return ["未录入罚款金额 / no fine recorded"]
    d = discretion(session, case)
    if not d.within_statutory(case.fine_amount):
        out.append(f"罚款超出法定幅度 {d.fine_min}–{d.fine_max} / fine outside the statutory range")
    elif not d.within_tier(case.fine_amount) and not approvals.deviation_approved_for(session, case):
        out.append("超出裁量档次的罚款未经批准 / deviation from the benchmark tier not approved")
    out += legal_review.problems(session, case)
    pending = approvals.latest(session, case.case_id, "preservation")
    if pending is not None and pending.outcome == "approved":
        handled = approvals.approved(session, case.case_id, "preservation_handling")
        if handled is None:
            out.append("先行登记保存物品未处理 / preserved goods not yet handled")
    return out


def transition(session: Session, case: Case, to: str, reason: str | None, transferred_to: str | None) -> None:
    if to not in TRANSITIONS.get(case.status, ()):
        raise Conflict(
            "ILLEGAL_TRANSITION",
            f"不能从 {case.status} 变为 {to} / cannot go from {case.status} to {to}",
        )
    if to in ("withdrawn", "transferred") and not reason:
        raise Invalid("REASON_REQUIRED", "撤案或移送须说明理由 / a reason is required")
    if to == "transferred" and not transferred_to:
        raise Invalid("TRANSFER_TARGET_REQUIRED", "须注明移送机关 / transferred_to is required")
    blocking = problems(session, case, to)
    if blocking:
        raise Conflict("TRANSITION_BLOCKED", "；".join(blocking), detail=blocking)
    at = now()
    case.status, case.updated_at = to, at
    if to in STAMP:
        setattr(case, STAMP[to], at)
    if reason:
        case.status_reason = reason
    if transferred_to:
        case.transferred_to = transferred_to
