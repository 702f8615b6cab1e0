"""Archiving (归档, DOMAIN.md §6–§7): a closed case's documents assembled in filing order into one
paginated, bookmarked PDF with its cover, contents (卷内目录) and remarks sheet (备考表); an archive
number and retention; a manifest of every file by SHA-256, whose hash enters the audit chain; the case
read-only from then on."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.capture.services import approvals, legal_review
from api.capture.services.documents import context
from api.core import refdata
from api.core.errors import Conflict, NotFound
from api.models import Archive, Case, Document, Upload, User
from api.platform.services import audit, storage
from api.platform.services.users import province_of
from zhifa.clock import as_utc, local_date, now
from zhifa.documents import build_document, cover_number, lookup, render_pdf
from zhifa.documents.archive import ArchivePart, ContentsRow, RemarksSheet, assemble
from zhifa.dossier_conditions import ConditionFacts
from zhifa.dossier_conditions import conditions as dossier_conditions
from zhifa.reproducible import normalise_zip

MADE_BY_THE_ARCHIVE = {"cover", "contents", "remarks"}
MERGEABLE = {"application/pdf", "image/png", "image/jpeg", "image/tiff"}


@dataclass(frozen=True)
class StoredPart:
    """A file of the dossier: where its bytes are and what the manifest says of it."""

    title: str
    doc_no: str | None
    source: str  # document | upload
    source_id: int
    sha256: str
    media_type: str
    root: Path
    filing_order: int
    issued_at: Any


def conditions(session: Session, case: Case) -> frozenset[str]:
    """The ``required_when`` conditions a case meets (zhifa/dossier_conditions.py, which the warehouse's
    int_case_conditions.sql matches), from the facts the store holds."""
    decided = case.decided_at is not None
    province = province_of(session, case.unit_code)
    extension = approvals.latest(session, case.case_id, "extension")
    facts = ConditionFacts(
        preserved=approvals.latest(session, case.case_id, "preservation") is not None,
        decided=decided,
        fine_amount=case.fine_amount,
        hearing_threshold=refdata.number("hearing_fine_threshold", province, case.seized_on),
        extension_days=case.extension_days or 0,
        extension_approved=extension is not None and extension.outcome == "approved",
        collective_discussion=legal_review.discussion(session, case) is not None,
        transferred=case.status == "transferred" or case.transferred_to is not None,
        withdrawn=case.status == "withdrawn",
        report_source=case.source == "report",
        closed=case.status in ("closed", "archived") or case.closed_at is not None,
    )
    return dossier_conditions(facts)


def _documents(session: Session, case: Case) -> list[Document]:
    return list(session.scalars(select(Document).where(Document.case_id == case.case_id)))


def blocking(session: Session, case: Case) -> list[str]:
    """Everything that keeps ``case`` from being archived, in words; empty means it may be archived."""
    if case.status == "archived":
        return ["案件已归档 / already archived"]
    if case.status != "closed":
        return [f"只有已结案的案件才能归档（当前状态 {case.status}）/ only closed cases are archived"]
    have = {d.doc_type for d in _documents(session, case)}
    required = refdata.reference().required_documents(conditions(session, case))
    missing = [lookup(t).title for t in required if t not in MADE_BY_THE_ARCHIVE and t not in have]
    return [f"缺少文书：{'、'.join(missing)} / required documents missing"] if missing else []


def _parts(session: Session, case: Case, documents_root: Path, uploads_root: Path) -> list[StoredPart]:
    order = {str(r.doc_type): int(r.filing_order) for r in refdata.reference().document_types.itertuples()}
    last = max(order.values()) + 1  # uploaded material without a type goes after the typed documents
    parts = [
        StoredPart(
            lookup(d.doc_type).title,
            d.doc_no,
            "document",
            d.document_id,
            d.pdf_sha256,
            "application/pdf",
            documents_root,
            order.get(d.doc_type, last),
            d.issued_at,
        )
        for d in _documents(session, case)
        if d.doc_type not in MADE_BY_THE_ARCHIVE
    ]
    uploads = session.scalars(
        select(Upload)
        .where(Upload.case_id == case.case_id, Upload.kind == "dossier")
        .order_by(Upload.upload_id)
    )
    parts += [
        StoredPart(
            u.description or u.filename,
            None,
            "upload",
            u.upload_id,
            u.sha256,
            u.media_type,
            uploads_root,
            last,
            u.uploaded_at,
        )
        for u in uploads
    ]
    return sorted(parts, key=lambda p: (p.filing_order, as_utc(p.issued_at), p.source, p.source_id))


def _as_pdf(data: bytes, media_type: str) -> bytes:
    if media_type == "application/pdf":
        return data
    with Image.open(io.BytesIO(data)) as img:
        out = io.BytesIO()
        img.convert("RGB").save(out, "PDF", resolution=150)
        return out.getvalue()


def _recordings(session: Session, case: Case) -> list[dict[str, Any]]:
    videos = session.scalars(
        select(Upload)
        .where(Upload.case_id == case.case_id, Upload.kind == "video")
        .order_by(Upload.upload_id)
    )
    return [
        {
            "upload_id": v.upload_id,
            "step": v.step,
            "device_id": v.device_id,
            "sha256": v.sha256,
            "started_at": v.started_at.isoformat() if v.started_at else None,
        }
        for v in videos
    ]


def archive_case(
    session: Session, user: User, case: Case, documents_root: Path, uploads_root: Path
) -> Archive:
    problems = blocking(session, case)
    if problems:
        raise Conflict("ARCHIVE_BLOCKED", "；".join(problems), detail=problems)
    at = now()
    ctx = context(session, case)
    archive_no = cover_number(ctx.unit_abbr, ctx.year, ctx.serial)
    province = province_of(session, case.unit_code)
    retention = str(refdata.setting("archive_retention", province, local_date(at)))
    stored = _parts(session, case, documents_root, uploads_root)
    merged = [p for p in stored if p.media_type in MERGEABLE]
    recordings = _recordings(session, case)
    notes = [f"执法记录仪视频 {len(recordings)} 段，按清单另行保存（不装订）。"] if recordings else []
    notes += [f"{p.title}（非 PDF/图片）按清单另行保存。" for p in stored if p.media_type not in MERGEABLE]
    cover = render_pdf(
        build_document("cover", ctx, doc_no=archive_no, issued_at=local_date(case.closed_at or at))
    )
    dossier = assemble(
        cover,
        [
            ArchivePart(
                p.title,
                p.doc_no,
                local_date(p.issued_at),
                _as_pdf(storage.read(p.root, p.sha256), p.media_type),
            )
            for p in merged
        ],
        archive_no,
        RemarksSheet(user.username, local_date(at), notes or ["无"]),
    )
    pdf_sha = storage.put(session, documents_root, dossier.pdf, "application/pdf")
    pages = {(p.source, p.source_id): row for p, row in zip(merged, dossier.contents, strict=True)}
    total_pages = dossier.front_pages + sum(r.last_page - r.first_page + 1 for r in dossier.contents)
    manifest = {
        "archive_no": archive_no,
        "case_id": case.case_id,
        "retention": retention,
        "archived_at": at.isoformat(),
        "pdf": {"sha256": pdf_sha, "pages": total_pages},
        "files": [
            {
                "seq": i,
                "title": p.title,
                "doc_no": p.doc_no,
                "source": p.source,
                "id": p.source_id,
                "sha256": p.sha256,
                "media_type": p.media_type,
                **_page_range(pages.get((p.source, p.source_id))),
            }
            for i, p in enumerate(stored, start=1)
        ],
        "recordings": recordings,
    }
    row = Archive(
        case_id=case.case_id,
        archive_no=archive_no,
        retention=retention,
        pdf_sha256=pdf_sha,
        pages=total_pages,
        manifest=manifest,
        manifest_sha256=manifest_digest(manifest),
        archived_by=user.id,
        archived_at=at,
    )
    before = audit.snapshot(case)
    case.status, case.updated_at = "archived", at
    audit.record_change(
        session, user, case, action="archive", entity="case", entity_id=case.case_id, before=before
    )
    audit.add_created(session, user, row, action="archive", entity="archive", entity_id="case_id")
    return row


def _page_range(row: ContentsRow | None) -> dict[str, int | None]:
    """Where a file sits in the merged PDF; None for files kept beside it (DOCX, zip)."""
    return {"first_page": row.first_page if row else None, "last_page": row.last_page if row else None}


def manifest_digest(manifest: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(manifest, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def get(session: Session, case: Case) -> Archive:
    row = session.get(Archive, case.case_id)
    if row is None:
        raise NotFound("ARCHIVE_NOT_FOUND", "案件尚未归档 / the case is not archived")
    return row


def _root(row: dict[str, Any], documents_root: Path, uploads_root: Path) -> Path:
    return documents_root if row["source"] == "document" else uploads_root


def verify(archive: Archive, documents_root: Path, uploads_root: Path) -> list[str]:
    """Every file of the archive whose bytes no longer hash to what was recorded, named; empty: intact."""
    problems = []
    if manifest_digest(archive.manifest) != archive.manifest_sha256:
        problems.append("清单被改动 / manifest changed")
    targets = [("卷宗 PDF", documents_root, archive.pdf_sha256)]
    targets += [
        (f"{f['seq']} {f['title']}", _root(f, documents_root, uploads_root), f["sha256"])
        for f in archive.manifest.get("files", [])
    ]
    for name, root, sha in targets:
        path = storage.blob_path(root, sha)
        if not path.exists():
            problems.append(f"{name}：文件缺失 / missing")
        elif hashlib.sha256(path.read_bytes()).hexdigest() != sha:
            problems.append(f"{name}：校验值不符 / sha256 differs")
    return problems


def merged_pdf(archive: Archive, documents_root: Path, uploads_root: Path) -> bytes:
    path = storage.blob_path(documents_root, archive.pdf_sha256)
    data = path.read_bytes() if path.exists() else b""
    if hashlib.sha256(data).hexdigest() != archive.pdf_sha256:
        raise Conflict(
            "ARCHIVE_TAMPERED", "卷宗 PDF：文件缺失或校验值不符 / the merged PDF is missing or changed"
        )
    return data


def export_zip(archive: Archive, documents_root: Path, uploads_root: Path) -> bytes:
    """The archive as a zip: the merged PDF, each file as stored, and ``manifest.json``; refused if any file
    no longer matches its recorded hash (the zip would carry a tampered file)."""
    problems = verify(archive, documents_root, uploads_root)
    if problems:
        raise Conflict("ARCHIVE_TAMPERED", "；".join(problems), detail=problems)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("dossier.pdf", storage.read(documents_root, archive.pdf_sha256))
        for f in archive.manifest["files"]:
            ext = {"application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpg", "image/tiff": "tif"}
            name = f"files/{f['seq']:02d}-{f['title']}.{ext.get(f['media_type'], 'bin')}"
            zf.writestr(name, storage.read(_root(f, documents_root, uploads_root), f["sha256"]))
        zf.writestr(
            "manifest.json", json.dumps(archive.manifest, ensure_ascii=False, indent=2, sort_keys=True)
        )
    return normalise_zip(buf.getvalue())
