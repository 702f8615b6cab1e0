"""Bodies of legal review of major decisions and collective discussion."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

from api.core.schema_types import Orm, UtcDatetime

Name = Annotated[str, StringConstraints(min_length=1, max_length=40)]


class CatalogueHitOut(BaseModel):
    code: str
    name_zh: str
    legal_basis: str
    collective_discussion: bool
    reviewer_level: str


class MajorDecisionOut(BaseModel):
    """Whether a case is a major decision (重大执法决定), why, and what it still needs, in words."""

    major: bool
    hits: list[CatalogueHitOut]
    reviewer_level: str | None
    missing: list[str]


class DiscussionIn(BaseModel):
    held_on: date
    participants: list[Name] = Field(min_length=1, max_length=30)
    conclusion: Annotated[str, StringConstraints(min_length=1, max_length=4000)]


class DiscussionOut(Orm):
    discussion_id: int
    case_id: str
    held_on: date
    participants: list[str]
    conclusion: str
    document_id: int
    recorded_at: UtcDatetime
