"""The quality team's arbitration queue (issue #17): list, and set the final score with a reason."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field, StringConstraints

from api.core.schema_types import UtcDatetime
from api.deps import DB, PathId, TxRoute, require
from api.models import User
from api.review.services import arbitration

router = APIRouter(prefix="/quality/arbitration", tags=["review"], route_class=TxRoute)
Quality = Annotated[User, Depends(require("quality"))]


class ArbitrationItem(BaseModel):
    task_id: int
    dossier_id: int
    case_id: str
    unit_code: str
    status: str
    first_score: Decimal
    second_score: Decimal
    gap: Decimal
    allowed_gap: Decimal
    veto_differs: bool
    published_at: UtcDatetime


class ArbitrationIn(BaseModel):
    score: Annotated[Decimal, Field(ge=0, le=100, max_digits=5, decimal_places=2)]
    veto: bool = False
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=2000)]


class ArbitrationOut(BaseModel):
    task_id: int
    review_id: int
    total_score: Decimal
    grade: str
    final_score: Decimal | None
    final_grade: str | None
    final_rule: str | None
    submitted_at: datetime


@router.get("", response_model=list[ArbitrationItem], summary="Re-reviews waiting for arbitration")
def queue(db: DB, user: Quality) -> list[ArbitrationItem]:
    return [ArbitrationItem.model_validate(r) for r in arbitration.queue(db, user)]


@router.post("/{task_id}", response_model=ArbitrationOut, summary="Set the final score with a reason")
def arbitrate(task_id: PathId, body: ArbitrationIn, db: DB, user: Quality) -> ArbitrationOut:
    review, dossier = arbitration.arbitrate(db, user, task_id, body.score, body.veto, body.reason)
    return ArbitrationOut(
        task_id=task_id,
        review_id=review.review_id,
        total_score=review.total_score,
        grade=review.grade,
        final_score=dossier.final_score,
        final_grade=dossier.final_grade,
        final_rule=dossier.final_rule,
        submitted_at=review.submitted_at,
    )
