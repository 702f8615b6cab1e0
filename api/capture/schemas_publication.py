"""Bodies of publication (行政执法公示): the office's record and the public's view."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

from api.core.schema_types import Orm, UtcDatetime


class PublicationOut(Orm):
    case_id: str
    status: str
    public_text: str
    channel: str | None
    due_on: date
    drafted_at: UtcDatetime
    published_at: UtcDatetime | None


class PublicationEdit(BaseModel):
    public_text: Annotated[str, StringConstraints(min_length=1, max_length=8000)]


class PublishIn(BaseModel):
    channel: Annotated[str, StringConstraints(min_length=1, max_length=60)] = Field(examples=["门户网站"])


class PublicDecisionOut(BaseModel):
    published_on: str
    unit_name: str
    text: str
    channel: str | None


class PublicPage(BaseModel):
    total: int
    items: list[PublicDecisionOut]
