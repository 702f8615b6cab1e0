"""Reading and verifying the audit log (it is written by every other route, never here)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from api.deps import DB, TxRoute, require
from api.models import User
from api.platform.schemas import AuditOut, ChainOut
from api.platform.services import audit, audit_scope

router = APIRouter(prefix="/audit", tags=["audit"], route_class=TxRoute)
# Not "reviewer": the log holds every human review's score, and a re-review must stay blind (issue #7).
# What each auditor reads is scoped and masked by api.platform.services.audit_scope.
Auditor = Annotated[User, Depends(require("admin", "manager", "quality"))]


@router.get("", response_model=list[AuditOut], summary="Audit entries (newest first)")
def entries(
    db: DB,
    user: Auditor,
    entity: Annotated[str | None, Query(max_length=40)] = None,
    entity_id: Annotated[str | None, Query(max_length=60)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[dict[str, Any]]:
    return audit_scope.readable_entries(db, user, entity, entity_id, limit)


@router.get("/verify", response_model=ChainOut, summary="Recompute the hash chain")
def verify(db: DB, _: Annotated[User, Depends(require("admin"))]) -> ChainOut:
    report = audit.verify_chain(db)
    return ChainOut(ok=report.ok, entries=report.entries, problems=report.problems)
