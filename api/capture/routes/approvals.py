"""Approvals (filing, preservation, deviation, extension, legal review, …) and the deadlines list."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from sqlalchemy import select

from api.capture.schemas import ApprovalDecision, ApprovalIn, ApprovalOut, ChecklistItemOut, DeadlineOut
from api.capture.services import approvals, cases, clocks, legal_review
from api.core import refdata
from api.core.errors import Invalid, NotFound
from api.deps import DB, Approver, CurrentUser, Officer, PathId, TxRoute
from api.models import Approval, Case
from api.platform.services.users import visible_units
from zhifa.clock import today

router = APIRouter(tags=["approvals"], route_class=TxRoute)


@router.post(
    "/cases/{case_id}/approvals", response_model=ApprovalOut, status_code=201, summary="Request an approval"
)
def request(case_id: str, body: ApprovalIn, db: DB, user: Officer) -> Approval:
    if body.kind == "discretion_deviation":
        raise Invalid("USE_FINE_ENDPOINT", "裁量偏离通过 PUT /cases/{id}/fine 申请 / request it via the fine")
    case = cases.get_writable(db, user, case_id)
    payload: dict[str, object] = {"extension_days": body.extension_days} if body.extension_days else {}
    return approvals.request(db, user, case, body.kind, body.reason, payload)


@router.get("/cases/{case_id}/approvals", response_model=list[ApprovalOut], summary="A case's approvals")
def for_case(case_id: str, db: DB, user: CurrentUser) -> list[Approval]:
    cases.get_visible(db, user, case_id)
    return list(
        db.scalars(select(Approval).where(Approval.case_id == case_id).order_by(Approval.approval_id))
    )


@router.get("/approvals/pending", response_model=list[ApprovalOut], summary="Pending approvals in scope")
def pending(db: DB, user: Approver) -> list[Approval]:
    stmt = select(Approval).join(Case, Case.case_id == Approval.case_id).where(Approval.outcome == "pending")
    units = visible_units(db, user)
    if units is not None:
        stmt = stmt.where(Case.unit_code.in_(units))
    return list(db.scalars(stmt.order_by(Approval.requested_at)))


@router.post("/approvals/{approval_id}/decision", response_model=ApprovalOut, summary="Approve or reject")
def decide(approval_id: PathId, body: ApprovalDecision, request: Request, db: DB, user: Approver) -> Approval:
    """A legal review (法制审核) also takes a conclusion and needs an opinion; it generates the
    法制审核意见书."""
    approval = db.get(Approval, approval_id)
    if approval is None:
        raise NotFound("APPROVAL_NOT_FOUND", f"审批不存在 / approval {approval_id} not found")
    case = cases.get_visible(db, user, approval.case_id, lock=True)
    checklist = [e.model_dump() for e in body.checklist] if body.checklist is not None else None
    root = request.app.state.settings.documents_dir
    legal_review.decide(db, user, approval, case, body.outcome, body.conclusion, body.note, root, checklist)
    return approval


@router.get(
    "/legal-review/checklist", response_model=list[ChecklistItemOut], summary="The legal reviewer's checklist"
)
def checklist(_: CurrentUser) -> list[ChecklistItemOut]:
    """Reference data (``ref_legal_review_items``): what a legal review decision confirms or flags."""
    return [ChecklistItemOut(**i) for i in refdata.legal_review_items()]


@router.get("/deadlines", response_model=list[DeadlineOut], summary="Due and overdue steps per unit")
def deadlines(
    db: DB,
    user: CurrentUser,
    overdue_only: bool = False,
    within_days: Annotated[int | None, Query(ge=0, le=3650)] = None,
) -> list[DeadlineOut]:
    return clocks.deadline_rows(db, user, today(), within_days=within_days, overdue_only=overdue_only)
