"""Electronic dossiers (电子案卷): one per case; uploads add recognised files and re-run machine review.

Other parts of the API call :func:`review_dossier` (e.g. after a rule is switched on) and read the
:class:`~api.models.MachineReview` rows it writes.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.capture.services import uploads
from api.core.config import ApiSettings
from api.core.errors import DomainError, Forbidden, Invalid, TooLarge, case_not_found
from api.models import Case, Counter, Dossier, DossierFile, MachineReview, Unit, User
from api.platform.services import audit, storage
from api.platform.services.users import in_scope, visible_units
from api.review.services import machine_review
from api.review.services.dossier_unpack import Part, unpack
from ingestion.recognition import recognise_bytes
from ingestion.recognition.sniff import is_encrypted_office, sniff
from zhifa.clock import local_date, now

MEDIA = {"pdf": "application/pdf", "docx": uploads.DOCX}


def _usable(db: Session, dossier: Dossier) -> bool:
    recognised = select(DossierFile.file_id).where(
        DossierFile.dossier_id == dossier.dossier_id, DossierFile.status == "recognised"
    )
    return db.scalars(recognised.limit(1)).first() is not None


def _nothing_usable(detail: list[dict[str, str | None]] | None = None) -> DomainError:
    return Invalid(
        "NOTHING_USABLE",
        "上传的文件均无法识别，未保存 / none of the uploaded files could be read; nothing was saved",
        detail=detail,
    )


def review_dossier(db: Session, dossier: Dossier) -> MachineReview:
    """Re-run machine review of ``dossier`` with the rule set in force now (caller commits). A dossier
    without one readable document is never scored (its score would say nothing about any paper)."""
    if not _usable(db, dossier):
        raise _nothing_usable()
    return machine_review.run(db, dossier)


def get_visible(db: Session, user: User, dossier_id: int) -> Dossier:
    dossier = db.get(Dossier, dossier_id)
    return in_scope(db, user, dossier, "DOSSIER_NOT_FOUND", f"案卷不存在 / dossier {dossier_id} not found")


def _not_uploader() -> DomainError:
    return Forbidden(
        "NOT_CASE_UNIT",
        "只有承办单位的执法人员可上传案卷 / only officers of the handling unit upload its dossiers",
    )


def _check_uploader(user: User, unit_code: str) -> None:
    if "admin" in user.role_set:
        return
    if "officer" not in user.role_set or user.unit_code != unit_code:
        raise _not_uploader()


OWN_CASE_ID = re.compile(r"C(\d{6})(\d{4})(\d{5})")  # numbering.case_id: C + unit + year + serial


def _unit_of_new_id(db: Session, case_id: str) -> str | None:
    """The unit a case id not captured here belongs to, when it is in the API's own numbering (a case of
    a unit in the store); None for another system's id. Raises 404 for an id this store would hand out
    itself (its unit and year are numbered here): only the captured case may own it."""
    m = OWN_CASE_ID.fullmatch(case_id)
    if m is None or db.get(Unit, m.group(1)) is None:
        return None
    if db.get(Counter, (m.group(1), int(m.group(2)), "case")) is not None:
        raise case_not_found()  # not yet created (or never will be): nobody may squat it
    return m.group(1)


def open_dossier(
    db: Session, user: User, case_id: str, unit_code: str | None, violation_code: str | None
) -> Dossier:
    """The case's dossier, created on first upload. A case captured here fixes unit and violation; an id in
    the API's numbering fixes the unit. Another unit's case, or an id this store has not created yet, looks
    exactly like a missing case (404) — a dossier can never be opened for someone else's case id."""
    case = db.get(Case, case_id)
    existing = db.scalars(select(Dossier).where(Dossier.case_id == case_id)).first()
    if case is not None:
        owner: str | None = case.unit_code
    elif existing is not None:
        owner = existing.unit_code
    else:
        owner = _unit_of_new_id(db, case_id)
    unit = owner or unit_code or user.unit_code
    units = visible_units(db, user)
    if owner is not None and units is not None and owner not in units:
        raise case_not_found()
    if owner is not None and owner != user.unit_code and "admin" not in user.role_set:
        raise case_not_found() if case is None and existing is None else _not_uploader()
    if unit_code and unit_code != unit:
        raise Invalid("UNIT_MISMATCH", "案件不属于该单位 / the case belongs to another unit")
    if db.get(Unit, unit) is None:
        raise Invalid("UNKNOWN_UNIT", f"单位不存在 / unknown unit {unit}")
    _check_uploader(user, unit)
    if existing is not None:
        if violation_code and not existing.violation_code:
            existing.violation_code = violation_code
        return existing
    at = now()
    dossier = Dossier(
        case_id=case_id,
        unit_code=unit,
        violation_code=case.violation_code if case is not None else violation_code,
        decided_on=local_date(case.decided_at) if case is not None and case.decided_at else None,
        status="received",
        uploaded_by=user.id,
        created_at=at,
        updated_at=at,
    )
    audit.add_created(db, user, dossier, action="create", entity="dossier", entity_id="dossier_id")
    return dossier


