"""Bodies of upward reporting and transfer (备案、大案报告、移送公安)."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

from api.core.schema_types import UtcDatetime


class ChecklistItem(BaseModel):
    doc_type: str
    name_zh: str
    present: bool


class UpwardReportOut(BaseModel):
    report_id: int
    case_id: str
    kind: str
    from_unit: str
    to_unit: str
    name_zh: str
    legal_basis: str
    reason: str
    clock: str
    limit_value: int
    started_at: UtcDatetime
    due_at: UtcDatetime
    status: str
    acknowledged_at: UtcDatetime | None
    note: str | None
    checklist: list[ChecklistItem] = []


class AcknowledgeIn(BaseModel):
    note: Annotated[str, StringConstraints(min_length=1, max_length=2000)] = Field(
        examples=["已登记备案，备案号 汴烟备〔2026〕第3号"]
    )


class TransferLetterIn(BaseModel):
    to: Annotated[str, StringConstraints(min_length=1, max_length=60)] = Field(examples=["中牟县公安局"])
