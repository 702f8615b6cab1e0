"""Bodies of the training pages (issue #19 §2): catalogue, assignments, needs and effect."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, Field

from api.core.schema_types import Orm, UtcDatetime


class CourseOut(BaseModel):
    course_id: str
    title_zh: str
    legal_area: str
    format: str
    hours: float


class OfficerRow(BaseModel):
    officer_id: str
    name: str
    unit_code: str


class AssignIn(BaseModel):
    course_id: str = Field(min_length=1, max_length=10)
    officer_ids: list[str] = Field(min_length=1, max_length=200)
    due_date: date  # today … today + training_due_max_days (setting), checked by the service


class AssignmentOut(Orm):
    assignment_id: int
    course_id: str
    officer_id: str
    unit_code: str
    assigned_at: UtcDatetime
    due_date: date
    status: Literal["assigned", "completed"]
    completed_at: UtcDatetime | None
    score: float | None
    certificate_sha256: str | None


class NeedRow(BaseModel):
    level: Literal["officer", "unit"]
    subject_id: str
    subject_name: str | None
    unit_code: str
    course_id: str
    course_title: str
    course_rank: int
    recommended: bool
    need_points: float
    n_failed: int
    evidence: str
    example_case_ids: str
    window_start: date
    as_of: date
    completed_on: date | None  # the officer last completed this course


class NeedsOut(BaseModel):
    source: str  # warehouse | none (no published snapshot yet)
    rows: list[NeedRow]


class EffectRow(BaseModel):
    course_id: str
    course_title: str
    n_trained: int
    n_comparison: int
    pre_rate_trained: float | None
    post_rate_trained: float | None
    pre_rate_comparison: float | None
    post_rate_comparison: float | None
    estimate: float | None
    estimate_low: float | None
    estimate_high: float | None
    small_sample: bool
    conclusion: str


class EffectOut(BaseModel):
    source: str
    rows: list[EffectRow]
