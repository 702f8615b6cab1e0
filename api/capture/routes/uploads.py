"""Dossier files and enforcement-recorder videos attached to a case."""

from __future__ import annotations

import hashlib
from typing import Annotated, Literal

from fastapi import APIRouter, File, Form, Request, Response, UploadFile

from api.capture.schemas import UploadOut
from api.capture.services import cases, idempotency, uploads
from api.core.bounds import PlausibleDatetime
from api.core.errors import Invalid, NotFound
from api.deps import DB, CurrentUser, IdemKey, Officer, PathId, TxRoute
from api.models import Upload
from api.platform.services import storage

router = APIRouter(prefix="/cases/{case_id}/uploads", tags=["uploads"], route_class=TxRoute)

Step = Literal["inspection", "preservation", "inquiry", "notice", "hearing", "service"]


@router.post(
    "",
    response_model=UploadOut,
    status_code=201,
    summary="Upload a dossier file or a video",
    responses={200: {"description": "replayed: uploaded earlier with this Idempotency-Key"}},
)
def upload(
    case_id: str,
    request: Request,
    response: Response,
    db: DB,
    user: Officer,
    file: Annotated[UploadFile, File()],
    kind: Annotated[Literal["dossier", "video"], Form()] = "dossier",
    description: Annotated[str | None, Form(max_length=200)] = None,
    step: Annotated[Step | None, Form()] = None,
    device_id: Annotated[str | None, Form(max_length=60)] = None,
    started_at: Annotated[PlausibleDatetime | None, Form()] = None,
    ended_at: Annotated[PlausibleDatetime | None, Form()] = None,
    sha256: Annotated[str | None, Form(pattern="^[0-9a-fA-F]{64}$")] = None,
    idempotency_key: IdemKey = None,
) -> Upload:
    """The type is sniffed from the bytes (PDF, PNG, JPEG, TIFF, DOCX/ZIP; MP4, MOV, AVI, WebM);
    the declared type is ignored. Names with a path or `..` are refused. A recorder video needs its
    procedural step, recorder device and start time; `sha256`, when sent, is checked against the bytes."""
    case = cases.get_writable(db, user, case_id)
    name = uploads.safe_filename(file.filename)
    data = uploads.read_limited(file.file, request.app.state.api_settings.max_upload_bytes)
    digest = hashlib.sha256(data).hexdigest()
    if sha256 is not None and sha256.lower() != digest:
        raise Invalid(
            "HASH_MISMATCH", "文件校验值不符，传输可能不完整 / sha256 of the bytes received differs"
        )
    request_hash = idempotency.digest(
        {"case": case_id, "sha256": digest, "kind": kind, "name": name, "step": step}
    )
    if idempotency_key and (
        earlier := uploads.replayed(db, user, case_id, digest, idempotency_key, request_hash)
    ):
        response.status_code = 200
        response.headers["Idempotent-Replayed"] = "true"
        return earlier
    meta = {
        "description": description,
        "step": step,
        "device_id": device_id,
        "started_at": started_at,
        "ended_at": ended_at,
    }
    media = uploads.checked_type(data[:4096], kind, meta)
    sha = storage.put(db, request.app.state.settings.uploads_dir, data, media)
    row = uploads.record(db, user, case, kind, name, sha, media, len(data), meta)
    if idempotency_key:
        idempotency.remember(db, user, idempotency_key, request_hash, case.case_id)
    return row


@router.get("/{upload_id}/content", summary="Download an uploaded file", response_class=Response)
def content(case_id: str, upload_id: PathId, request: Request, db: DB, user: CurrentUser) -> Response:
    cases.get_visible(db, user, case_id)
    row = db.get(Upload, upload_id)
    if row is None or row.case_id != case_id:
        raise NotFound("UPLOAD_NOT_FOUND", f"文件不存在 / upload {upload_id} not found")
    data = storage.read(request.app.state.settings.uploads_dir, row.sha256)
    return Response(
        data,
        media_type=row.media_type,
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{_quote(row.filename)}"},
    )


def _quote(name: str) -> str:
    from urllib.parse import quote

    return quote(name, safe="")
