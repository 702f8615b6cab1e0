"""The counter and the approver: receive an application with its materials, check completeness, assign
the on-site check, extend, decide, publish; the generated documents as PDF."""

from __future__ import annotations

import hashlib
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, File, Form, Query, Request, Response, UploadFile

from api.capture.services import uploads
from api.deps import DB, Approver, CurrentUser, TxRoute, require
from api.licensing.schemas import (
    ApplicationIn,
    ApplicationOut,
    AssignIn,
    DecisionIn,
    ExtendIn,
    MissingItem,
    PublicationOut,
    PublishIn,
)
from api.licensing.services import applications, decisions, publication
from api.models import LicenceApplication, LicencePublication, User
from api.platform.services import storage
from zhifa.documents.render import render_pdf
from zhifa.licensing.materials import required_materials

router = APIRouter(prefix="/licensing", tags=["licensing"], route_class=TxRoute)
DocType = Literal[
    "acceptance_notice",
    "correction_notice",
    "onsite_record",
    "approval_decision",
    "refusal_decision",
    "extension_notice",
]
# the licence counter (许可窗口): officers, or office staff with approval rights
Counter = Annotated[User, Depends(require("officer", "approver"))]
NOTICE = {"incomplete": "correction_notice", "accepted": "acceptance_notice"}


def shape(db: DB, row: LicenceApplication) -> ApplicationOut:
    columns = {c.key: getattr(row, c.key) for c in row.__table__.columns if c.key != "missing"}
    out = ApplicationOut.model_validate(columns)
    names = {m.code: m.name_zh for m in required_materials()[row.kind]}
    out.required = [MissingItem(code=c, name_zh=n) for c, n in names.items()]
    out.missing = [MissingItem(code=c, name_zh=names.get(c, c)) for c in row.missing or []]
    out.materials = sorted({m.material_code for m in applications.materials(db, row)})
    out.notice = NOTICE.get(row.status)
    return out


@router.post(
    "/applications", response_model=ApplicationOut, status_code=201, summary="Receive an application"
)
def receive(body: ApplicationIn, db: DB, user: Counter) -> ApplicationOut:
    """A new licence for a place already licensed (or already applied for) is refused (409)."""
    return shape(db, applications.receive(db, user, body.model_dump()))


@router.get("/applications", response_model=list[ApplicationOut], summary="Applications of my units")
def listing(
    db: DB, user: CurrentUser, status: Annotated[str | None, Query(max_length=12)] = None
) -> list[ApplicationOut]:
    return [shape(db, r) for r in applications.visible(db, user, status)]


@router.get("/applications/{application_id}", response_model=ApplicationOut, summary="One application")
def read(application_id: str, db: DB, user: CurrentUser) -> ApplicationOut:
    return shape(db, applications.get(db, user, application_id))


@router.post("/applications/{application_id}/materials", response_model=ApplicationOut, status_code=201)
def add_material(
    application_id: str,
    request: Request,
    db: DB,
    user: Counter,
    file: Annotated[UploadFile, File()],
    material_code: Annotated[str, Form(max_length=40)],
) -> ApplicationOut:
    """A scan or photo of one material (PDF, image); the type is sniffed from the bytes."""
    row = applications.get(db, user, application_id, lock=True)
    name = uploads.safe_filename(file.filename)
    data = uploads.read_limited(file.file, request.app.state.api_settings.max_upload_bytes)
    media = uploads.checked_type(data[:4096], "dossier", {})
    sha = storage.put(db, request.app.state.settings.uploads_dir, data, media)
    assert sha == hashlib.sha256(data).hexdigest()
    applications.add_material(db, user, row, material_code, name, sha)
    return shape(db, row)


@router.post("/applications/{application_id}/completeness", response_model=ApplicationOut)
def completeness(application_id: str, db: DB, user: Counter) -> ApplicationOut:
    """One 补正材料通知书 naming every missing item, or the 受理通知书 (the legal clock starts)."""
    row = applications.get(db, user, application_id, lock=True)
    return shape(db, applications.check_completeness(db, user, row))


@router.post("/applications/{application_id}/assignment", response_model=ApplicationOut)
def assign(application_id: str, body: AssignIn, db: DB, user: Approver) -> ApplicationOut:
    row = applications.get(db, user, application_id, lock=True)
    return shape(db, applications.assign(db, user, row, body.officers))


@router.post("/applications/{application_id}/extension", response_model=ApplicationOut)
def extend(application_id: str, body: ExtendIn, db: DB, user: Approver) -> ApplicationOut:
    """Once, with the head's approval: the due day moves by the extension's working days."""
    row = applications.get(db, user, application_id, lock=True)
    return shape(db, applications.extend(db, user, row, body.reason))


@router.post("/applications/{application_id}/decision", response_model=ApplicationOut)
def decide(application_id: str, body: DecisionIn, db: DB, user: Approver) -> ApplicationOut:
    row = applications.get(db, user, application_id, lock=True)
    return shape(
        db, decisions.decide(db, user, row, body.outcome, body.reasons, body.remedies, body.late_reason)
    )


@router.post("/applications/{application_id}/publication", response_model=PublicationOut, status_code=201)
def publish(application_id: str, body: PublishIn, db: DB, user: Approver) -> LicencePublication:
    row = applications.get(db, user, application_id, lock=True)
    return publication.publish(db, user, row, body.channel)


@router.get(
    "/applications/{application_id}/documents/{doc_type}.pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}},
    summary="A licensing document as PDF",
)
def document(application_id: str, doc_type: DocType, db: DB, user: CurrentUser) -> Response:
    row = applications.get(db, user, application_id)
    data = render_pdf(decisions.document(db, row, doc_type))
    name = f"{application_id}-{doc_type}.pdf"
    return Response(
        data, media_type="application/pdf", headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )
