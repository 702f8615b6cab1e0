"""Cases: create (Idempotency-Key), read, update, items, state transitions."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response
from sqlalchemy import select

from api.capture.schemas import CaseCreate, CaseOut, CaseStatus, CaseUpdate, ItemIn, TransitionIn
from api.capture.services import cases, upward, workflow
from api.deps import DB, ID_MAX, CurrentUser, IdemKey, Officer, PathId, TxRoute
from api.models import Case
from api.platform.services import audit
from api.platform.services.users import visible_units

router = APIRouter(prefix="/cases", tags=["cases"], route_class=TxRoute)


@router.post(
    "",
    response_model=CaseOut,
    status_code=201,
    summary="Create a case",
    responses={200: {"description": "replayed: the case created earlier with this key"}},
)
def create(
    body: CaseCreate, db: DB, user: Officer, response: Response, idempotency_key: IdemKey = None
) -> Case:
    case, created = cases.create_case(db, user, body, idempotency_key)
    if not created:
        response.status_code = 200
        response.headers["Idempotent-Replayed"] = "true"
    return case


@router.get("", response_model=list[CaseOut], summary="Cases in the user's scope")
def list_cases(
    db: DB,
    user: CurrentUser,
    status: CaseStatus | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=ID_MAX)] = 0,
) -> list[Case]:
    stmt = select(Case).order_by(Case.created_at.desc(), Case.case_id).limit(limit).offset(offset)
    units = visible_units(db, user)
    if units is not None:
        stmt = stmt.where(Case.unit_code.in_(units))
    if status:
        stmt = stmt.where(Case.status == status)
    return list(db.scalars(stmt))


@router.get("/{case_id}", response_model=CaseOut, summary="One case")
def read(case_id: str, db: DB, user: CurrentUser) -> Case:
    return cases.get_visible(db, user, case_id)


@router.patch("/{case_id}", response_model=CaseOut, summary="Update party, place, facts, officers…")
def update(case_id: str, body: CaseUpdate, db: DB, user: Officer) -> Case:
    return cases.update_case(db, user, cases.get_writable(db, user, case_id), body)


@router.post(
    "/{case_id}/items",
    response_model=CaseOut,
    status_code=201,
    summary="Add seized goods",
    responses={200: {"description": "replayed: the line was added earlier with this key"}},
)
def add_item(
    case_id: str, body: ItemIn, db: DB, user: Officer, response: Response, idempotency_key: IdemKey = None
) -> Case:
    """By barcode (pack, carton or case code; typed, scanned or from `/scan`) or product code.
    Quantities are converted to cartons (条). With an Idempotency-Key a retry adds nothing twice."""
    case = cases.get_writable(db, user, case_id)
    if not cases.add_item(db, user, case, body, idempotency_key):
        response.status_code = 200
        response.headers["Idempotent-Replayed"] = "true"
    return case


@router.delete("/{case_id}/items/{line_no}", response_model=CaseOut, summary="Remove a line")
def delete_item(case_id: str, line_no: PathId, db: DB, user: Officer) -> Case:
    case = cases.get_writable(db, user, case_id)
    cases.delete_item(db, user, case, line_no)
    return case


@router.post("/{case_id}/transitions", response_model=CaseOut, summary="Move the case to another state")
def transition(case_id: str, body: TransitionIn, db: DB, user: Officer) -> Case:
    case = cases.get_writable(db, user, case_id)
    before = audit.snapshot(case)
    workflow.transition(db, case, body.to, body.reason, body.transferred_to)
    db.flush()
    if body.to in upward.FOUND_ON:
        upward.sync(db, user, case)  # duties towards other units, in their 待办 from now on
    audit.record_change(
        db, user, case, action=f"transition:{body.to}", entity="case", entity_id=case.case_id, before=before
    )
    return case


@router.get("/{case_id}/transitions/{to}", response_model=list[str], summary="What still blocks a transition")
def blockers(case_id: str, to: CaseStatus, db: DB, user: CurrentUser) -> list[str]:
    return workflow.problems(db, cases.get_visible(db, user, case_id), to)
