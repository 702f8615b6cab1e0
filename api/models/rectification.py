"""Rectification tables (整改, issue #19): a task to the handling unit opened by a review with deductions,
and one line per finding with the unit's answer and the reviewer's re-check. States: ``zhifa.rectification``.
Both carry ``updated_at`` for the warehouse watermark."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, Date, DateTime, ForeignKey, Integer, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from api.models.capture import Base


class Rectification(Base):
    """One rectification task of one dossier; ``reviewer_id`` is who re-checks the answers."""

    __tablename__ = "rectifications"
    rectification_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    dossier_id: Mapped[int] = mapped_column(Integer, ForeignKey("dossiers.dossier_id"), index=True)
    case_id: Mapped[str] = mapped_column(String(30))
    unit_code: Mapped[str] = mapped_column(String(12), ForeignKey("units.unit_code"), index=True)
    source: Mapped[str] = mapped_column(String(16))  # human_review | machine_review
    human_review_id: Mapped[int | None] = mapped_column(Integer, ForeignKey("human_reviews.review_id"))
    machine_review_id: Mapped[int | None] = mapped_column(Integer, ForeignKey("machine_reviews.review_id"))
    officer_ids: Mapped[list[str]] = mapped_column(JSON, default=list)  # responsible officers (the case's)
    deducted_points: Mapped[Decimal] = mapped_column(Numeric(6, 2))
    threshold: Mapped[Decimal] = mapped_column(Numeric(6, 2))  # the setting in force when it opened
    status: Mapped[str] = mapped_column(String(10), index=True)  # open | answered | returned | closed
    opened_by: Mapped[int] = mapped_column(Integer, ForeignKey("users.id"))
    reviewer_id: Mapped[int] = mapped_column(Integer, ForeignKey("users.id"), index=True)
    opened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    due_date: Mapped[date] = mapped_column(Date)
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # latest full answer
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_by: Mapped[int | None] = mapped_column(Integer, ForeignKey("users.id"))
    rounds: Mapped[int] = mapped_column(Integer, default=0)  # re-checks done (returned ones included)
    return_reason: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class RectificationItem(Base):
    """One finding to rectify: the rule and deduction, the unit's answer and the re-check."""

    __tablename__ = "rectification_items"
    item_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    rectification_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("rectifications.rectification_id"), index=True
    )
    rule_id: Mapped[str] = mapped_column(String(20))
    rule_name_zh: Mapped[str | None] = mapped_column(String(200))
    deducted_points: Mapped[Decimal] = mapped_column(Numeric(6, 2))
    finding: Mapped[str | None] = mapped_column(Text)  # the reviewer's comment or the machine's evidence
    status: Mapped[str] = mapped_column(String(10))  # pending | corrected | disputed | accepted | returned
    outcome: Mapped[str | None] = mapped_column(String(10))  # the latest answer: corrected | disputed
    answer_text: Mapped[str | None] = mapped_column(Text)  # explanation (corrected) or reason (disputed)
    document_sha256: Mapped[str | None] = mapped_column(String(64), ForeignKey("stored_files.sha256"))
    document_name: Mapped[str | None] = mapped_column(String(200))
    answered_by: Mapped[int | None] = mapped_column(Integer, ForeignKey("users.id"))
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    recheck_reason: Mapped[str | None] = mapped_column(Text)
    rechecked_by: Mapped[int | None] = mapped_column(Integer, ForeignKey("users.id"))
    rechecked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
