"""Records kept after a case is closed: the archived dossier (归档)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from api.models.capture import Base


class Archive(Base):
    """One per archived case: the merged dossier PDF and the manifest of every file in it, each by its
    SHA-256, so a later change to any stored file is found by :func:`api.capture.services.archive.verify`."""

    __tablename__ = "archives"
    case_id: Mapped[str] = mapped_column(String(30), ForeignKey("cases.case_id"), primary_key=True)
    archive_no: Mapped[str] = mapped_column(String(80), unique=True)
    retention: Mapped[str] = mapped_column(String(20))
    pdf_sha256: Mapped[str] = mapped_column(String(64), ForeignKey("stored_files.sha256"))
    pages: Mapped[int] = mapped_column(Integer)
    manifest: Mapped[dict[str, Any]] = mapped_column(JSON)
    manifest_sha256: Mapped[str] = mapped_column(String(64))
    archived_by: Mapped[int] = mapped_column(Integer, ForeignKey("users.id"))
    archived_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
