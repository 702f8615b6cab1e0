"""Dossier-review tables (电子案卷评查): dossiers and their recognised files, versioned review rules,
machine and human reviews, review tasks (pool, sampling, re-review, arbitration) and sampling draws.

A dossier may belong to a case captured here or to one imported in bulk, so ``case_id`` is not a foreign
key; ``unit_code`` (the unit that handled the case) scopes who may see it. Every table the warehouse
extracts carries ``updated_at`` for the watermark.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from api.models.capture import Base

Points = Numeric(6, 2)


class Dossier(Base):
    """One electronic dossier per case; files are added to it and every addition re-runs machine review."""

    __tablename__ = "dossiers"
    dossier_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(String(30), unique=True)
    unit_code: Mapped[str] = mapped_column(String(12), ForeignKey("units.unit_code"), index=True)
    violation_code: Mapped[str | None] = mapped_column(String(40))
    decided_on: Mapped[date | None] = mapped_column(Date, index=True)  # the sampling period filter
    status: Mapped[str] = mapped_column(String(20), default="received")  # received | reviewed | final
    # latest machine review, copied here so lists and sampling need no join
    machine_review_id: Mapped[int | None] = mapped_column(Integer)
    machine_score: Mapped[Decimal | None] = mapped_column(Points)
    machine_grade: Mapped[str | None] = mapped_column(String(20))
    machine_veto: Mapped[bool | None] = mapped_column(Boolean)
    # the score that counts once human review is done, and the documented rule that produced it
    final_score: Mapped[Decimal | None] = mapped_column(Points)
    final_grade: Mapped[str | None] = mapped_column(String(20))
    final_rule: Mapped[str | None] = mapped_column(String(30))
    uploaded_by: Mapped[int] = mapped_column(Integer, ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class DossierFile(Base):
    """A file of a dossier and what recognition made of it; a file that could not be read keeps its error."""

    __tablename__ = "dossier_files"
    file_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    dossier_id: Mapped[int] = mapped_column(Integer, ForeignKey("dossiers.dossier_id"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    sha256: Mapped[str | None] = mapped_column(String(64), ForeignKey("stored_files.sha256"))
    size: Mapped[int] = mapped_column(Integer)
    media_type: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(12))  # recognised | error
    error_code: Mapped[str | None] = mapped_column(String(40))
    error: Mapped[str | None] = mapped_column(Text)  # 中文 / English
    doc_type: Mapped[str | None] = mapped_column(String(40))
    method: Mapped[str | None] = mapped_column(String(12))  # text | docx | ocr
    pages: Mapped[int | None] = mapped_column(Integer)
    fields: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)  # [{field, value, page}]
    uploaded_by: Mapped[int] = mapped_column(Integer, ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ReviewRule(Base):
    """One version of one review rule. Editing a rule adds a version; the built-in rules of reference data
    are version 1 of their ids. ``condition`` NULL = a rule only a human can check."""

    __tablename__ = "review_rules"
    __table_args__ = (UniqueConstraint("rule_id", "version"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    rule_id: Mapped[str] = mapped_column(String(20), index=True)
    version: Mapped[int] = mapped_column(Integer)
    category: Mapped[str] = mapped_column(String(40))
    name_zh: Mapped[str] = mapped_column(String(200))
    description_zh: Mapped[str | None] = mapped_column(Text)
    legal_basis: Mapped[str | None] = mapped_column(Text)
    condition: Mapped[str | None] = mapped_column(Text)
    evidence_template_zh: Mapped[str | None] = mapped_column(Text)
    deduct_points: Mapped[Decimal] = mapped_column(Points)
    veto: Mapped[bool] = mapped_column(Boolean, default=False)
    needs_human: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    origin: Mapped[str] = mapped_column(String(12), default="api")  # reference | api
    note: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[int | None] = mapped_column(Integer, ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ReviewRuleSet(Base):
    """A numbered rule set: which version of every rule was in force. Every score records one."""

    __tablename__ = "review_rule_sets"
    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    rule_versions: Mapped[dict[str, int]] = mapped_column(JSON)  # rule_id -> version (active rules only)
    note: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[int | None] = mapped_column(Integer, ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class MachineReview(Base):
    """The machine review of a dossier under one rule set: facts, per-rule findings, score and grade."""

    __tablename__ = "machine_reviews"
    review_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    dossier_id: Mapped[int] = mapped_column(Integer, ForeignKey("dossiers.dossier_id"), index=True)
    rule_set_version: Mapped[int] = mapped_column(Integer)
    facts: Mapped[dict[str, Any]] = mapped_column(JSON)
    # [{rule_id, rule_version, outcome: passed|failed|not_checked|human, deducted_points, veto, evidence}]
    findings: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    total_score: Mapped[Decimal] = mapped_column(Points)
    grade: Mapped[str] = mapped_column(String(20))
    veto: Mapped[bool] = mapped_column(Boolean, default=False)
    n_checked: Mapped[int] = mapped_column(Integer)
    n_failed: Mapped[int] = mapped_column(Integer)
    n_needs_human: Mapped[int] = mapped_column(Integer)
    duration_ms: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class SamplingPlan(Base):
    """A sampling plan (抽查方案) with its seed: the same plan and seed always draw the same dossiers."""

    __tablename__ = "sampling_plans"
    plan_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(120))
    unit_code: Mapped[str] = mapped_column(String(12), ForeignKey("units.unit_code"))  # owner; scope
    # {decided_from, decided_to, unit_codes, violation_codes}
    filters: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    rate: Mapped[Decimal | None] = mapped_column(Numeric(6, 4))
    count_per_unit: Mapped[int | None] = mapped_column(Integer)
    stratify_by: Mapped[str | None] = mapped_column(String(20))  # unit_code | violation_code | None
    weight_by_risk: Mapped[bool] = mapped_column(Boolean, default=False)
    seed: Mapped[str] = mapped_column(String(64))
    created_by: Mapped[int] = mapped_column(Integer, ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class SamplingDraw(Base):
    """One execution of a plan, logged with everything needed to re-derive it."""

    __tablename__ = "sampling_draws"
    draw_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    plan_id: Mapped[int] = mapped_column(Integer, ForeignKey("sampling_plans.plan_id"), index=True)
    seed: Mapped[str] = mapped_column(String(64))
    algorithm: Mapped[str] = mapped_column(String(40))
    population: Mapped[list[str]] = mapped_column(JSON)  # case ids in canonical order
    population_digest: Mapped[str] = mapped_column(String(64))
    weights: Mapped[dict[str, float] | None] = mapped_column(JSON)
    selected: Mapped[list[str]] = mapped_column(JSON)  # case ids drawn, in draw order
    drawn_by: Mapped[int] = mapped_column(Integer, ForeignKey("users.id"))
    drawn_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ReviewTask(Base):
    """Work for a human reviewer. Pool tasks are claimed (抢单) under a lease; ``lock_version`` makes a claim
    a compare-and-set so two reviewers can never both hold one task."""

    __tablename__ = "review_tasks"
    task_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    dossier_id: Mapped[int] = mapped_column(Integer, ForeignKey("dossiers.dossier_id"), index=True)
    mode: Mapped[str] = mapped_column(String(12))  # pool | sample | re_review | arbitration
    status: Mapped[str] = mapped_column(
        String(12), default="open", index=True
    )  # open|claimed|submitted|cancelled
    parent_task_id: Mapped[int | None] = mapped_column(Integer, ForeignKey("review_tasks.task_id"))
    draw_id: Mapped[int | None] = mapped_column(Integer, ForeignKey("sampling_draws.draw_id"))
    publisher_unit: Mapped[str] = mapped_column(String(12), ForeignKey("units.unit_code"))
    published_by: Mapped[int] = mapped_column(Integer, ForeignKey("users.id"))
    published_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    assignee_id: Mapped[int | None] = mapped_column(Integer, ForeignKey("users.id"), index=True)
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    lease_expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    lock_version: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class HumanReview(Base):
    """A reviewer's scored review of a dossier, made through a task."""

    __tablename__ = "human_reviews"
    review_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    task_id: Mapped[int] = mapped_column(Integer, ForeignKey("review_tasks.task_id"), unique=True)
    dossier_id: Mapped[int] = mapped_column(Integer, ForeignKey("dossiers.dossier_id"), index=True)
    reviewer_id: Mapped[int] = mapped_column(Integer, ForeignKey("users.id"), index=True)
    mode: Mapped[str] = mapped_column(String(12))
    parent_review_id: Mapped[int | None] = mapped_column(Integer, ForeignKey("human_reviews.review_id"))
    machine_review_id: Mapped[int | None] = mapped_column(Integer, ForeignKey("machine_reviews.review_id"))
    rule_set_version: Mapped[int] = mapped_column(Integer)
    total_score: Mapped[Decimal] = mapped_column(Points)
    grade: Mapped[str] = mapped_column(String(20))
    veto: Mapped[bool] = mapped_column(Boolean, default=False)
    comment: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    submitted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class HumanReviewItem(Base):
    """A line of a human review: a machine finding confirmed or rejected, or the reviewer's own deduction."""

    __tablename__ = "human_review_items"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    review_id: Mapped[int] = mapped_column(Integer, ForeignKey("human_reviews.review_id"), index=True)
    rule_id: Mapped[str] = mapped_column(String(20))
    decision: Mapped[str] = mapped_column(String(12))  # confirmed | rejected | added
    deducted_points: Mapped[Decimal] = mapped_column(Points)
    veto: Mapped[bool] = mapped_column(Boolean, default=False)
    comment: Mapped[str | None] = mapped_column(Text)
