"""The quality team's reads (issue #17): reviewer calibration from the published warehouse snapshot."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel

from api.deps import DB, TxRoute, require
from api.models import User
from api.office.services import calibration

router = APIRouter(tags=["office"], route_class=TxRoute)
Quality = Annotated[User, Depends(require("quality", "manager"))]


class CalibrationRow(BaseModel):
    reviewer_id: str
    reviewer_name: str
    unit_code: str
    year: int
    n_reviews: int
    n_compared: int
    mean_score: float | None
    mean_offset: float | None
    offset_pooled: float | None
    offset_low: float | None
    offset_high: float | None
    agreement: float | None
    flagged: bool
    direction: str | None
    offset_band: float | None


class CalibrationOut(BaseModel):
    source: str  # warehouse | none (no published snapshot yet)
    rows: list[CalibrationRow]


@router.get("/quality/calibration", response_model=CalibrationOut, summary="Lenient/harsh reviewers")
def reviewer_calibration(
    request: Request, db: DB, user: Quality, year: Annotated[int | None, Query(ge=1990, le=2100)] = None
) -> CalibrationOut:
    """Reviewers of my unit subtree: offset against the other reviews of the same dossiers, pooled, with
    its interval; flagged lenient/harsh when the interval lies outside ±``reviewer_offset_band``."""
    source, rows = calibration.calibration(db, user, request.app.state.settings.serve_warehouse_path, year)
    return CalibrationOut(source=source, rows=[CalibrationRow.model_validate(r) for r in rows])
