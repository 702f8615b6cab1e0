"""Licensing dates that reach the 待办 inbox: decisions falling due within ``deadline_due_soon_days`` (or
past their legal time) and valid licences inside their renewal window (``licence_renewal_notice_days``
before expiry, or expired) with no renewal application under way — in the caller's unit subtree."""

from __future__ import annotations

from collections.abc import Callable
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
    if units is not None:
        apps = apps.where(LicenceApplication.unit_code.in_(units))
    out = [
        LicenceDue("decision", a.application_id, a.unit_code, a.shop_name, a.due_on)
        for a in session.scalars(apps)
        if a.due_on is not None
    ]
    for lic, last_day in renewals(session, units, on, lambda _province: within_days):
        out.append(LicenceDue("renewal", lic.licence_no, lic.unit_code, lic.shop_name, last_day))
    return sorted(out, key=lambda d: (d.due_on, d.kind, d.ref))


def renewals(
    session: Session, units: frozenset[str] | None, on: date, within_days: Callable[[str], int]
) -> list[tuple[Licence, date]]:
    """Valid licences of ``units`` (None = all) with no renewal under way whose last day to apply for renewal
    falls within ``within_days(province)`` of ``on`` or has passed, with that last day."""
    licences = select(Licence).where(Licence.status == "valid")
    if units is not None:
        licences = licences.where(Licence.unit_code.in_(units))
    renewing = select(LicenceApplication.licence_no).where(
        LicenceApplication.kind == "renewal", LicenceApplication.status.in_(OPEN_APPLICATION)
    )
    under_way = {n for n in session.scalars(renewing) if n}
    valid = licences.where(Licence.licence_no.not_in(under_way))
    # the settings are reference data by province and date: asked once per province, not once per licence,
    # and the store skips every licence whose last day lies past the province's horizon
    groups: dict[tuple[int, int], list[str]] = {}
    provinces: dict[str, tuple[int, int]] = {}
    for unit_code in session.scalars(valid.with_only_columns(Licence.unit_code).distinct()).all():
        province = province_of(session, unit_code)
        if province not in provinces:
            notice = refdata.days("licence_renewal_notice_days", province, on)
            provinces[province] = (notice, within_days(province))
        groups.setdefault(provinces[province], []).append(unit_code)
    out: list[tuple[Licence, date]] = []
    for (notice, within), unit_codes in groups.items():
        horizon = on + timedelta(days=within + notice)
        for lic in session.scalars(
            valid.where(Licence.unit_code.in_(unit_codes), Licence.valid_to <= horizon)
        ):
            out.append((lic, renewal_due(lic.valid_to, notice)))
    return out
