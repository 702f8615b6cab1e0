"""Request and response bodies of review tasks, human reviews and sampling (issue #7, points 3–6)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, PlainSerializer, StringConstraints, model_validator

from api.core.bounds import Id
from api.core.schema_types import Orm, UtcDatetime

Points = Annotated[Decimal, PlainSerializer(float, return_type=float, when_used="json")]
Comment = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
RuleId = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20)]


# --- tasks ------------------------------------------------------------------------------------------
class PublishIn(BaseModel):
    dossier_ids: list[Id] = Field(min_length=1, max_length=500)
    mode: Literal["pool", "re_review"] = "pool"


class TaskOut(Orm):
    task_id: int
    dossier_id: int
    mode: str
    status: str
    parent_task_id: int | None
    draw_id: int | None
    publisher_unit: str
    published_at: UtcDatetime
    assignee_id: int | None
    claimed_at: UtcDatetime | None
    lease_expires_at: UtcDatetime | None
    lock_version: int


class DossierBrief(Orm):
    """What a reviewer may see of a dossier: never a human score (blind re-review)."""

    dossier_id: int
    case_id: str
    unit_code: str
    violation_code: str | None
    decided_on: date | None
    machine_review_id: int | None
    machine_score: Points | None
    machine_grade: str | None
    machine_veto: bool | None


class PoolItem(BaseModel):
    task: TaskOut
    dossier: DossierBrief


class FindingPrefill(BaseModel):
    rule_id: str
    rule_version: int | None
    name_zh: str | None
    outcome: str
    deducted_points: Points
    veto: bool
    evidence: Any = None
    decision_needed: bool  # failed or left to a human: the reviewer confirms or rejects it
    prefill: Literal["confirm"] | None  # a machine failure is pre-filled as confirmed


class ItemOut(Orm):
    rule_id: str
    decision: str
    deducted_points: Points
    veto: bool
    comment: str | None


class HumanReviewOut(Orm):
    review_id: int
    task_id: int
    dossier_id: int
    reviewer_id: int
    mode: str
    parent_review_id: int | None
    machine_review_id: int | None
    rule_set_version: int
    total_score: Points
    grade: str
    veto: bool
    comment: str | None
    submitted_at: UtcDatetime
    items: list[ItemOut] = Field(default_factory=list)


class FinalOut(BaseModel):
    final_score: Points | None
    final_grade: str | None
    final_rule: str | None
    status: str


class TaskDetail(BaseModel):
    task: TaskOut
    dossier: DossierBrief
    findings: list[FindingPrefill]
    grading: dict[str, float]  # total points and grade cut-offs in force for this dossier
    reviews: list[HumanReviewOut] = Field(
        default_factory=list
    )  # only for arbitration, the task's own reviewer, or managers
    final: FinalOut | None = None  # managers only


class Decision(BaseModel):
    rule_id: RuleId
    decision: Literal["confirm", "reject"]
    comment: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)] | None = None


class Addition(BaseModel):
    rule_id: RuleId
    points: Decimal = Field(ge=0, le=1000, decimal_places=2)
    comment: Comment


class SubmitIn(BaseModel):
    decisions: list[Decision] = Field(default_factory=list)
    additions: list[Addition] = Field(default_factory=list)
    comment: Annotated[str, StringConstraints(strip_whitespace=True, max_length=4000)] | None = None


class SubmitOut(BaseModel):
    review: HumanReviewOut
    task: TaskOut
    arbitration_task_id: int | None = None
    rectification_id: int | None = None  # opened when the deductions pass rectification_deduction_threshold


class TaskFileOut(Orm):
    """A dossier file as the reviewer's side-by-side view needs it: what it is and where fields were read."""

    file_id: int
    filename: str
    media_type: str | None
    status: str
    doc_type: str | None
    pages: int | None
    fields: list[dict[str, Any]]  # [{field, value, page}]


class ExpiredOut(BaseModel):
    returned_task_ids: list[int]


# --- sampling ---------------------------------------------------------------------------------------
class PlanIn(BaseModel):
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]
    decided_from: date | None = None
    decided_to: date | None = None
    unit_codes: list[str] = Field(
        default_factory=list
    )  # each with its subtree; empty = the caller's whole scope
    violation_codes: list[str] = Field(default_factory=list)
    rate: Decimal | None = Field(default=None, gt=0, le=1, decimal_places=4)
    count_per_unit: int | None = Field(default=None, ge=1, le=100000)
    stratify_by: Literal["unit_code", "violation_code"] | None = None
    weight_by_risk: bool = False
    seed: Annotated[str, StringConstraints(min_length=1, max_length=64)] | None = None

    @model_validator(mode="after")
    def _one_size(self) -> PlanIn:
        if (self.rate is None) == (self.count_per_unit is None):
            raise ValueError(
                "give exactly one of rate or count_per_unit / 抽样比例与每单位件数须且只能给一个"
            )
        if self.decided_from and self.decided_to and self.decided_from > self.decided_to:
            raise ValueError("decided_from after decided_to / 起始日期晚于截止日期")
        return self


class PlanOut(Orm):
    plan_id: int
    name: str
    unit_code: str
    filters: dict[str, Any]
    rate: Decimal | None
    count_per_unit: int | None
    stratify_by: str | None
    weight_by_risk: bool
    seed: str
    created_by: int
    created_at: UtcDatetime


class StratumOut(BaseModel):
    stratum: str
    size: int
    n: int


class DrawOut(BaseModel):
    draw_id: int
    plan_id: int
    seed: str
    algorithm: str
    population_size: int
    population_digest: str
    strata: list[StratumOut]
    selected: list[str]
    task_ids: list[int] = Field(default_factory=list)
    note: str | None = None


class DrawDetail(DrawOut):
    """Everything an auditor needs to re-derive the draw by hand (docs/review-workflow.md)."""

    population: list[str]
    stratum_of: dict[str, str]
    weights: dict[str, float] | None
    drawn_by: int
    drawn_at: UtcDatetime


class VerifyOut(BaseModel):
    draw_id: int
    digest_matches: bool  # the logged population still hashes to the logged digest
    selection_matches: bool  # recomputing from the logged population, weights and seed gives the same
    population_unchanged: bool  # the plan's filter over today's dossiers gives the logged population
    recomputed: list[str]
