"""执法考评 reads (issue #19 §3): my own monthly scorecards, every point explained; a manager's subtree."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BaseModel

from api.core.bounds import PlausibleDate
from api.deps import DB, CurrentUser, TxRoute, require
from api.models import User
from api.office.services import scorecards

router = APIRouter(tags=["office"], route_class=TxRoute)
Manager = Annotated[User, Depends(require("manager"))]


class Component(BaseModel):
    component: str
    name_zh: str
    description_zh: str
    n_basis: int
    raw_value: float
    direction: str
    worst: float
    best: float
    sub_score: float
    weight: float
    effective_weight: float
    contribution: float


class Scorecard(BaseModel):
    level: str  # officer | unit
    role: str  # handler | approver | legal_reviewer | case_reviewer
    person_id: str | None
    person_name: str | None
    unit_code: str
    unit_name: str | None
    month: date
    total_score: float
    n_components: int
    n_components_defined: int
    weight_covered: float
    components: list[Component]


class ScorecardsOut(BaseModel):
    source: str  # warehouse | none (no published snapshot yet)
    person_id: str | None = None
    month: date | None = None
    cards: list[Scorecard]


@router.get("/scorecards/mine", response_model=ScorecardsOut, summary="My scorecards (我的考评)")
def my_scorecards(request: Request, db: DB, user: CurrentUser) -> ScorecardsOut:
    """My monthly scorecards in every role and unit, newest first, each component with its raw value,
    sub-score, weight and the points it adds."""
    source, cards = scorecards.person(db, user, request.app.state.settings.serve_warehouse_path, None)
    return ScorecardsOut(
        source=source, person_id=user.officer_id, cards=[Scorecard.model_validate(c) for c in cards]
    )


@router.get("/scorecards/people/{person_id}", response_model=ScorecardsOut, summary="A person's scorecards")
def person_scorecards(
    request: Request,
    db: DB,
    user: CurrentUser,
    person_id: Annotated[str, Path(min_length=1, max_length=20, pattern=r"^[A-Za-z0-9_-]+$")],
) -> ScorecardsOut:
    """One person's scorecards: myself, or (manager) someone with scorecards in my subtree — only those."""
    snapshot = request.app.state.settings.serve_warehouse_path
    source, cards = scorecards.person(db, user, snapshot, person_id)
    return ScorecardsOut(
        source=source, person_id=person_id, cards=[Scorecard.model_validate(c) for c in cards]
    )


@router.get("/scorecards/team", response_model=ScorecardsOut, summary="Scorecards of my subtree")
def team_scorecards(
    request: Request,
    db: DB,
    user: Manager,
    month: Annotated[
        PlausibleDate | None, Query(description="any day of the month; default the latest")
    ] = None,
) -> ScorecardsOut:
    """Units of my subtree (with their components) and their officers (totals) for one month."""
    first = month.replace(day=1) if month else None
    snapshot = request.app.state.settings.serve_warehouse_path
    source, shown, cards = scorecards.team(db, user, snapshot, first)
    return ScorecardsOut(source=source, month=shown, cards=[Scorecard.model_validate(c) for c in cards])
