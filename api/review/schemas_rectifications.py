"""Request and response bodies of rectification (整改, issue #19 §1)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, Field, PlainSerializer, StringConstraints

from api.core.bounds import Id
from api.core.schema_types import Orm, UtcDatetime

Points = Annotated[Decimal, PlainSerializer(float, return_type=float, when_used="json")]
# blank text is the domain's own 422 (REASON_REQUIRED / EVIDENCE_REQUIRED), so it is not stripped here
Text = Annotated[str, StringConstraints(max_length=2000, pattern=r"^[^\x00]*$")]
Sha256 = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]


class OpenIn(BaseModel):
    dossier_id: Id


class AnswerItemIn(BaseModel):
    item_id: Id
    outcome: Literal["corrected", "disputed"]
    text: Text | None = Field(default=None, description="explanation (corrected) or reason (disputed)")
    document_sha256: Sha256 | None = Field(default=None, description="from POST /rectifications/{id}/files")
    document_name: Annotated[str, StringConstraints(max_length=200)] | None = None


class AnswersIn(BaseModel):
    answers: list[AnswerItemIn] = Field(min_length=1, max_length=200)


class RecheckItemIn(BaseModel):
    item_id: Id
    decision: Literal["accept", "return"]
    reason: Text | None = None


class RecheckIn(BaseModel):
    checks: list[RecheckItemIn] = Field(min_length=1, max_length=200)


class ItemOut(Orm):
    item_id: int
    rule_id: str
    rule_name_zh: str | None
    deducted_points: Points
    finding: str | None
    status: str
    outcome: str | None
    answer_text: str | None
    document_sha256: str | None
    document_name: str | None
    answered_at: UtcDatetime | None
    recheck_reason: str | None
    rechecked_at: UtcDatetime | None


class RectificationOut(Orm):
    rectification_id: int
    dossier_id: int
    case_id: str
    unit_code: str
    source: str
    officer_ids: list[str]
    deducted_points: Points
    threshold: Points
    status: str
    opened_at: UtcDatetime
    due_date: date
    answered_at: UtcDatetime | None
    closed_at: UtcDatetime | None
    rounds: int
    return_reason: str | None
    overdue: bool = False
    may_answer: bool = False
    may_recheck: bool = False


class RectificationDetail(RectificationOut):
    items: list[ItemOut] = Field(default_factory=list)


class FileOut(BaseModel):
    sha256: str
    filename: str
    size: int
