"""Resumable uploads of photos and videos (issue #16 §5): ``POST`` opens a session, ``PUT …?offset=N``
sends a chunk (raw bytes), ``HEAD``/``GET`` tell the offset the server holds, ``POST …/complete`` with the
SHA-256 makes the upload. Services: ``api/capture/services/resumable.py``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Path, Query, Request, Response

from api.capture.schemas import UploadOut
from api.capture.schemas_uploads import CompleteIn, UploadSessionIn, UploadSessionOut
from api.capture.services import cases, resumable
from api.deps import DB, CurrentUser, IdemKey, Officer, TxRoute
from api.models import Upload, UploadSession

router = APIRouter(prefix="/cases/{case_id}/upload-sessions", tags=["uploads"], route_class=TxRoute)
SessionId = Annotated[str, Path(pattern="^[0-9a-f]{32}$")]


def _out(request: Request, row: UploadSession) -> UploadSessionOut:
    out = UploadSessionOut.model_validate(row)
    out.chunk_max_bytes = request.app.state.api_settings.upload_chunk_max_bytes
    return out


@router.post("", response_model=UploadSessionOut, status_code=201, summary="Open a resumable upload")
def start(
    case_id: str,
    body: UploadSessionIn,
    request: Request,
    response: Response,
    db: DB,
    user: Officer,
    idempotency_key: IdemKey = None,
) -> UploadSessionOut:
    """The size is checked against ``ZHIFA_API_MAX_UPLOAD_BYTES`` now; a video's step and start time too.
    The same Idempotency-Key answers the session it opened before (200)."""
    case = cases.get_writable(db, user, case_id)
    settings = request.app.state.api_settings
    meta = body.model_dump(include={"description", "step", "device_id", "started_at", "ended_at"})
    row, replayed = resumable.start(
        db,
        request.app.state.settings.uploads_dir,
        user,
        case,
        filename=body.filename,
        size=body.size,
        kind=body.kind,
        meta=meta,
        max_bytes=settings.max_upload_bytes,
        hours=settings.upload_session_hours,
        client_key=idempotency_key,
    )
    if replayed:
        response.status_code = 200
        response.headers["Idempotent-Replayed"] = "true"
    db.flush()
    return _out(request, row)


@router.get("/{session_id}", response_model=UploadSessionOut, summary="How much of the upload arrived")
def status(
    case_id: str, session_id: SessionId, request: Request, db: DB, user: CurrentUser
) -> UploadSessionOut:
    cases.get_visible(db, user, case_id)
    return _out(request, resumable.get(db, user, case_id, session_id))


@router.head("/{session_id}", summary="The received offset as headers (Upload-Offset, Upload-Length)")
def status_head(case_id: str, session_id: SessionId, db: DB, user: CurrentUser) -> Response:
    cases.get_visible(db, user, case_id)
    row = resumable.get(db, user, case_id, session_id)
    return Response(headers={"Upload-Offset": str(row.received), "Upload-Length": str(row.size)})


@router.put(
    "/{session_id}",
    response_model=UploadSessionOut,
    summary="Send the chunk starting at the received offset (raw bytes)",
    responses={409: {"description": "OFFSET_MISMATCH: the message names the offset the server holds"}},
)
def chunk(
    case_id: str,
    session_id: SessionId,
    offset: Annotated[int, Query(ge=0, le=2**40)],
    data: Annotated[bytes, Body(media_type="application/octet-stream")],
    request: Request,
    db: DB,
    user: Officer,
) -> UploadSessionOut:
    cases.get_writable(db, user, case_id)
    row = resumable.get(db, user, case_id, session_id)
    settings = request.app.state.api_settings
    resumable.put_chunk(
        db,
        request.app.state.settings.uploads_dir,
        row,
        offset,
        data,
        chunk_max=settings.upload_chunk_max_bytes,
        hours=settings.upload_session_hours,
    )
    return _out(request, row)


@router.post(
    "/{session_id}/complete",
    response_model=UploadOut,
    status_code=201,
    summary="Finish: the whole file's SHA-256 must match the bytes received",
    responses={200: {"description": "replayed: completed before"}},
)
def complete(
    case_id: str,
    session_id: SessionId,
    body: CompleteIn,
    request: Request,
    response: Response,
    db: DB,
    user: Officer,
) -> Upload:
    case = cases.get_writable(db, user, case_id)
    row = resumable.get(db, user, case_id, session_id)
    done, replayed = resumable.complete(
        db, request.app.state.settings.uploads_dir, user, case, row, body.sha256
    )
    if replayed:
        response.status_code = 200
        response.headers["Idempotent-Replayed"] = "true"
    return done
