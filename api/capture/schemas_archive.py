"""Request and response bodies of archiving (归档)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from api.core.schema_types import Orm, UtcDatetime


class ArchiveOut(Orm):
    case_id: str
    archive_no: str
    retention: str
    pdf_sha256: str
    pages: int
    manifest: dict[str, Any]
    manifest_sha256: str
    archived_at: UtcDatetime


class ArchiveCheck(BaseModel):
    """``blocking``: what keeps a case from being archived; ``problems``: files of an archive whose bytes
    no longer match the manifest. Both in words, empty when all is well."""

    ok: bool
    messages: list[str]
