"""Archiving a closed case (归档): the merged dossier, its manifest, verification and export."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import quote

from fastapi import APIRouter, File, Form, Request, Response, UploadFile

from api.capture.schemas_archive import ArchiveCheck, ArchiveOut
from api.capture.services import archive, archive_supplements, cases, uploads
from api.deps import DB, CurrentUser, Officer, TxRoute
from api.models import Archive

router = APIRouter(prefix="/cases/{case_id}", tags=["archive"], route_class=TxRoute)


def _roots(request: Request) -> tuple[Path, Path]:
    settings = request.app.state.settings
    return settings.documents_dir, settings.uploads_dir


@router.get("/archive/blocking", response_model=ArchiveCheck, summary="What still blocks archiving")
def blocking(case_id: str, db: DB, user: CurrentUser) -> ArchiveCheck:
    problems = archive.blocking(db, cases.get_visible(db, user, case_id))
    return ArchiveCheck(ok=not problems, messages=problems)


@router.post("/archive", response_model=ArchiveOut, status_code=201, summary="Archive a closed case")
def create(case_id: str, request: Request, db: DB, user: Officer) -> Archive:
    """Cover, contents with page ranges and remarks sheet are generated; the case's documents and uploaded
    PDFs/images are merged in filing order into one paginated, bookmarked PDF; the case becomes read-only."""
    case = cases.get_writable(db, user, case_id)
    return archive.archive_case(db, user, case, *_roots(request))


@router.post(
    "/archive/supplements", response_model=ArchiveOut, status_code=201, summary="Append a supplementary file"
)
def supplement(
    case_id: str,
    request: Request,
    db: DB,
    user: Officer,
    file: Annotated[UploadFile, File()],
    reason: Annotated[str, Form(min_length=1, max_length=500)],
) -> Archive:
    """The archived volume stays read-only: a correction is a PDF or image appended to the manifest with its
    reason; the manifest's new hash enters the audit chain."""
    case = cases.get_visible(db, user, case_id, lock=True)
    name = uploads.safe_filename(file.filename)
    data = uploads.read_limited(file.file, request.app.state.api_settings.max_upload_bytes)
    return archive_supplements.add(db, user, case, data, name, reason, _roots(request)[1])


@router.get("/archive", response_model=ArchiveOut, summary="The archive of a case and its manifest")
def read(case_id: str, db: DB, user: CurrentUser) -> Archive:
    return archive.get(db, cases.get_visible(db, user, case_id))


@router.get("/archive/verification", response_model=ArchiveCheck, summary="Check every archived file's hash")
def verification(case_id: str, request: Request, db: DB, user: CurrentUser) -> ArchiveCheck:
    problems = archive.verify(archive.get(db, cases.get_visible(db, user, case_id)), *_roots(request))
    return ArchiveCheck(ok=not problems, messages=problems)


@router.get(
    "/archive.{fmt}",
    summary="Download the merged dossier (pdf) or the whole archive with its manifest (zip)",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}, "application/zip": {}}}},
)
def download(
    case_id: str, fmt: Literal["pdf", "zip"], request: Request, db: DB, user: CurrentUser
) -> Response:
    row = archive.get(db, cases.get_visible(db, user, case_id))
    documents_root, uploads_root = _roots(request)
    if fmt == "zip":
        data, media = archive.export_zip(row, documents_root, uploads_root), "application/zip"
    else:
        data, media = archive.merged_pdf(row, documents_root, uploads_root), "application/pdf"
    name = quote(f"{row.archive_no}.{fmt}")
    return Response(
        data, media_type=media, headers={"Content-Disposition": f"attachment; filename*=UTF-8''{name}"}
    )
