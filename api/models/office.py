"""Office tables: in-app messages (reminders), the record of every attempt to deliver one elsewhere, and
training assignments."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, DateTime, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from api.models.capture import Base


class Message(Base):
    """One reminder for one user. (user, kind, day) is unique: the daily job run twice writes it once."""

    __tablename__ = "messages"
    __table_args__ = (UniqueConstraint("user_id", "kind", "day", name="uq_messages_user_kind_day"),)
    message_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    unit_code: Mapped[str] = mapped_column(String(12))  # the user's unit when it was written
    kind: Mapped[str] = mapped_column(String(20))  # digest | due_soon
    day: Mapped[date] = mapped_column(Date)  # the local day it is for
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class MessageDelivery(Base):
    """One attempt to hand a message to an outside channel (webhook): retries are rows, not a counter."""

    __tablename__ = "message_deliveries"
    delivery_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.message_id"), index=True)
    channel: Mapped[str] = mapped_column(String(20))
    attempt: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ok: Mapped[bool] = mapped_column(default=False)
    status_code: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(String(300))


class TrainingAssignment(Base):
    """A course (seed ref_training_courses) assigned to an officer by a manager, and its completion."""

    __tablename__ = "training_assignments"
    assignment_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    course_id: Mapped[str] = mapped_column(String(10), index=True)
    officer_id: Mapped[str] = mapped_column(ForeignKey("officers.officer_id"), index=True)
    unit_code: Mapped[str] = mapped_column(ForeignKey("units.unit_code"))  # the officer's unit when assigned
    assigned_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    assigned_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    due_date: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10), default="assigned")  # assigned | completed
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    score: Mapped[float | None] = mapped_column(Float)
    certificate_sha256: Mapped[str | None] = mapped_column(String(64))  # the stored certificate file
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
