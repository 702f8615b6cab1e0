"""The caller's in-app messages. A message belongs to one user: another's id is 404 like a missing one."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from api.core.errors import not_found
from api.models import Message, User
from zhifa.clock import now


def mine(session: Session, user: User, unread_only: bool, limit: int) -> Sequence[Message]:
    stmt = select(Message).where(Message.user_id == user.id)
    if unread_only:
        stmt = stmt.where(Message.read_at.is_(None))
    return session.scalars(
        stmt.order_by(Message.created_at.desc(), Message.message_id.desc()).limit(limit)
    ).all()


def unread(session: Session, user: User) -> int:
    stmt = select(func.count()).where(Message.user_id == user.id, Message.read_at.is_(None))
    return int(session.scalar(stmt) or 0)


def mark_read(session: Session, user: User, message_id: int) -> Message:
    message = session.get(Message, message_id)
    if message is None or message.user_id != user.id:
        raise not_found("message", "消息")
    if message.read_at is None:  # reading twice keeps the first time
        message.read_at = now()
    return message


def mark_all_read(session: Session, user: User) -> None:
    session.execute(
        update(Message).where(Message.user_id == user.id, Message.read_at.is_(None)).values(read_at=now())
    )
