"""Upward reporting and transfer: a case's duties towards other units, the recipient's record of each, and
the 案件移送函 of a criminal transfer."""

from __future__ import annotations

from fastapi import APIRouter, Request
from sqlalchemy.orm import Session

from api.capture.schemas_upward import AcknowledgeIn, ChecklistItem, TransferLetterIn, UpwardReportOut
from api.capture.services import cases, upward
from api.deps import DB, CurrentUser, Officer, PathId, TxRoute
from api.models import UpwardReport

router = APIRouter(tags=["upward reports"], route_class=TxRoute)


def _out(db: Session, row: UpwardReport) -> UpwardReportOut:
    items = [ChecklistItem.model_validate(c) for c in upward.checklist(db, row)]
    return UpwardReportOut.model_validate({**row.__dict__, "checklist": items})


@router.get("/cases/{case_id}/upward-reports", response_model=list[UpwardReportOut], summary="Duties upward")
def for_case(case_id: str, db: DB, user: CurrentUser) -> list[UpwardReportOut]:
    return [_out(db, r) for r in upward.for_case(db, cases.get_visible(db, user, case_id))]


@router.post(
    "/upward-reports/{report_id}/acknowledge", response_model=UpwardReportOut, summary="Record as recipient"
)
def acknowledge(report_id: PathId, body: AcknowledgeIn, db: DB, user: CurrentUser) -> UpwardReportOut:
    row, _ = upward.get_visible(db, user, report_id)
    return _out(db, upward.acknowledge(db, user, row, body.note))


@router.post(
    "/upward-reports/{report_id}/transfer-letter",
    response_model=UpwardReportOut,
    status_code=201,
    summary="Generate the 案件移送函",
)
def transfer_letter(
    report_id: PathId, body: TransferLetterIn, db: DB, user: Officer, request: Request
) -> UpwardReportOut:
    row, case = upward.get_visible(db, user, report_id)
    root = request.app.state.settings.documents_dir
    upward.transfer_letter(db, user, row, cases.get_writable(db, user, case.case_id), body.to, root)
    return _out(db, row)