@dataclass
class Incoming:
    filename: str | None
    data: bytes


def _error_code(data: bytes, messages: list[str]) -> str:
    kind = sniff(data)
    if kind == "ole":
        return "PASSWORD_PROTECTED" if is_encrypted_office(data) else "LEGACY_DOC"
    if kind in ("unknown", "zip"):  # an executable, a video, a spreadsheet …
        return "UNSUPPORTED_TYPE"
    if kind == "pdf" and any("加密" in m for m in messages):
        return "ENCRYPTED_PDF"
    return "UNREADABLE"


def _recognised_row(part: Part, user: User, dossier: Dossier, root: Path, db: Session) -> DossierFile:
    data = part.data or b""
    row = DossierFile(
        dossier_id=dossier.dossier_id,
        filename=part.filename,
        size=part.size,
        uploaded_by=user.id,
        uploaded_at=now(),
        fields=[],
    )
    if part.data is None:
        row.status, row.error_code, row.error = "error", part.error_code, part.error
        return row
    kind = sniff(data)
    if kind in ("pdf", "docx", "image"):  # documents are kept; anything else is only reported
        row.media_type = MEDIA.get(kind) or (uploads.sniff(data[:16]) or ("application/octet-stream",))[0]
        row.sha256 = storage.put(db, root, data, row.media_type)
    doc = recognise_bytes(data, part.filename)
    row.method = {"text_layer": "text", "docx": "docx", "ocr": "ocr"}.get(doc.text_source)
    row.pages = doc.pages
    # what was read where (field, value, page, line, position, source text): the reviewer's side-by-side
    # view; a file of unknown type keeps them for the reviewer too, but lends no fact (field_rows)
    row.fields = [f.as_json() for f in doc.located_fields()]
    if doc.doc_type is None:
        row.status = "error"
        row.error_code = "UNKNOWN_DOC_TYPE" if doc.text.strip() else _error_code(data, doc.errors)
        row.error = (
            "；".join(doc.errors) or f"未识别到文字：{part.filename} / no text recognised: {part.filename}"
        )
        return row
    row.status, row.doc_type = "recognised", doc.doc_type
    if doc.errors:  # readable, with a problem on some page: reported, its fields still used
        row.error_code, row.error = "PAGE_UNREADABLE", "；".join(doc.errors)
    return row


def add_files(
    db: Session,
    user: User,
    dossier: Dossier,
    incoming: list[Incoming],
    root: Path,
    settings: ApiSettings,
) -> list[DossierFile]:
    """Unpack, store, recognise and attach ``incoming``; a file already in the dossier (same bytes) is not
    added twice. Raises 422 when nothing in the request could be read (nothing is stored then)."""
    if not incoming:
        raise Invalid("NO_FILES", "没有上传文件 / no files sent")
    parts = [p for item in incoming for p in unpack(item.filename, item.data, settings)]
    if len(parts) > settings.dossier_max_files:
        parts = parts[: settings.dossier_max_files]
    known = set(
        db.scalars(
            select(DossierFile.sha256).where(
                DossierFile.dossier_id == dossier.dossier_id, DossierFile.sha256.is_not(None)
            )
        )
    )
    rows: list[DossierFile] = []
    for part in parts:
        digest = hashlib.sha256(part.data).hexdigest() if part.data is not None else None
        if digest is not None and digest in known:
            continue  # identical bytes: one file, whatever its name
        rows.append(_recognised_row(part, user, dossier, root, db))
        if digest is not None:
            known.add(digest)
    kept = db.scalar(select(func.coalesce(func.sum(DossierFile.size), 0)).where(
        DossierFile.dossier_id == dossier.dossier_id))  # fmt: skip
    if int(kept or 0) + sum(r.size for r in rows) > settings.dossier_max_bytes:
        limit = settings.dossier_max_bytes
        raise TooLarge(
            "DOSSIER_TOO_LARGE",
            f"案卷文件总大小将超过 {limit} 字节，未保存 / the dossier's files would exceed {limit} bytes; "
            "nothing was saved",
        )
    # copies of one unreadable file are still nothing usable (they once skipped this check and scored 100)
    if not any(r.status == "recognised" for r in rows) and not _usable(db, dossier):
        raise _nothing_usable(
            [{"filename": r.filename, "error_code": r.error_code, "error": r.error} for r in rows]
        )
    db.add_all(rows)
    dossier.updated_at = now()
    db.flush()
    audit.record_by(
        db,
        user,
        action="upload",
        entity="dossier",
        entity_id=str(dossier.dossier_id),
        after={"files": [{"file_id": r.file_id, "filename": r.filename, "sha256": r.sha256} for r in rows]},
    )
    return rows
