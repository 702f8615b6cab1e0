"""Records of the three systems beyond the case row: collective discussions (集体讨论), publication
(行政执法公示), the archived dossier (归档) and duties towards other units (备案, 大案报告, 移送)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
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


class CollectiveDiscussion(Base):
    """The head's collective discussion of a major case (行政处罚法 §57): when, who, what was concluded."""

    __tablename__ = "collective_discussions"
    discussion_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(String(30), ForeignKey("cases.case_id"), index=True)
    held_on: Mapped[date] = mapped_column(Date)
    participants: Mapped[list[str]] = mapped_column(JSON)
    conclusion: Mapped[str] = mapped_column(Text)
    document_id: Mapped[int] = mapped_column(Integer, ForeignKey("documents.document_id"))
    recorded_by: Mapped[int] = mapped_column(Integer, ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Publication(Base):
    """The public record of a decided case (行政执法公示): the text as published, masked of personal data,
    when it was due (working days after the decision) and when, where and by whom it was published."""

    __tablename__ = "publications"
    case_id: Mapped[str] = mapped_column(String(30), ForeignKey("cases.case_id"), primary_key=True)
    status: Mapped[str] = mapped_column(String(12), index=True)  # draft | published
    public_text: Mapped[str] = mapped_column(Text)
    channel: Mapped[str | None] = mapped_column(String(60))
    due_on: Mapped[date] = mapped_column(Date)
    drafted_by: Mapped[int] = mapped_column(Integer, ForeignKey("users.id"))
    drafted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    published_by: Mapped[int | None] = mapped_column(Integer, ForeignKey("users.id"))
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)


class UpwardReport(Base):
    """A duty towards another unit (备案, 大案报告, 移送公安): in the recipient unit's 待办 from the moment
    it is found until the recipient records it. ``started_at`` starts the clock (the decision for 备案,
    the moment the case was found major or criminal otherwise); ``clock``/``limit_value`` are the rule in
    force then, so the warehouse recomputes lateness from the row itself."""

    __tablename__ = "upward_reports"
    __table_args__ = (UniqueConstraint("case_id", "kind", name="uq_upward_reports_case_kind"),)
    report_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(String(30), ForeignKey("cases.case_id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # filing | major_case | criminal_transfer
    from_unit: Mapped[str] = mapped_column(String(12), ForeignKey("units.unit_code"))
    to_unit: Mapped[str] = mapped_column(String(12), ForeignKey("units.unit_code"), index=True)
    name_zh: Mapped[str] = mapped_column(String(60))
    legal_basis: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(String(300))
    clock: Mapped[str] = mapped_column(String(12))  # working_days | hours
    limit_value: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(12), index=True)  # open | acknowledged
    acknowledged_by: Mapped[int | None] = mapped_column(Integer, ForeignKey("users.id"))
    acknowledged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
