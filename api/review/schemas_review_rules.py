"""Request and response bodies of rule management (评查规则录入) and the dry run."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from api.core.schema_types import UtcDatetime
from zhifa.settings import get_settings

Category = Literal[
    "form", "subject", "facts", "evidence", "procedure", "legal_basis", "discretion", "documents"
]


MAX_VERSION = 2**31 - 1  # keeps ids inside every store's INTEGER
CONDITION_CHARS = get_settings().rule_condition_max_chars
TEXT_CHARS = get_settings().max_text_chars


class RuleIn(BaseModel):
    """A new rule, or a new version of one. ``condition`` empty = only a human can check it."""

    rule_id: str | None = Field(
        default=None, pattern=r"^[A-Z][A-Z0-9_]{1,19}$", description="server picks Q001… when absent"
    )
    category: Category
    name_zh: str = Field(min_length=1, max_length=200)
    description_zh: str | None = Field(default=None, max_length=TEXT_CHARS)
    legal_basis: str | None = Field(default=None, max_length=TEXT_CHARS)
    condition: str | None = Field(default=None, max_length=CONDITION_CHARS)
    evidence_template_zh: str | None = Field(default=None, max_length=1000)
    deduct_points: float = Field(ge=0, le=100)
    veto: bool = False
    needs_human: bool = False
    note: str | None = Field(default=None, max_length=1000)


class RuleEdit(BaseModel):
    """Changes for the next version; fields left out keep the latest version's value."""

    category: Category | None = None
    name_zh: str | None = Field(default=None, min_length=1, max_length=200)
    description_zh: str | None = Field(default=None, max_length=TEXT_CHARS)
    legal_basis: str | None = Field(default=None, max_length=TEXT_CHARS)
    condition: str | None = Field(default=None, max_length=CONDITION_CHARS)
    evidence_template_zh: str | None = Field(default=None, max_length=1000)
    deduct_points: float | None = Field(default=None, ge=0, le=100)
    veto: bool | None = None
    needs_human: bool | None = None
    note: str | None = Field(default=None, max_length=1000)

    @model_validator(mode="after")
    def _no_null_for_required(self) -> RuleEdit:
        """Leaving a field out keeps its value; sending null for one every rule needs is refused."""
        for name in ("category", "name_zh", "deduct_points", "veto", "needs_human"):
            if name in self.model_fields_set and getattr(self, name) is None:
                raise ValueError(
                    f"{name} 不能为空（不改就不要传）/ {name} cannot be null (leave it out to keep it)"
                )
        return self


class RuleVersionOut(BaseModel):
    rule_id: str
    version: int
    category: str
    name_zh: str
    description_zh: str | None
    legal_basis: str | None
    condition: str | None
    evidence_template_zh: str | None
    deduct_points: float
    veto: bool
    needs_human: bool
    origin: Literal["reference", "api"]
    status: Literal["in_force", "draft", "retired"]
    note: str | None = None
    created_at: UtcDatetime | None = None


class RuleOut(BaseModel):
    rule_id: str
    version_in_force: int | None
    latest_version: int
    current: RuleVersionOut  # the version in force, else the latest one
    versions: list[RuleVersionOut] = []
    null_failures: list[str] = Field(
        default_factory=list,
        description="facts whose unknown value the current condition turns into a failure (a warning)",
    )


class RuleListOut(BaseModel):
    rule_set_version: int
    rules: list[RuleVersionOut]


class ActivateIn(BaseModel):
    version: int | None = Field(default=None, ge=1, le=MAX_VERSION, description="default: the latest version")
    note: str | None = Field(default=None, max_length=1000)


class RuleSetOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    version: int
    rule_versions: dict[str, int]
    note: str | None
    created_at: UtcDatetime | None


class DryRunIn(BaseModel):
    """Either an existing rule (a draft, by id and optional version) or a candidate condition."""

    rule_id: str | None = None
    version: int | None = Field(default=None, ge=1, le=MAX_VERSION)
    condition: str | None = Field(default=None, max_length=CONDITION_CHARS)
    evidence_template_zh: str | None = Field(default=None, max_length=1000)
    deduct_points: float = Field(default=0, ge=0, le=100)
    veto: bool = False
    max_examples: int = Field(default=20, ge=0, le=200)


class DryRunExample(BaseModel):
    case_id: str
    dossier_id: int
    machine_review_id: int
    evidence: str


class DryRunError(BaseModel):
    case_id: str
    error: str = Field(description="why the condition could not be evaluated on this dossier")


class DryRunOut(BaseModel):
    rule_id: str | None
    version: int | None
    condition: str
    population: int
    n_fail: int
    n_pass: int
    n_not_applicable: int = Field(description="dossiers the rule does not apply to")
    n_not_checked: int = Field(default=0, description="dossiers where a fact the rule needs is unknown")
    n_veto: int
    points_deducted: float
    facts_used: list[str]
    settings_used: list[str]
    null_failures: list[str] = Field(
        default_factory=list,
        description="facts the condition tests for NULL itself and then fails on: an unknown fact would fail "
        "a dossier (a warning; such a rule is still accepted)",
    )
    examples: list[DryRunExample]
    n_error: int = Field(default=0, description="dossiers the condition fails on at run time (see errors)")
    errors: list[DryRunError] = Field(default_factory=list)
