"""Sampling plans (抽查方案) and their logged, re-derivable draws (docs/review-workflow.md)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from sqlalchemy import select

from api.deps import DB, PathId, TxRoute, require
from api.models import SamplingDraw, SamplingPlan, User
from api.platform.services.users import visible_units
from api.review.schemas_review_tasks import DrawDetail, DrawOut, PlanIn, PlanOut, StratumOut, VerifyOut
from api.review.services import sampling

router = APIRouter(tags=["sampling"], route_class=TxRoute)
Quality = Annotated[User, Depends(require("quality"))]
Overseer = Annotated[User, Depends(require("quality", "manager"))]


def _draw_fields(record: SamplingDraw, strata: list[tuple[str, int, int]]) -> dict[str, Any]:
    """What a fresh draw and a logged one both show."""
    return {
        "draw_id": record.draw_id,
        "plan_id": record.plan_id,
        "seed": record.seed,
        "algorithm": record.algorithm,
        "population_size": len(record.population),
        "population_digest": record.population_digest,
        "strata": [StratumOut(stratum=name, size=size, n=n) for name, size, n in strata],
        "selected": list(record.selected),
    }


@router.post("/sampling-plans", response_model=PlanOut, status_code=201, summary="Create a sampling plan")
def create_plan(body: PlanIn, db: DB, user: Quality) -> SamplingPlan:
    return sampling.create_plan(db, user, body)


@router.get("/sampling-plans", response_model=list[PlanOut], summary="Sampling plans in scope")
def list_plans(db: DB, user: Overseer) -> list[SamplingPlan]:
    stmt = select(SamplingPlan).order_by(SamplingPlan.plan_id)
    units = visible_units(db, user)
    if units is not None:
        stmt = stmt.where(SamplingPlan.unit_code.in_(units))
    return list(db.scalars(stmt))


@router.get("/sampling-plans/{plan_id}", response_model=PlanOut, summary="One sampling plan")
def get_plan(plan_id: PathId, db: DB, user: Overseer) -> SamplingPlan:
    return sampling.get_plan(db, user, plan_id)


@router.post(
    "/sampling-plans/{plan_id}/draw",
    response_model=DrawOut,
    status_code=201,
    summary="Draw and publish tasks",
)
def draw(plan_id: PathId, request: Request, db: DB, user: Quality) -> DrawOut:
    plan = sampling.get_plan(db, user, plan_id)
    record, task_ids, note = sampling.draw(db, user, plan, request.app.state.settings.serve_warehouse_path)
    _, strata = sampling.draw_strata(db, record)
    return DrawOut(**_draw_fields(record, strata), task_ids=task_ids, note=note or None)


@router.get("/sampling-draws/{draw_id}", response_model=DrawDetail, summary="A logged draw, to re-derive")
def get_draw(draw_id: PathId, db: DB, user: Overseer) -> DrawDetail:
    record: SamplingDraw = sampling.get_draw(db, user, draw_id)
    stratum_of, strata = sampling.draw_strata(db, record)
    return DrawDetail(
        **_draw_fields(record, strata),
        population=list(record.population),
        stratum_of=stratum_of,
        weights=record.weights,
        drawn_by=record.drawn_by,
        drawn_at=record.drawn_at,
    )


@router.get("/sampling-draws/{draw_id}/verify", response_model=VerifyOut, summary="Recompute a draw")
def verify(draw_id: PathId, db: DB, user: Overseer) -> VerifyOut:
    return VerifyOut(**sampling.verify(db, sampling.get_draw(db, user, draw_id)))
