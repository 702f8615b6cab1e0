"""Response bodies of the dossier upload and machine-review endpoints (issue #7)."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from api.core.schema_types import UtcDatetime


class FieldBox(BaseModel):
    """Where a field's line stands on its page, as fractions of the page (top-left origin), so a viewer
    draws it at any zoom."""

    x: float
    y: float
    w: float
    h: float


class RecognisedField(BaseModel):
    """One field the machine read from a file, and where (for the side-by-side review page)."""

    field: str
    value: str | None
    confidence: float | None = None
    page: int | None = Field(default=None, description="1-based page, where the recogniser knows it")
    line: int | None = Field(default=None, description="0-based line of the file's extracted text")
    bbox: FieldBox | None = Field(
        default=None,
        description="the line's box on `page` (PDF text layer, OCR); null for DOCX, which has no pages",
    )
    source_text: str | None = Field(default=None, description="the line the value was read from, as read")


class DossierFileOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    file_id: int
    filename: str
    size: int
    media_type: str | None
    status: str  # recognised | error
    doc_type: str | None
    method: str | None  # text | docx | ocr
    pages: int | None
    error_code: str | None
    error: str | None
    uploaded_at: UtcDatetime  # stored UTC; SQLite hands it back naive
    # what was read, and where; files of unknown type list it too, but lend no fact to the review
    fields: list[RecognisedField] = []


class DossierOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    dossier_id: int
    case_id: str
    unit_code: str
    violation_code: str | None
    decided_on: date | None
    status: str
    machine_review_id: int | None
    machine_score: float | None
    machine_grade: str | None
    machine_veto: bool | None
    created_at: UtcDatetime  # stored UTC; SQLite hands it back naive
    updated_at: UtcDatetime  # stored UTC; SQLite hands it back naive


class DocumentEvidence(BaseModel):
    document: str
    doc_type: str | None = None
    field: str
    value: Any = None
    expected: str | None = None


class Evidence(BaseModel):
    sentence: str
    found: dict[str, Any]
    expected: dict[str, Any]
    documents: list[DocumentEvidence]
    error: str | None = None


class Finding(BaseModel):
    rule_id: str
    rule_version: int
    category: str
    name_zh: str
    description_zh: str
    legal_basis: str
    outcome: Literal["passed", "failed", "not_checked", "human"]
    deduct_points: float
    deducted_points: float
    rule_veto: bool
    veto: bool  # a veto rule failed
    needs_human: bool
    # not_checked because these facts are unknown (nobody could read or tell them); empty when the rule
    # simply does not apply to the dossier, or was checked
    unknown_facts: list[str] = []
    evidence: Evidence | None


class FileError(BaseModel):
    file_id: int
    filename: str
    error_code: str | None
    error: str | None


class MachineReport(BaseModel):
    """The machine review report: what was checked, what failed and why, what a human must look at."""

    dossier_id: int
    case_id: str
    unit_code: str
    review_id: int
    rule_set_version: int
    reviewed_at: UtcDatetime  # stored UTC; SQLite hands it back naive
    duration_ms: int
    score: float
    grade: str
    veto: bool
    total_deducted: float
    n_rules: int
    n_checked: int
    n_failed: int
    n_needs_human: int
    failures: list[Finding]
    needs_human: list[Finding]
    passed: list[str]
    findings: list[Finding]
    file_errors: list[FileError]
    files: list[DossierFileOut]
    facts: dict[str, Any]  # the dossier facts the rules were evaluated on (docs/review-rules.md)


class DossierDetail(BaseModel):
    dossier: DossierOut
    files: list[DossierFileOut]
    report: MachineReport | None
