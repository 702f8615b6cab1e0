"""Rectification (整改): open from accepted machine findings, list, read, answer per finding, attach a
supplementary document, re-check. Workflow: docs/review-workflow.md "Rectification"."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, File, Request, UploadFile
from fastapi.responses import Response

from api.core.errors import NotFound, TooLarge
from api.deps import DB, CurrentUser, PathId, TxRoute, require
from api.models import Rectification, User
from api.platform.services import storage
from api.review.schemas_rectifications import (
    AnswersIn,
    FileOut,
    ItemOut,
    OpenIn,
    RecheckIn,
    RectificationDetail,
    RectificationOut,
)
from api.review.services import rectifications as svc
from zhifa.clock import today
from zhifa.rectification import Recheck

router = APIRouter(tags=["rectification"], route_class=TxRoute)
Quality = Annotated[User, Depends(require("quality"))]
UnitSide = Annotated[User, Depends(require("officer", "manager"))]
Checker = Annotated[User, Depends(require("reviewer", "quality"))]


def out(db: DB, user: User, rect: Rectification) -> RectificationOut:
    o = RectificationOut.model_validate(rect)
    o.overdue = svc.overdue(rect, today())
    o.may_answer = rect.status in ("open", "returned") and svc.unit_side(db, user, rect)
    o.may_recheck = rect.status == "answered" and svc.checker(db, user, rect)
    return o


def detail(db: DB, user: User, rect: Rectification) -> RectificationDetail:
    d = RectificationDetail(**out(db, user, rect).model_dump())
    d.items = [ItemOut.model_validate(i) for i in svc.items_of(db, rect.rectification_id)]
    return d


@router.post(
    "/rectifications",
    response_model=RectificationDetail,
    status_code=201,
    summary="Open from machine findings",
)
def open_from_machine(body: OpenIn, db: DB, user: Quality) -> RectificationDetail:
    """Quality staff accept the machine review's failed findings as they stand (409 `NO_RECTIFICATION` when
    they deduct no more than the threshold or the dossier has an unfinished rectification)."""
    return detail(db, user, svc.from_machine_review(db, user, body.dossier_id))


@router.get("/rectifications", response_model=list[RectificationOut], summary="My rectifications")
def list_rectifications(
    db: DB, user: CurrentUser, status: Literal["open", "answered", "returned", "closed"] | None = None
) -> list[RectificationOut]:
    return [out(db, user, r) for r in svc.visible(db, user, status)]


@router.get(
    "/rectifications/{rectification_id}", response_model=RectificationDetail, summary="One rectification"
)
def get_rectification(rectification_id: PathId, db: DB, user: CurrentUser) -> RectificationDetail:
    return detail(db, user, svc.readable(db, user, rectification_id))


@router.post(
    "/rectifications/{rectification_id}/answers",
    response_model=RectificationDetail,
    summary="Answer findings",
)
def answer(rectification_id: PathId, body: AnswersIn, db: DB, user: UnitSide) -> RectificationDetail:
    answers = [
        svc.AnswerIn(a.item_id, a.outcome, a.text, a.document_sha256, a.document_name) for a in body.answers
    ]
    return detail(db, user, svc.answer(db, user, rectification_id, answers))


@router.post(
    "/rectifications/{rectification_id}/recheck",
    response_model=RectificationDetail,
    summary="Re-check answers",
)
def recheck(rectification_id: PathId, body: RecheckIn, db: DB, user: Checker) -> RectificationDetail:
    checks = [Recheck(c.item_id, c.decision, c.reason) for c in body.checks]
    return detail(db, user, svc.recheck(db, user, rectification_id, checks))


@router.post(
    "/rectifications/{rectification_id}/files",
    response_model=FileOut,
    status_code=201,
    summary="Attach a document",
)
def attach(
    rectification_id: PathId,
    request: Request,
    db: DB,
    user: UnitSide,
    file: Annotated[UploadFile, File(description="补正材料 (PDF, image, DOCX)")],
) -> FileOut:
    limit = request.app.state.api_settings.max_upload_bytes
    data = file.file.read(limit + 1)
    if len(data) > limit:
        raise TooLarge("TOO_LARGE", f"文件超过 {limit} 字节 / file larger than {limit} bytes")
    root = request.app.state.settings.uploads_dir
    media = file.content_type or "application/octet-stream"
    digest = svc.attach(db, user, root, rectification_id, data, media)
    return FileOut(sha256=digest, filename=file.filename or digest, size=len(data))


@router.get(
    "/rectifications/{rectification_id}/items/{item_id}/document",
    response_class=Response,
    summary="The supplementary document of an answer",
)
def document(
    rectification_id: PathId, item_id: PathId, request: Request, db: DB, user: CurrentUser
) -> Response:
    svc.readable(db, user, rectification_id)
    item = next((i for i in svc.items_of(db, rectification_id) if i.item_id == item_id), None)
    if item is None or item.document_sha256 is None:
        raise NotFound("DOCUMENT_NOT_FOUND", "补正材料不存在 / no document")
    data = storage.read(request.app.state.settings.uploads_dir, item.document_sha256)
    return Response(
        data, media_type="application/octet-stream", headers={"Cache-Control": "private, no-store"}
    )
