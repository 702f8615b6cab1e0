"""Training (培训, issue #19 §2): the catalogue, needs and effect from the warehouse, assignments by a
manager to officers of their subtree, completion by the officer."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Query, Request, UploadFile

from api.capture.services import uploads
from api.core.refdata import training_courses
from api.deps import DB, CurrentUser, TxRoute
from api.models import TrainingAssignment
from api.office.schemas_training import AssignIn, AssignmentOut, CourseOut, EffectOut, NeedsOut, OfficerRow
from api.office.services import training

router = APIRouter(prefix="/training", tags=["office"], route_class=TxRoute)


@router.get("/courses", response_model=list[CourseOut], summary="The training course catalogue")
def courses(user: CurrentUser) -> list[CourseOut]:
    return [CourseOut.model_validate(c) for c in training_courses().values()]


@router.get("/officers", response_model=list[OfficerRow], summary="Officers of my subtree (to assign)")
def officers(db: DB, user: CurrentUser) -> list[OfficerRow]:
    return [OfficerRow.model_validate(o) for o in training.officers(db, user)]


@router.get("/needs", response_model=NeedsOut, summary="Recommended courses in my subtree, with evidence")
def needs(request: Request, db: DB, user: CurrentUser) -> NeedsOut:
    """Officers and units of my subtree: courses ranked by the points they lose above the province's rate
    on the course's rules, with those rules and example cases (warehouse ``fct_training_recommendations``)."""
    source, rows = training.needs(db, user, request.app.state.settings.serve_warehouse_path)
    return NeedsOut.model_validate({"source": source, "rows": rows})


@router.get("/effect", response_model=EffectOut, summary="Before/after effect of each course")
def effect(request: Request, user: CurrentUser) -> EffectOut:
    source, rows = training.effect(request.app.state.settings.serve_warehouse_path)
    return EffectOut.model_validate({"source": source, "rows": rows})


@router.post("/assignments", response_model=list[AssignmentOut], status_code=201, summary="Assign a course")
def assign(body: AssignIn, db: DB, user: CurrentUser) -> list[TrainingAssignment]:
    return training.assign(db, user, body.course_id, body.officer_ids, body.due_date)


@router.get("/assignments", response_model=list[AssignmentOut], summary="Training assignments")
def assignments(
    db: DB, user: CurrentUser, mine: Annotated[bool, Query(description="only my own")] = False
) -> list[TrainingAssignment]:
    return list(training.listed(db, user, mine))


@router.post("/courses/{course_id}/completion", response_model=AssignmentOut, summary="Mark my course done")
def complete(
    course_id: str,
    request: Request,
    db: DB,
    user: CurrentUser,
    score: Annotated[float | None, Form(ge=0, le=100)] = None,
    certificate: Annotated[UploadFile | None, File()] = None,
) -> TrainingAssignment:
    """With an exam score (0–100) or a certificate (PDF, PNG, JPEG) or both; a course not assigned to me
    is refused (409 TRAINING_NOT_ASSIGNED)."""
    data = None
    if certificate is not None:
        data = uploads.read_limited(certificate.file, request.app.state.api_settings.max_upload_bytes)
    return training.complete(db, user, request.app.state.settings.uploads_dir, course_id, score, data)
