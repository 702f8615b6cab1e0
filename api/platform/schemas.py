"""Platform request and response bodies: login, users, audit log."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints

from api.core.schema_types import Orm, UtcDatetime


# --- auth ----------------------------------------------------------------------------------------
class Token(BaseModel):
    access_token: str
    token_type: str = "bearer"


# quality = 评查管理: review rules, sampling plans, publishing tasks, arbitration
Role = Literal["officer", "approver", "legal_reviewer", "reviewer", "quality", "manager", "admin"]


class UserCreate(BaseModel):
    username: Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=60)]
    password: Annotated[str, StringConstraints(min_length=8, max_length=200)]
    unit_code: Annotated[str, StringConstraints(min_length=6, max_length=12)]
    roles: Annotated[list[Role], Field(min_length=1, max_length=7)]
    officer_id: str | None = None


class UserOut(Orm):
    id: int
    username: str
    unit_code: str
    officer_id: str | None
    roles: str
    active: bool


class AuditOut(Orm):
    seq: int
    at: UtcDatetime
    username: str | None
    action: str
    entity: str
    entity_id: str
    unit_code: str | None  # whose entry it is (None: written before units were recorded; admins only)
    before: str | None
    after: str | None
    hash: str


class ChainOut(BaseModel):
    ok: bool
    entries: int
    problems: list[str]
