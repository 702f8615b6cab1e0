"""Response bodies of the office area (issue #17): the 待办 inbox and similar cases for an approval."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, Field

from api.capture.schemas import DeadlineOut, Money
from api.core.schema_types import Orm, UtcDatetime


class InboxApproval(BaseModel):
    approval_id: int
    kind: str
    case_id: str
    case_no: str | None
    unit_code: str
    violation_code: str
    party_name: str | None
    fine_amount: Money | None
    requested_by: str
    requested_at: UtcDatetime
    reason: str | None
    outcome: str
    decided_at: UtcDatetime | None
    decision_note: str | None


class InboxTask(BaseModel):
    task_id: int
    dossier_id: int
    case_id: str
    unit_code: str
    mode: str
    status: str
    claimed_at: UtcDatetime | None
    lease_expires_at: UtcDatetime | None


class InboxRectification(BaseModel):
    """An open rectification for the handling unit (答复), or answers waiting for the reviewer (复核)."""

    rectification_id: int
    case_id: str
    unit_code: str
    status: str
    due_date: date
    overdue: bool
    action: str  # answer | recheck
    n_items: int


class InboxLicence(BaseModel):
    """A licensing date in my scope: a decision falling due (许可决定) or a licence to renew (延续)."""

    kind: str  # decision | renewal
    ref: str  # application id | licence number
    unit_code: str
    shop_name: str
    due_on: date
    days_left: int
    overdue: bool


class InboxUpward(Orm):
    """A duty of another unit's case addressed to the caller's unit (备案, 大案报告, 移送)."""

    report_id: int
    case_id: str
    kind: str
    from_unit: str
    name_zh: str
    reason: str
    due_at: UtcDatetime
    overdue: bool = False


class InboxCounts(BaseModel):
    approvals: int
    review_tasks: int
    deadlines: int
    overdue: int
    rectifications: int = 0
    rectifications_overdue: int = 0
    upward_reports: int = 0
    licences: int = 0
    licences_overdue: int = 0


class InboxTodo(BaseModel):
    approvals: list[InboxApproval]
    review_tasks: list[InboxTask]
    deadlines: list[DeadlineOut]
    rectifications: list[InboxRectification] = Field(default_factory=list)
    upward_reports: list[InboxUpward] = []
    licences: list[InboxLicence] = []


class InboxDone(BaseModel):
    approvals: list[InboxApproval]
    review_tasks: list[InboxTask]


class InboxOut(BaseModel):
    unit_name: str
    due_soon_days: int
    counts: InboxCounts
    todo: InboxTodo
    done: InboxDone


class SimilarCase(BaseModel):
    case_id: str
    unit_code: str
    amount: Money
    fine_amount: Money
    rate: Decimal
    decided_on: date


class SimilarOut(BaseModel):
    source: Literal["warehouse", "store"]
    province_code: str
    violation_code: str
    amount_band: int | None
    since: date
    count: int
    rate_median: Decimal | None
    rate_min: Decimal | None
    rate_max: Decimal | None
    examples: list[SimilarCase]


class CaseRow(Orm):
    case_id: str
    case_no: str | None
    unit_code: str
    violation_code: str
    party_name: str | None
    licence_no: str | None
    discovered_at: UtcDatetime
    status: str
    illegal_amount: Money | None
    fine_amount: Money | None


class CaseSearchOut(BaseModel):
    total: int  # counted up to the search_count_limit setting
    more: bool = False  # more cases match than ``total`` says: narrow the filters
    rows: list[CaseRow]


class HistoryEntry(Orm):
    """Who did what to a case, when — the audit trail without the stored snapshots."""

    seq: int
    at: UtcDatetime
    username: str | None
    action: str
    entity: str
    entity_id: str


class UnitOut(Orm):
    unit_code: str
    name: str
    level: str
    parent_code: str | None
