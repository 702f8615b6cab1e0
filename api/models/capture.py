"""Case-capture tables. Column names follow ../shared/CONTRACT.md where it has one."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

Money = Numeric(14, 2)


class Base(DeclarativeBase):
    pass


class Unit(Base):
    __tablename__ = "units"
    unit_code: Mapped[str] = mapped_column(String(12), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    level: Mapped[str] = mapped_column(String(10))
    parent_code: Mapped[str | None] = mapped_column(String(12), ForeignKey("units.unit_code"))
    abbreviation: Mapped[str | None] = mapped_column(String(20))
    # "/410000/410100/410122/": a unit's subtree is every path starting with its own.
    path: Mapped[str] = mapped_column(String(200), index=True)


class Officer(Base):
    __tablename__ = "officers"
    officer_id: Mapped[str] = mapped_column(String(20), primary_key=True)
    name: Mapped[str] = mapped_column(String(60))
    unit_code: Mapped[str] = mapped_column(String(12), ForeignKey("units.unit_code"), index=True)
    cert_no: Mapped[str | None] = mapped_column(String(40))
    cert_valid_from: Mapped[date | None] = mapped_column(Date)
    cert_valid_to: Mapped[date | None] = mapped_column(Date)
    roles: Mapped[str] = mapped_column(String(200), default="officer")


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(60), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    unit_code: Mapped[str] = mapped_column(String(12), ForeignKey("units.unit_code"))
    officer_id: Mapped[str | None] = mapped_column(String(20), ForeignKey("officers.officer_id"))
    roles: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    @property
    def role_set(self) -> set[str]:
        return {r for r in self.roles.split(";") if r}


class Product(Base):
    __tablename__ = "products"
    product_code: Mapped[str] = mapped_column(String(40), primary_key=True)
    brand: Mapped[str] = mapped_column(String(60))
    spec_name: Mapped[str] = mapped_column(String(120))
    manufacturer: Mapped[str | None] = mapped_column(String(120))
    pack_barcode: Mapped[str | None] = mapped_column(String(13), index=True)
    carton_barcode: Mapped[str] = mapped_column(String(13), index=True)
    case_barcode: Mapped[str | None] = mapped_column(String(13), index=True)
    sticks_per_pack: Mapped[int] = mapped_column(Integer, default=20)
    packs_per_carton: Mapped[int] = mapped_column(Integer, default=10)
    price_class: Mapped[int | None] = mapped_column(Integer)
    tar_mg: Mapped[Decimal | None] = mapped_column(Numeric(5, 1))
    pack_form: Mapped[str | None] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default="active")


class Price(Base):
    __tablename__ = "prices"
    __table_args__ = (UniqueConstraint("product_code", "province_code", "price_type", "valid_from"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    product_code: Mapped[str] = mapped_column(String(40), ForeignKey("products.product_code"), index=True)
    province_code: Mapped[str] = mapped_column(String(12))  # "000000" = national
    price_type: Mapped[str] = mapped_column(String(20))
    price_per_carton: Mapped[Decimal] = mapped_column(Money)
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)


class Retailer(Base):
    __tablename__ = "retailers"
    licence_no: Mapped[str] = mapped_column(String(12), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    address: Mapped[str | None] = mapped_column(String(200))
    unit_code: Mapped[str | None] = mapped_column(String(12))


def _trigram(name: str, column: str) -> Index:
    """A PostgreSQL trigram index: the search's ``LIKE '%…%'`` on a party's name or licence by index (three
    characters or more); on SQLite a plain index that the search does not use."""
    return Index(name, column, postgresql_using="gin", postgresql_ops={column: "gin_trgm_ops"})


class Case(Base):
    __tablename__ = "cases"
    __table_args__ = (
        _trigram("ix_cases_party_trgm", "party_name"),
        _trigram("ix_cases_licence_trgm", "licence_no"),
        # case numbers begin with the unit's code: the search reads a unit's page in number order from here
        Index("ix_cases_unit_case_no", "unit_code", "case_no"),
    )
    case_id: Mapped[str] = mapped_column(String(30), primary_key=True)
    case_no: Mapped[str | None] = mapped_column(String(60), unique=True)
    filing_year: Mapped[int | None] = mapped_column(Integer)
    filing_serial: Mapped[int | None] = mapped_column(Integer)
    unit_code: Mapped[str] = mapped_column(String(12), ForeignKey("units.unit_code"), index=True)
    violation_code: Mapped[str] = mapped_column(String(40))
    cause: Mapped[str | None] = mapped_column(String(200))  # 案由, starts with 涉嫌
    source: Mapped[str] = mapped_column(String(20), default="inspection")
    discovered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)  # search order
    seized_on: Mapped[date] = mapped_column(Date)  # prices valid on this date value the goods
    place: Mapped[str | None] = mapped_column(String(200))
    party_type: Mapped[str | None] = mapped_column(String(12))
    party_name: Mapped[str | None] = mapped_column(String(120))
    party_id_no: Mapped[str | None] = mapped_column(String(40))
    licence_no: Mapped[str | None] = mapped_column(String(12))
    address: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(30))
    facts: Mapped[str | None] = mapped_column(Text)
    prior_offences_3y: Mapped[int] = mapped_column(Integer, default=0)
    circumstance_tier: Mapped[str | None] = mapped_column(String(40))
    illegal_amount: Mapped[Decimal | None] = mapped_column(Money, index=True)  # search order
    fine_amount: Mapped[Decimal | None] = mapped_column(Money, index=True)  # search order
    deviation_reason: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="filed", index=True)
    filed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    served_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    executed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    transferred_to: Mapped[str | None] = mapped_column(String(40))
    status_reason: Mapped[str | None] = mapped_column(Text)
    extension_days: Mapped[int] = mapped_column(Integer, default=0)
    legal_review_done: Mapped[bool] = mapped_column(Boolean, default=False)
    # the handler's mark that the case is complex (疑难复杂): a catalogue entry of major decisions
    marked_complex: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_by: Mapped[int] = mapped_column(Integer, ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    items: Mapped[list[CaseItem]] = relationship(
        order_by="CaseItem.line_no", lazy="selectin", cascade="all, delete-orphan"
    )
    officers: Mapped[list[CaseOfficer]] = relationship(lazy="selectin", cascade="all, delete-orphan")


class CaseOfficer(Base):
    __tablename__ = "case_officers"
    case_id: Mapped[str] = mapped_column(String(30), ForeignKey("cases.case_id"), primary_key=True)
    officer_id: Mapped[str] = mapped_column(String(20), ForeignKey("officers.officer_id"), primary_key=True)
    role: Mapped[str] = mapped_column(String(12), default="assistant")


class CaseItem(Base):
    __tablename__ = "case_items"
    __table_args__ = (UniqueConstraint("case_id", "line_no"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(String(30), ForeignKey("cases.case_id"), index=True)
    line_no: Mapped[int] = mapped_column(Integer)
    barcode: Mapped[str | None] = mapped_column(String(13))
    product_code: Mapped[str | None] = mapped_column(String(40), ForeignKey("products.product_code"))
    spec_name_raw: Mapped[str | None] = mapped_column(String(120))
    quantity: Mapped[Decimal] = mapped_column(Numeric(14, 3))
    quantity_unit: Mapped[str] = mapped_column(String(10), default="carton")
    unit_price: Mapped[Decimal | None] = mapped_column(Money)
    authenticity: Mapped[str] = mapped_column(String(12), default="unknown")
    spray_code: Mapped[str | None] = mapped_column(String(32))


class Approval(Base):
    __tablename__ = "approvals"
    approval_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(String(30), ForeignKey("cases.case_id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    requested_by: Mapped[int] = mapped_column(Integer, ForeignKey("users.id"))
    requested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    decided_by: Mapped[int | None] = mapped_column(Integer, ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    outcome: Mapped[str] = mapped_column(String(10), default="pending")
    reason: Mapped[str | None] = mapped_column(Text)
    decision_note: Mapped[str | None] = mapped_column(Text)
    payload: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)


class CaseDeadline(Base):
    """A case's procedural deadlines as ``clocks.case_deadlines`` computes them, rewritten in the same
    transaction by every clock-changing write (``api.capture.services.clock_store``): the inbox and
    ``/deadlines`` read them by index instead of recomputing every open case's clocks."""

    __tablename__ = "case_deadlines"
    __table_args__ = (Index("ix_case_deadlines_unit_due", "unit_code", "due_on"),)
    case_id: Mapped[str] = mapped_column(
        String(30), ForeignKey("cases.case_id", ondelete="CASCADE"), primary_key=True
    )
    ordinal: Mapped[int] = mapped_column(Integer, primary_key=True)  # order within the case's deadlines
    unit_code: Mapped[str] = mapped_column(String(12))
    what: Mapped[str] = mapped_column(String(60))
    due_on: Mapped[date] = mapped_column(Date, index=True)


