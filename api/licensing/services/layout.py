"""Layout data: a city's rule set in force (a saved one, else the built-in seed rows), the protected places,
and the licensed retailers on the map; saving a rule set refuses one that contradicts itself or overlaps
another period of the same city."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.core.errors import Conflict, Invalid
from api.models import LayoutPlace, LayoutRuleSet, Licence, Unit, User
from api.platform.services import audit
from api.platform.services.users import subtree_codes, unit_path
from zhifa.clock import now
from zhifa.licensing import layout
from zhifa.licensing.materials import seed_rule_sets


def city_of(session: Session, unit_code: str) -> str:
    """The city-level unit above (or at) ``unit_code``; the unit itself when none is a city."""
    codes = unit_path(session, unit_code).strip("/").split("/")
    cities = set(
        session.scalars(select(Unit.unit_code).where(Unit.unit_code.in_(codes), Unit.level == "city"))
    )
    return next((c for c in reversed(codes) if c in cities), unit_code)


def _as_rule_set(row: LayoutRuleSet) -> layout.RuleSet:
    return layout.RuleSet(
        row.city_code, row.valid_from, row.valid_to, tuple(layout.Rule(**r) for r in row.rules)
    )


def rule_set(session: Session, city_code: str, on: date) -> layout.RuleSet | None:
    saved = [
        _as_rule_set(r)
        for r in session.scalars(select(LayoutRuleSet).where(LayoutRuleSet.city_code == city_code))
    ]
    for s in saved + [s for s in seed_rule_sets() if s.city_code == city_code]:
        if s.in_force(on):
            return s
    return None


def save(
    session: Session,
    user: User,
    city_code: str,
    valid_from: date,
    valid_to: date | None,
    rules: list[dict[str, Any]],
) -> LayoutRuleSet:
    new = layout.RuleSet(city_code, valid_from, valid_to, tuple(layout.Rule(**r) for r in rules))
    try:
        layout.validate(new)
    except layout.RuleSetError as exc:
        raise Invalid(
            "RULE_SET_CONTRADICTS",
            f"布局规则自相矛盾：{exc} / the rule set contradicts itself",
            detail=exc.problems,
        ) from exc
    saved = [
        _as_rule_set(r)
        for r in session.scalars(select(LayoutRuleSet).where(LayoutRuleSet.city_code == city_code))
    ]
    clash = layout.overlapping(new, saved)
    if clash:
        periods = "、".join(f"{s.valid_from}至{s.valid_to or '长期'}" for s in clash)
        raise Conflict("RULE_SET_OVERLAPS", f"与已保存的规则集有效期重叠：{periods} / periods overlap")
    row = LayoutRuleSet(
        city_code=city_code,
        valid_from=valid_from,
        valid_to=valid_to,
        rules=rules,
        saved_by=user.id,
        saved_at=now(),
    )
    audit.add_created(session, user, row, action="save", entity="layout_rule_set", entity_id="rule_set_id")
    return row


def add_place(
    session: Session, user: User, city_code: str, place_type: str, name: str, lat: float, lon: float
) -> LayoutPlace:
    if place_type not in layout.PLACE_TYPES:
        raise Invalid("UNKNOWN_PLACE_TYPE", f"未知场所类型 {place_type} / unknown place type")
    row = LayoutPlace(city_code=city_code, place_type=place_type, name=name, lat=lat, lon=lon)
    audit.add_created(session, user, row, action="add", entity="layout_place", entity_id="place_id")
    return row


def sites(
    session: Session, city_code: str, on: date, exclude_licence: str | None = None
) -> list[layout.Site]:
    """Licensed retailers in force on ``on`` in the city's units, and the city's protected places."""
    units = set(session.scalars(subtree_codes(session, city_code)))
    out = [
        layout.Site("retailer", f"{lic.shop_name}（{lic.licence_no}）", lic.lat, lic.lon)
        for lic in session.scalars(
            select(Licence).where(
                Licence.unit_code.in_(units), Licence.status == "valid", Licence.valid_to >= on
            )
        )
        if lic.lat is not None and lic.lon is not None and lic.licence_no != exclude_licence
    ]
    places = session.scalars(select(LayoutPlace).where(LayoutPlace.city_code == city_code))
    return out + [layout.Site(p.place_type, p.name, p.lat, p.lon) for p in places]
