"""Electronic dossiers: upload (files or one zip), recognition, machine review and its report.

Officers of the handling unit upload; reviewers, quality staff, managers (and anyone whose scope covers the
unit) read. Another unit's dossier does not exist for the caller (404).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, File, Form, Query, Request, Response, UploadFile
from sqlalchemy import select

from api.core.errors import NotFound, TooLarge
from api.deps import DB, ID_MAX, CurrentUser, PathId, TxRoute
from api.models import Dossier, DossierFile, MachineReview
from api.platform.services.users import visible_units
from api.review.schemas_dossiers import DossierDetail, DossierFileOut, DossierOut, MachineReport
from api.review.services import dossiers, review_reports

router = APIRouter(prefix="/dossiers", tags=["dossiers"], route_class=TxRoute)

Files = Annotated[list[UploadFile], File(description="dossier files (PDF, DOCX, PNG/JPEG scans) or one zip")]


def _incoming(files: list[UploadFile], limit: int) -> list[dossiers.Incoming]:
    out = []
    for f in files:
        data = f.file.read(limit + 1)
        if len(data) > limit:
            raise TooLarge("TOO_LARGE", f"文件超过 {limit} 字节 / file larger than {limit} bytes")
        out.append(dossiers.Incoming(f.filename, data))
    return out


def _upload(
    request: Request, db: DB, user: CurrentUser, dossier: Dossier, files: list[UploadFile]
) -> Dossier:
    settings = request.app.state.api_settings
    incoming = _incoming(files, settings.max_upload_bytes)
    dossiers.add_files(db, user, dossier, incoming, request.app.state.settings.uploads_dir, settings)
    dossiers.review_dossier(db, dossier)
    return dossier


@router.post("", response_model=DossierDetail, status_code=201, summary="Upload a dossier and review it")
def upload(
    request: Request,
    db: DB,
    user: CurrentUser,
    case_id: Annotated[str, Form(min_length=4, max_length=30, pattern=r"^[A-Za-z0-9_-]+$")],
    files: Files,
    unit_code: Annotated[str | None, Form(max_length=12)] = None,
    violation_code: Annotated[str | None, Form(max_length=40)] = None,
) -> DossierDetail:
    """Creates the case's dossier (one per case) or adds to it. A zip is expanded one level (a zip inside
    it is refused). Every file is recognised and the whole dossier machine-reviewed; a file that cannot be
    read is listed with its error, the rest is still reviewed. 422 `NOTHING_USABLE` when no file could be
    read. `unit_code` (default: the uploader's unit) and `violation_code` are for cases not captured here."""
    dossier = dossiers.open_dossier(db, user, case_id, unit_code, violation_code)
    return _detail(db, _upload(request, db, user, dossier, files))


@router.post("/{dossier_id}/files", response_model=DossierDetail, status_code=201, summary="Add files")
def add_files(request: Request, db: DB, user: CurrentUser, dossier_id: PathId, files: Files) -> DossierDetail:
    dossier = dossiers.get_visible(db, user, dossier_id)
    dossiers.open_dossier(db, user, dossier.case_id, None, None)  # the uploader check
    return _detail(db, _upload(request, db, user, dossier, files))


@router.get("", response_model=list[DossierOut], summary="Dossiers in the caller's scope")
def list_dossiers(
    db: DB,
    user: CurrentUser,
    unit_code: Annotated[str | None, Query(max_length=12)] = None,
    case_id: Annotated[str | None, Query(max_length=30)] = None,
    status: Annotated[str | None, Query(max_length=20)] = None,
    grade: Annotated[str | None, Query(max_length=20)] = None,
    veto: bool | None = None,
    decided_from: date | None = None,
    decided_to: date | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=ID_MAX)] = 0,
) -> list[Dossier]:
    stmt = select(Dossier).order_by(Dossier.updated_at.desc(), Dossier.dossier_id).limit(limit).offset(offset)
    units = visible_units(db, user)
    if units is not None:
        stmt = stmt.where(Dossier.unit_code.in_(sorted(units)))
    filters = {
        Dossier.unit_code: unit_code,
        Dossier.case_id: case_id,
        Dossier.status: status,
        Dossier.machine_grade: grade,
        Dossier.machine_veto: veto,
    }
    for column, value in filters.items():
        if value is not None:
            stmt = stmt.where(column == value)
    if decided_from is not None:
        stmt = stmt.where(Dossier.decided_on >= decided_from)
    if decided_to is not None:
        stmt = stmt.where(Dossier.decided_on <= decided_to)
    return list(db.scalars(stmt))


@router.get("/{dossier_id}", response_model=DossierDetail, summary="A dossier, its files and its report")
def get_dossier(db: DB, user: CurrentUser, dossier_id: PathId) -> DossierDetail:
    return _detail(db, dossiers.get_visible(db, user, dossier_id))


@router.get("/{dossier_id}/machine-review", response_model=MachineReport, summary="Machine review report")
def machine_report(db: DB, user: CurrentUser, dossier_id: PathId) -> MachineReport:
    return _report(db, dossiers.get_visible(db, user, dossier_id))


@router.post("/{dossier_id}/machine-review", response_model=MachineReport, summary="Re-run machine review")
def rerun(db: DB, user: CurrentUser, dossier_id: PathId) -> MachineReport:
    """Reviews the dossier again under the rule set in force now (uploaders, quality staff, admin)."""
    dossier = dossiers.get_visible(db, user, dossier_id)
    if not (user.role_set & {"quality", "admin"}):
        dossiers.open_dossier(db, user, dossier.case_id, None, None)
    dossiers.review_dossier(db, dossier)
    return _report(db, dossier)


_FORMATS = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
}


@router.get(
    "/{dossier_id}/report.{fmt}", summary="Report download (xlsx, docx, pdf)", response_class=Response
)
def report_file(db: DB, user: CurrentUser, dossier_id: PathId, fmt: str) -> Response:
    if fmt not in _FORMATS:
        raise NotFound("NOT_FOUND", f"不支持的格式 / unknown report format {fmt}")
    report = _report(db, dossiers.get_visible(db, user, dossier_id))
    data = review_reports.render(report, fmt)
    name = f"machine-review-{report.case_id}.{fmt}"
    return Response(
        data, media_type=_FORMATS[fmt], headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


def _files(db: DB, dossier: Dossier) -> list[DossierFile]:
    stmt = (
        select(DossierFile).where(DossierFile.dossier_id == dossier.dossier_id).order_by(DossierFile.file_id)
    )
    return list(db.scalars(stmt))


def _detail(db: DB, dossier: Dossier) -> DossierDetail:
    report = _report(db, dossier) if dossier.machine_review_id is not None else None
    return DossierDetail(
        dossier=DossierOut.model_validate(dossier),
        files=[DossierFileOut.model_validate(f) for f in _files(db, dossier)],
        report=report,
    )


def _report(db: DB, dossier: Dossier) -> MachineReport:
    review = db.get(MachineReview, dossier.machine_review_id) if dossier.machine_review_id else None
    if review is None:
        raise NotFound("NOT_REVIEWED", "案卷尚未机器评查 / dossier not machine-reviewed yet")
    return review_reports.report(dossier, review, _files(db, dossier))
