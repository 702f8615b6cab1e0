"""Licensing dates that reach the 待办 inbox: decisions falling due within ``deadline_due_soon_days`` (or
past their legal time) and valid licences inside their renewal window (``licence_renewal_notice_days``
before expiry, or expired) with no renewal application under way — in the caller's unit subtree."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.core import refdata
from api.models import Licence, LicenceApplication, User
from api.platform.services.users import province_of, visible_units
from zhifa.licensing.clock import renewal_due

OPEN_APPLICATION = ("received", "incomplete", "accepted")


@dataclass(frozen=True)
class LicenceDue:
    kind: str  # decision | renewal
    ref: str  # application id | licence number
    unit_code: str
    shop_name: str
    due_on: date  # the legal decision date | the last day to apply for renewal


def due(session: Session, user: User, on: date, within_days: int) -> list[LicenceDue]:
    """Most urgent first."""
    units = visible_units(session, user)
    apps = select(LicenceApplication).where(
        LicenceApplication.status == "accepted", LicenceApplication.due_on <= on + timedelta(days=within_days)
    )
    licences = select(Licence).where(Licence.status == "valid")
    renewing = select(LicenceApplication.licence_no).where(
        LicenceApplication.kind == "renewal", LicenceApplication.status.in_(OPEN_APPLICATION)
    )
    if units is not None:
        apps = apps.where(LicenceApplication.unit_code.in_(units))
        licences = licences.where(Licence.unit_code.in_(units))
    out = [
        LicenceDue("decision", a.application_id, a.unit_code, a.shop_name, a.due_on)
        for a in session.scalars(apps)
        if a.due_on is not None
    ]
    under_way = {n for n in session.scalars(renewing) if n}
    valid = licences.where(Licence.licence_no.not_in(under_way))
    # the notice is reference data by province and date: ask once per unit, not once per licence, and let
    # the store skip every licence expiring after the horizon plus its unit's notice
    units_by_notice: dict[int, list[str]] = {}
    for unit_code, days in _notice_days(
        session, session.scalars(valid.with_only_columns(Licence.unit_code).distinct()).all(), on
    ).items():
        units_by_notice.setdefault(days, []).append(unit_code)
    horizon = on + timedelta(days=within_days)
    for days, unit_codes in units_by_notice.items():
        expiring = valid.where(
            Licence.unit_code.in_(unit_codes), Licence.valid_to <= horizon + timedelta(days=days)
        )
        for lic in session.scalars(expiring):
            last_day = renewal_due(lic.valid_to, days)
            out.append(LicenceDue("renewal", lic.licence_no, lic.unit_code, lic.shop_name, last_day))
    return sorted(out, key=lambda d: (d.due_on, d.kind, d.ref))


def _notice_days(session: Session, unit_codes: Iterable[str], on: date) -> dict[str, int]:
    """``licence_renewal_notice_days`` in force on ``on`` for each unit, looked up once per province."""
    by_province: dict[str, int] = {}
    out: dict[str, int] = {}
    for unit_code in unit_codes:
        province = province_of(session, unit_code)
        if province not in by_province:
            by_province[province] = refdata.days("licence_renewal_notice_days", province, on)
        out[unit_code] = by_province[province]
    return out
