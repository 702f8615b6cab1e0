"""Pydantic building blocks every context's bodies share."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# Stored values come back naive from SQLite; they were written as UTC.
UtcDatetime = Annotated[datetime, AfterValidator(_utc)]


class Orm(BaseModel):
    model_config = ConfigDict(from_attributes=True)
