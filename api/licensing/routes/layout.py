"""Layout data kept by the city: rule sets with validity dates (refused when they contradict themselves
or overlap another period), protected places; and a licence as the enforcement side sees it."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from api.core import refdata
from api.core.errors import NotFound
from api.deps import DB, CurrentUser, TxRoute, require
from api.licensing.schemas import LicenceOut, PlaceIn, RuleSetIn, RuleSetOut
from api.licensing.services import layout
from api.models import Licence, User
from api.platform.services.users import can_see_unit, province_of
from zhifa.clock import today
from zhifa.licensing.clock import renewal_due

router = APIRouter(prefix="/licensing", tags=["licensing"], route_class=TxRoute)
Manager = Annotated[User, Depends(require("manager"))]


def _city(db: DB, user: User, city_code: str) -> str:
    if not can_see_unit(db, user, city_code):
        raise NotFound("CITY_NOT_FOUND", "无此地市 / no such city")
    return city_code


@router.put(
    "/layout-rules/{city_code}", response_model=RuleSetOut, status_code=201, summary="Save a rule set"
)
def save_rules(city_code: str, body: RuleSetIn, db: DB, user: Manager) -> RuleSetOut:
    """422 RULE_SET_CONTRADICTS naming every problem; 409 RULE_SET_OVERLAPS with a saved period."""
    rules = [r.model_dump(exclude_none=True) for r in body.rules]
    row = layout.save(db, user, _city(db, user, city_code), body.valid_from, body.valid_to, rules)
    return RuleSetOut(
        city_code=row.city_code, valid_from=row.valid_from, valid_to=row.valid_to, rules=row.rules
    )


@router.get("/layout-rules/{city_code}", response_model=RuleSetOut, summary="The rule set in force")
def rules_in_force(
    city_code: str, db: DB, user: CurrentUser, on: Annotated[date | None, Query()] = None
) -> RuleSetOut:
    found = layout.rule_set(db, _city(db, user, city_code), on or today())
    if found is None:
        raise NotFound("RULE_SET_NOT_FOUND", "该地市当日无布局规则 / no rule set in force")
    return RuleSetOut(
        city_code=found.city_code,
        valid_from=found.valid_from,
        valid_to=found.valid_to,
        rules=[{k: v for k, v in asdict(r).items() if v is not None} for r in found.rules],
    )


@router.post("/layout-places/{city_code}", status_code=201, summary="Add a protected place (school…)")
def add_place(city_code: str, body: PlaceIn, db: DB, user: Manager) -> dict[str, int]:
    row = layout.add_place(
        db, user, _city(db, user, city_code), body.place_type, body.name, body.lat, body.lon
    )
    return {"place_id": row.place_id}


@router.get("/licences/{licence_no}", response_model=LicenceOut, summary="A licence: status and validity")
def licence(licence_no: str, db: DB, user: CurrentUser) -> LicenceOut:
    found = db.get(Licence, licence_no.strip())
    if found is None or not can_see_unit(db, user, found.unit_code):
        raise NotFound("LICENCE_NOT_FOUND", "无此许可证 / no such licence")
    out = LicenceOut.model_validate(found)
    if found.status == "valid":
        days = refdata.days("licence_renewal_notice_days", province_of(db, found.unit_code), today())
        out.renewal_due_on = renewal_due(found.valid_to, days)
    return out
