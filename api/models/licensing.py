"""Retail licensing (行政许可, DOMAIN.md §10): applications and their materials, the on-site check, issued
licences, the layout data (protected places, saved rule sets) and the public record of each decision."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from api.models.capture import Base


class LicenceApplication(Base):
    __tablename__ = "licence_applications"
    application_id: Mapped[str] = mapped_column(String(30), primary_key=True)
    unit_code: Mapped[str] = mapped_column(String(12), ForeignKey("units.unit_code"), index=True)
    kind: Mapped[str] = mapped_column(
        String(16)
    )  # new | renewal | change | suspension | cancellation | replacement
    # received | incomplete | accepted | approved | refused
    status: Mapped[str] = mapped_column(String(12), index=True)
    applicant_type: Mapped[str] = mapped_column(String(12))  # individual | organisation
    applicant_name: Mapped[str] = mapped_column(String(120))
    applicant_id_no: Mapped[str | None] = mapped_column(String(40))
    applicant_phone: Mapped[str | None] = mapped_column(String(30))
    shop_name: Mapped[str] = mapped_column(String(120))
    place_address: Mapped[str] = mapped_column(String(200))
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    licence_no: Mapped[str | None] = mapped_column(String(12), index=True)  # held (renewal…) or issued
    received_by: Mapped[int] = mapped_column(Integer, ForeignKey("users.id"))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    missing: Mapped[list[str] | None] = mapped_column(JSON)  # codes named in the last 补正材料通知书
    accepted_on: Mapped[date | None] = mapped_column(Date)
    due_on: Mapped[date | None] = mapped_column(Date)
    extended: Mapped[bool] = mapped_column(Boolean, default=False)
    extension_reason: Mapped[str | None] = mapped_column(Text)
    extension_approved_by: Mapped[int | None] = mapped_column(Integer, ForeignKey("users.id"))
    onsite_officers: Mapped[list[int] | None] = mapped_column(JSON)  # user ids assigned to the check
    outcome: Mapped[str | None] = mapped_column(String(10))  # approved | refused
    reasons: Mapped[str | None] = mapped_column(Text)
    remedies: Mapped[str | None] = mapped_column(Text)
    decided_by: Mapped[int | None] = mapped_column(Integer, ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    late: Mapped[bool] = mapped_column(Boolean, default=False)
    late_reason: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class LicenceMaterial(Base):
    __tablename__ = "licence_materials"
    material_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    application_id: Mapped[str] = mapped_column(
        String(30), ForeignKey("licence_applications.application_id"), index=True
    )
    material_code: Mapped[str] = mapped_column(String(40))
    filename: Mapped[str] = mapped_column(String(200))
    sha256: Mapped[str] = mapped_column(String(64), ForeignKey("stored_files.sha256"))
    uploaded_by: Mapped[int] = mapped_column(Integer, ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class OnsiteCheck(Base):
    """实地核查记录: where the officers stood (GPS), what they saw (photos), each layout rule's outcome."""

    __tablename__ = "licence_onsite_checks"
    application_id: Mapped[str] = mapped_column(
        String(30), ForeignKey("licence_applications.application_id"), primary_key=True
    )
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    accuracy_m: Mapped[float | None] = mapped_column(Float)
    photos: Mapped[list[str]] = mapped_column(JSON)  # SHA-256 of each photo (stored_files)
    findings: Mapped[list[dict[str, Any]]] = mapped_column(JSON)  # rule outcomes and nearest places
    passed: Mapped[bool] = mapped_column(Boolean)
    note: Mapped[str | None] = mapped_column(Text)
    signed_by: Mapped[str] = mapped_column(String(120))  # the applicant's signature name on the spot
    checked_by: Mapped[int] = mapped_column(Integer, ForeignKey("users.id"))
    checked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    client_key: Mapped[str | None] = mapped_column(String(100))  # the phone's Idempotency-Key


class Licence(Base):
    __tablename__ = "licences"
    licence_no: Mapped[str] = mapped_column(String(12), primary_key=True)
    unit_code: Mapped[str] = mapped_column(String(12), ForeignKey("units.unit_code"), index=True)
    application_id: Mapped[str] = mapped_column(String(30), ForeignKey("licence_applications.application_id"))
    holder_type: Mapped[str] = mapped_column(String(12))
    holder_name: Mapped[str] = mapped_column(String(120))
    shop_name: Mapped[str] = mapped_column(String(120))
    place_address: Mapped[str] = mapped_column(String(200))
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(12))  # valid | suspended | cancelled
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date] = mapped_column(Date)
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class HolderNotice(Base):
    """A reminder to a licence's holder (by SMS through the bureau's gateway): one per licence period, kept
    with its delivery so that a gateway down today sends it on a later run."""

    __tablename__ = "licence_holder_notices"
    __table_args__ = (UniqueConstraint("licence_no", "kind", "valid_to", name="uq_holder_notice_period"),)
    notice_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    licence_no: Mapped[str] = mapped_column(String(12), ForeignKey("licences.licence_no"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # renewal
    valid_to: Mapped[date] = mapped_column(Date)  # the period the notice is about
    phone: Mapped[str] = mapped_column(String(30))
    body: Mapped[str] = mapped_column(Text)
    created_on: Mapped[date] = mapped_column(Date)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(String(300))


class LayoutPlace(Base):
    """A protected place on the layout map (a school, a hospital…)."""

    __tablename__ = "layout_places"
    place_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    city_code: Mapped[str] = mapped_column(String(12), index=True)
    place_type: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(120))
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)


class LayoutRuleSet(Base):
    __tablename__ = "layout_rule_sets"
    rule_set_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    city_code: Mapped[str] = mapped_column(String(12), index=True)
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    rules: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    saved_by: Mapped[int] = mapped_column(Integer, ForeignKey("users.id"))
    saved_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class LicencePublication(Base):
    """The public record of a licensing decision (双公示), masked like a penalty decision's."""

    __tablename__ = "licence_publications"
    application_id: Mapped[str] = mapped_column(
        String(30), ForeignKey("licence_applications.application_id"), primary_key=True
    )
    public_text: Mapped[str] = mapped_column(Text)
    due_on: Mapped[date] = mapped_column(Date)
    channel: Mapped[str] = mapped_column(String(60))
    published_by: Mapped[int] = mapped_column(Integer, ForeignKey("users.id"))
    published_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
