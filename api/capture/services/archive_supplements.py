"""Supplementary documents after archiving (归档后的补充材料): the archived volume stays as bound, read-only;
a correction is a recorded supplementary file appended to the archive's manifest with its reason, who and
when. The manifest's new hash replaces the old one through an audited change of the archive row, so the audit
chain holds every version of the manifest, and verification and export cover the supplement like any file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from api.capture.services.archive import MERGEABLE, get, manifest_digest
from api.capture.services.uploads import sniff
from api.core.errors import Forbidden, Invalid, Unsupported
from api.models import Archive, Case, User
from api.platform.services import audit, storage
from zhifa.clock import now


def supplements(archive: Archive) -> list[dict[str, Any]]:
    return [f for f in archive.manifest.get("files", []) if f.get("source") == "supplement"]


def add(
    session: Session, user: User, case: Case, data: bytes, filename: str, reason: str, uploads_root: Path
) -> Archive:
    """Append one supplementary file (PDF or image) to the archive of ``case``, with its reason."""
    if "admin" not in user.role_set and ("officer" not in user.role_set or user.unit_code != case.unit_code):
        raise Forbidden(
            "NOT_CASE_UNIT", "只有承办单位的执法人员可补充材料 / only the handling unit's officers"
        )
    archive = get(session, case)  # 404 ARCHIVE_NOT_FOUND before archiving: corrections go into the case then
    if not reason.strip():
        raise Invalid("REASON_REQUIRED", "须说明补充或更正的理由 / a reason is required")
    sniffed = sniff(data[:4096])
    if sniffed is None or sniffed[0] not in MERGEABLE:
        raise Unsupported("UNSUPPORTED_TYPE", "补充材料须为 PDF 或图片 / a PDF or an image is required")
    sha = storage.put(session, uploads_root, data, sniffed[0])
    at = now()
    files = list(archive.manifest.get("files", []))
    entry = {
        "seq": len(files) + 1,
        "title": f"补充材料：{filename}",
        "doc_no": None,
        "source": "supplement",
        "id": len(supplements(archive)) + 1,
        "sha256": sha,
        "media_type": sniffed[0],
        "first_page": None,  # kept beside the bound volume, listed in the manifest
        "last_page": None,
        "reason": reason.strip(),
        "added_by": user.username,
        "added_at": at.isoformat(),
    }
    before = audit.snapshot(archive)
    manifest = {**archive.manifest, "files": [*files, entry]}
    archive.manifest, archive.manifest_sha256 = manifest, manifest_digest(manifest)
    audit.record_change(
        session, user, archive, action="supplement", entity="archive", entity_id=case.case_id, before=before
    )
    return archive