class ClockRules(Base):
    """The fingerprint of the clock settings the stored deadlines were computed with: new reference data
    (another version of a time limit) makes the store recompute them all once."""

    __tablename__ = "clock_rules"
    name: Mapped[str] = mapped_column(String(20), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64))


class Counter(Base):
    """Last serial handed out per unit, year and kind (case ids, filing and document numbers)."""

    __tablename__ = "counters"
    unit_code: Mapped[str] = mapped_column(String(12), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(30), primary_key=True)
    last_serial: Mapped[int] = mapped_column(Integer, default=0)


class StoredFile(Base):
    """Content-addressed blobs: one row per distinct SHA-256, bytes under uploads/ or documents/."""

    __tablename__ = "stored_files"
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(Integer)
    media_type: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Document(Base):
    __tablename__ = "documents"
    document_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(String(30), ForeignKey("cases.case_id"), index=True)
    doc_type: Mapped[str] = mapped_column(String(40))
    doc_no: Mapped[str | None] = mapped_column(String(80))
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    docx_sha256: Mapped[str] = mapped_column(String(64), ForeignKey("stored_files.sha256"))
    pdf_sha256: Mapped[str] = mapped_column(String(64), ForeignKey("stored_files.sha256"))
    created_by: Mapped[int] = mapped_column(Integer, ForeignKey("users.id"))


