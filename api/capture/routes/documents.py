"""One-click documents and the case dossier."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request, Response
from sqlalchemy import select

from api.capture.schemas import DocumentIn, DocumentOut, DossierOut, UploadOut
from api.capture.services import cases, documents
from api.capture.services.documents import DOCX
from api.core.errors import NotFound
from api.deps import DB, CurrentUser, Officer, PathId, TxRoute
from api.models import Document, Upload
from api.platform.services import storage

router = APIRouter(prefix="/cases/{case_id}", tags=["documents"], route_class=TxRoute)


@router.post("/documents", response_model=DocumentOut, status_code=201, summary="Generate a document")
def generate(case_id: str, body: DocumentIn, request: Request, db: DB, user: Officer) -> Document:
    """DOCX and PDF (Noto CJK embedded) filled from the case; numbered per unit, year and kind."""
    case = cases.get_writable(db, user, case_id)
    root = request.app.state.settings.documents_dir
    return documents.generate(db, user, case, body.doc_type, root, body.served_document_id)


@router.get("/dossier", response_model=DossierOut, summary="Documents and uploads of a case")
def dossier(case_id: str, db: DB, user: CurrentUser) -> DossierOut:
    cases.get_visible(db, user, case_id)
    docs = db.scalars(select(Document).where(Document.case_id == case_id).order_by(Document.document_id))
    ups = db.scalars(select(Upload).where(Upload.case_id == case_id).order_by(Upload.upload_id))
    return DossierOut(
        case_id=case_id,
        documents=[DocumentOut.model_validate(d) for d in docs],
        uploads=[UploadOut.model_validate(u) for u in ups],
    )


@router.get(
    "/documents/{document_id}.{fmt}",
    summary="Download a generated document",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}, DOCX: {}}}},
)
def download(
    case_id: str,
    document_id: PathId,
    fmt: Literal["pdf", "docx"],
    request: Request,
    db: DB,
    user: CurrentUser,
) -> Response:
    cases.get_visible(db, user, case_id)
    doc = db.get(Document, document_id)
    if doc is None or doc.case_id != case_id:
        raise NotFound("DOCUMENT_NOT_FOUND", f"文书不存在 / document {document_id} not found")
    sha = doc.pdf_sha256 if fmt == "pdf" else doc.docx_sha256
    data = storage.read(request.app.state.settings.documents_dir, sha)
    name = f"{case_id}-{doc.doc_type}-{document_id}.{fmt}"
    return Response(
        data,
        media_type="application/pdf" if fmt == "pdf" else DOCX,
        headers={"Content-Disposition": f'attachment; filename="{name}"', "ETag": sha},
    )
