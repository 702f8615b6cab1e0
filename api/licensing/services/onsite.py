"""The on-site check (实地核查): the assigned officers record where they stand (GPS) and what they saw
(photos), the applicant signs on the spot, and each layout rule's outcome at that point is kept in words."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from api.core.errors import Conflict, Forbidden, Invalid
from api.licensing.services import layout as layout_data
from api.models import LicenceApplication, OnsiteCheck, User
from api.platform.services import audit
from zhifa.clock import now, today
from zhifa.licensing import layout
from zhifa.licensing.geo import valid_point

NEAREST_KINDS = ("retailer", "school")


def _in_force(
    session: Session, unit_code: str, exclude: str | None
) -> tuple[str, date, tuple[layout.Rule, ...], list[layout.Site]]:
    """The city, today, its rules in force and the sites they measure (less the licence being changed)."""
    on, city = today(), layout_data.city_of(session, unit_code)
    rules = layout_data.rule_set(session, city, on)
    return city, on, rules.rules if rules else (), layout_data.sites(session, city, on, exclude)


def explain(
    city: str, rules: Sequence[layout.Rule], sites: Sequence[layout.Site], lat: float, lon: float
) -> dict[str, Any]:
    """The nearest licensed retailer and school, and each rule's outcome at the point: what the phone's
    ``survey`` in web/src/shared/layout.js computes from the layout data (tests/test_layout_parity.py)."""
    outcomes = layout.evaluate(lat, lon, rules, sites)
    nearest = [n for k in NEAREST_KINDS if (n := layout.nearest(lat, lon, sites, k)) is not None]
    return {
        "city_code": city,
        "nearest": [asdict(n) for n in nearest],
        "outcomes": [asdict(o) for o in outcomes],
        "passed": all(o.passed for o in outcomes),
    }


def survey(session: Session, unit_code: str, lat: float, lon: float, exclude: str | None) -> dict[str, Any]:
    """``explain`` with the rules in force today; distances kept to the decimetre."""
    city, _, rules, sites = _in_force(session, unit_code, exclude)
    out = explain(city, rules, sites, lat, lon)
    out["nearest"] = [{**n, "distance_m": round(n["distance_m"], 1)} for n in out["nearest"]]
    return out


def phone_data(city: str, rules: Sequence[layout.Rule], sites: Sequence[layout.Site]) -> dict[str, Any]:
    """What ``explain`` needs, as the phone keeps it to explain the rules offline."""
    return {
        "city_code": city,
        "rules": [asdict(r) for r in rules],
        "sites": [asdict(s) for s in sites],
        "place_names": layout.PLACE_TYPES,
        "nearest_kinds": list(NEAREST_KINDS),
    }


def layout_for(row: LicenceApplication, session: Session) -> dict[str, Any]:
    """The data ``survey`` uses for this application today (the phone's copy of ``explain`` is tied to
    it by tests/test_layout_parity.py)."""
    city, on, rules, sites = _in_force(session, row.unit_code, row.licence_no)
    return {"application_id": row.application_id, "on": on, **phone_data(city, rules, sites)}


def replay(
    session: Session,
    user: User,
    row: LicenceApplication,
    key: str | None,
    lat: float | None,
    photos: list[str],
) -> OnsiteCheck | None:
    """The record stored earlier under this Idempotency-Key (a phone's retry after a lost answer), if any;
    the same key with another position or other photos is refused."""
    check = session.get(OnsiteCheck, row.application_id)
    if not key or check is None or check.client_key != key or check.checked_by != user.id:
        return None
    if check.lat != lat or check.photos != photos:
        raise Invalid(
            "IDEMPOTENCY_KEY_REUSED", "幂等键已用于不同请求 / Idempotency-Key used for another body"
        )
    return check


def refuse_incomplete(
    session: Session,
    user: User,
    row: LicenceApplication,
    lat: float | None,
    lon: float | None,
    photos: int,
    signed_by: str,
) -> tuple[float, float]:
    """Every refusal before anything is stored: the caller's assignment, the state, GPS, photos, signature."""
    if user.id not in (row.onsite_officers or []):
        raise Forbidden("NOT_ASSIGNED", "未被指派该实地核查 / the check is assigned to other officers")
    if row.status != "accepted":
        raise Conflict("NOT_PENDING", "申请不在待核查状态 / the application is not awaiting a check")
    if session.get(OnsiteCheck, row.application_id) is not None:
        raise Conflict("CHECK_RECORDED", "实地核查记录已提交 / the check is already recorded")
    if lat is None or lon is None or not valid_point(lat, lon):
        raise Invalid("GPS_REQUIRED", "实地核查须记录现场定位 / the record needs the site's GPS position")
    if photos < 1:
        raise Invalid("PHOTOS_REQUIRED", "实地核查须至少拍摄一张现场照片 / the record needs a photo")
    if not signed_by.strip():
        raise Invalid("SIGNATURE_REQUIRED", "核查记录须由申请人当场签名 / the applicant signs on the spot")
    return lat, lon


def record(
    session: Session,
    user: User,
    row: LicenceApplication,
    *,
    lat: float | None,
    lon: float | None,
    accuracy_m: float | None,
    photos: list[str],
    signed_by: str,
    note: str | None,
    client_key: str | None = None,
) -> OnsiteCheck:
    lat, lon = refuse_incomplete(session, user, row, lat, lon, len(photos), signed_by)
    result = survey(session, row.unit_code, lat, lon, row.licence_no)
    check = OnsiteCheck(
        application_id=row.application_id,
        lat=lat,
        lon=lon,
        accuracy_m=accuracy_m,
        photos=photos,
        findings=result["outcomes"] + [{"nearest": result["nearest"]}],
        passed=result["passed"],
        note=note,
        signed_by=signed_by.strip(),
        checked_by=user.id,
        checked_at=now(),
        client_key=client_key,
    )
    row.lat, row.lon, row.updated_at = lat, lon, now()
    audit.add_created(
        session, user, check, action="record", entity="onsite_check", entity_id="application_id"
    )
    return check


def outcomes(check: OnsiteCheck) -> list[dict[str, Any]]:
    return [f for f in check.findings if "nearest" not in f]


def nearest(check: OnsiteCheck) -> list[dict[str, Any]]:
    return next((f["nearest"] for f in check.findings if "nearest" in f), [])