class Upload(Base):
    __tablename__ = "uploads"
    upload_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(String(30), ForeignKey("cases.case_id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))  # dossier | video
    filename: Mapped[str] = mapped_column(String(200))
    sha256: Mapped[str] = mapped_column(String(64), ForeignKey("stored_files.sha256"))
    media_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    description: Mapped[str | None] = mapped_column(String(200))
    officer_id: Mapped[str | None] = mapped_column(String(20))
    device_id: Mapped[str | None] = mapped_column(String(60))
    step: Mapped[str | None] = mapped_column(String(20))
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    uploaded_by: Mapped[int] = mapped_column(Integer, ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class UploadSession(Base):
    """A resumable upload in progress: ``received`` bytes are in the partial file, the rest to come. The
    final file exists only once the whole is checked (content-addressed, as every upload)."""

    __tablename__ = "upload_sessions"
    __table_args__ = (UniqueConstraint("user_id", "client_key", name="uq_upload_sessions_client_key"),)
    session_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    case_id: Mapped[str] = mapped_column(String(30), ForeignKey("cases.case_id"), index=True)
    user_id: Mapped[int] = mapped_column(Integer, ForeignKey("users.id"))
    client_key: Mapped[str | None] = mapped_column(String(100))  # the client's Idempotency-Key
    kind: Mapped[str] = mapped_column(String(10))
    filename: Mapped[str] = mapped_column(String(200))
    meta: Mapped[dict[str, Any]] = mapped_column(JSON)  # description, step, device, times
    size: Mapped[int] = mapped_column(BigInteger)
    received: Mapped[int] = mapped_column(BigInteger, default=0)
    status: Mapped[str] = mapped_column(String(10), default="open")  # open | complete
    upload_id: Mapped[int | None] = mapped_column(Integer, ForeignKey("uploads.upload_id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class IdempotencyKey(Base):
    __tablename__ = "idempotency_keys"
    user_id: Mapped[int] = mapped_column(Integer, ForeignKey("users.id"), primary_key=True)
    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    case_id: Mapped[str] = mapped_column(String(30), ForeignKey("cases.case_id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class AuditEntry(Base):
    """Append-only; each row's hash covers every other column and the previous row's hash."""

    __tablename__ = "audit_log"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    # 1: written before migration 0003 (hash without username and units); 2: the hash covers every column
    version: Mapped[int] = mapped_column(Integer, default=2, server_default="1")
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    user_id: Mapped[int | None] = mapped_column(Integer)
    username: Mapped[str | None] = mapped_column(String(60))
    action: Mapped[str] = mapped_column(String(40))
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[str] = mapped_column(String(60))
    # whose entry it is: managers read the entries of their unit subtree (None: administrators only)
    unit_code: Mapped[str | None] = mapped_column(String(12), index=True)
    # set when the entry carries human-review scores: the reviewing level, whose quality staff may read them
    review_unit: Mapped[str | None] = mapped_column(String(12))
    before: Mapped[str | None] = mapped_column(Text)
    after: Mapped[str | None] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditHead(Base):
    """Single row holding the chain's last seq and hash; locking it serialises appends."""

    __tablename__ = "audit_head"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, default=0)
    hash: Mapped[str] = mapped_column(String(64))


Index("ix_audit_entity", AuditEntry.entity, AuditEntry.entity_id)


class LoginFailure(Base):
    """A failed login, kept for the throttling window: shared by every API worker through the store."""

    __tablename__ = "login_failures"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    username: Mapped[str] = mapped_column(String(60), index=True)
    client: Mapped[str] = mapped_column(String(64), index=True)
