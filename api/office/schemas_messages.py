"""Bodies of the in-app messages (reminders, issue #17)."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel

from api.core.schema_types import Orm, UtcDatetime


class MessageOut(Orm):
    message_id: int
    kind: Literal["digest", "due_soon"]
    day: date
    title: str
    body: str
    payload: dict[str, Any]
    created_at: UtcDatetime
    read_at: UtcDatetime | None


class MessagesOut(BaseModel):
    unread: int
    messages: list[MessageOut]
