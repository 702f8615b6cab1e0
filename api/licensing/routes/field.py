"""The on-site check from the officer's phone: my tasks, a survey of any point (nearest retailers and
schools, each rule's outcome), and the signed record with GPS and photos."""

from __future__ import annotations

import hashlib
from typing import Annotated

from fastapi import APIRouter, File, Form, Query, Request, UploadFile

from api.capture.services import uploads
from api.core.errors import NotFound, Unsupported
from api.deps import DB, CurrentUser, IdemKey, Officer, TxRoute
from api.licensing.routes.applications import shape
from api.licensing.schemas import ApplicationOut, LayoutDataOut, Nearest, OnsiteOut, Outcome, SurveyOut
from api.licensing.services import applications, onsite
from api.models import OnsiteCheck
from api.platform.services import storage

router = APIRouter(prefix="/licensing", tags=["licensing"], route_class=TxRoute)
MAX_PHOTOS = 10


@router.get("/onsite-tasks", response_model=list[ApplicationOut], summary="My on-site checks")
def tasks(db: DB, user: Officer) -> list[ApplicationOut]:
    return [shape(db, r) for r in applications.tasks(db, user)]


@router.get("/survey", response_model=SurveyOut, summary="Distances and layout rules at a point")
def survey(
    db: DB,
    user: CurrentUser,
    lat: Annotated[float, Query(ge=-90, le=90)],
    lon: Annotated[float, Query(ge=-180, le=180)],
) -> SurveyOut:
    return SurveyOut(**onsite.survey(db, user.unit_code, lat, lon, None))


@router.get(
    "/applications/{application_id}/layout-data",
    response_model=LayoutDataOut,
    summary="The layout rules and sites for an on-site check, kept on the phone for offline use",
)
def layout_data(application_id: str, db: DB, user: Officer) -> LayoutDataOut:
    return LayoutDataOut(**onsite.layout_for(applications.get(db, user, application_id), db))


@router.post("/applications/{application_id}/onsite", response_model=OnsiteOut, status_code=201)
def record(
    application_id: str,
    request: Request,
    db: DB,
    user: Officer,
    signed_by: Annotated[str, Form(max_length=120)] = "",
    lat: Annotated[float | None, Form()] = None,
    lon: Annotated[float | None, Form()] = None,
    accuracy_m: Annotated[float | None, Form(ge=0, le=100_000)] = None,
    note: Annotated[str | None, Form(max_length=1000)] = None,
    photos: Annotated[list[UploadFile] | None, File(max_length=MAX_PHOTOS)] = None,
    idempotency_key: IdemKey = None,
) -> OnsiteOut:
    """Refused without GPS (GPS_REQUIRED) or without a photo (PHOTOS_REQUIRED); nothing is stored then.
    With an Idempotency-Key a retry answers the record stored the first time."""
    row = applications.get(db, user, application_id, lock=True)
    limit = request.app.state.api_settings.max_upload_bytes
    blobs = [uploads.read_limited(p.file, limit) for p in (photos or [])[:MAX_PHOTOS]]
    earlier = onsite.replay(
        db, user, row, idempotency_key, lat, [hashlib.sha256(b).hexdigest() for b in blobs]
    )
    if earlier is not None:
        return _out(earlier)
    media = []
    for data in blobs:
        sniffed = uploads.sniff(data[:4096])
        if sniffed is None or not sniffed[0].startswith("image/"):
            raise Unsupported("NOT_A_PHOTO", "现场照片须为图片文件 / photos must be images")
        media.append(sniffed[0])
    onsite.refuse_incomplete(db, user, row, lat, lon, len(blobs), signed_by)  # before any byte is stored
    shas = [
        storage.put(db, request.app.state.settings.uploads_dir, b, m)
        for b, m in zip(blobs, media, strict=True)
    ]
    check = onsite.record(
        db,
        user,
        row,
        lat=lat,
        lon=lon,
        accuracy_m=accuracy_m,
        photos=shas,
        signed_by=signed_by,
        note=note,
        client_key=idempotency_key,
    )
    return _out(check)


@router.get("/applications/{application_id}/onsite", response_model=OnsiteOut, summary="The on-site record")
def read_record(application_id: str, db: DB, user: CurrentUser) -> OnsiteOut:
    check = db.get(OnsiteCheck, applications.get(db, user, application_id).application_id)
    if check is None:
        raise NotFound("CHECK_MISSING", "尚无实地核查记录 / no on-site record yet")
    return _out(check)


def _out(check: OnsiteCheck) -> OnsiteOut:
    return OnsiteOut(
        application_id=check.application_id,
        lat=check.lat,
        lon=check.lon,
        photos=len(check.photos),
        signed_by=check.signed_by,
        checked_at=check.checked_at,
        nearest=[Nearest(**n) for n in onsite.nearest(check)],
        outcomes=[Outcome(**o) for o in onsite.outcomes(check)],
        passed=check.passed,
    )
