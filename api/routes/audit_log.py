"""Reading and verifying the audit log (it is written by every other route, never here)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from sqlalchemy import select

from api.deps import DB, TxRoute, require
from api.models import AuditEntry, User
from api.schemas import AuditOut, ChainOut
from api.services import audit

router = APIRouter(prefix="/audit", tags=["audit"], route_class=TxRoute)
# Not "reviewer": the log holds every human review's score, and a re-review must stay blind (issue #7).
Auditor = Annotated[User, Depends(require("admin", "manager"))]


@router.get("", response_model=list[AuditOut], summary="Audit entries (newest first)")
def entries(
    db: DB,
    _: Auditor,
    entity: str | None = None,
    entity_id: str | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[AuditEntry]:
    stmt = select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(limit)
    if entity:
        stmt = stmt.where(AuditEntry.entity == entity)
    if entity_id:
        stmt = stmt.where(AuditEntry.entity_id == entity_id)
    return list(db.scalars(stmt))


@router.get("/verify", response_model=ChainOut, summary="Recompute the hash chain")
def verify(db: DB, _: Annotated[User, Depends(require("admin"))]) -> ChainOut:
    report = audit.verify_chain(db)
    return ChainOut(ok=report.ok, entries=report.entries, problems=report.problems)
