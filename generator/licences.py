"""The licence register of the demo world (docs/contract-licences.md): licence versions and applications.

Retailers are the licensed parties of the cases, the retailers the spray codes of seized cartons name, and a
background of shops per county. Each licence runs in versions of ``VALIDITY_YEARS`` renewed on time; a share
is cancelled, suspended, left to expire, or renewed after a gap. Planted for the signals (ground truth
``licences`` in anomalies.json): applications decided after their legal time, renewals missed, spray codes
naming a licence cancelled before the carton was sorted, and cases whose recorded licence was not valid on
the day of the offence. Its own random stream: the rest of the world is unchanged by it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

import numpy as np
import pandas as pd

from generator import names
from generator.parties import licence_number
from zhifa.calendar import WorkingCalendar

VALIDITY_YEARS = 5  # [config] DOMAIN.md §10 "often 5 years"
BACKGROUND_PER_COUNTY = 12
DECISION_WORKING_DAYS = 20  # ref_settings licence_decision_working_days
SPRAY_LICENCE = slice(20, 32)  # the licence number inside a 32-digit spray code (DOMAIN.md §5)
BUSINESS = ("convenience", "grocery", "grocery", "supermarket", "tobacco_shop", "restaurant_hotel", "other")


def _end(start: date) -> date:
    """Last day of a version starting on ``start``."""
    return date(start.year + VALIDITY_YEARS, start.month, min(start.day, 28)) - timedelta(days=1)


@dataclass
class _Register:
    rng: np.random.Generator
    calendar: WorkingCalendar
    export_day: date
    versions: list[dict[str, Any]] = field(default_factory=list)
    applications: list[dict[str, Any]] = field(default_factory=list)
    truth: dict[str, list[str]] = field(
        default_factory=lambda: {
            "decision_late": [],
            "renewal_missed": [],
            "cancelled_spray_licences": [],
            "invalid_on_offence_cases": [],
        }
    )

    def _application(self, shop: dict[str, Any], kind: str, decided: date, late: bool) -> str:
        while not self.calendar.is_working_day(decided):  # decisions are signed on working days
            decided -= timedelta(days=1)
        app_id = f"LA{shop['licence_no']}{len(self.applications):06d}"
        limit = DECISION_WORKING_DAYS + (10 if late and self.rng.random() < 0.5 else 0)
        extension = limit - DECISION_WORKING_DAYS
        # accepted so that the decision falls within the legal time, or (late) a few working days after it
        spent = limit + int(self.rng.integers(1, 6)) if late else int(self.rng.integers(3, limit + 1))
        accepted = decided
        while self.calendar.working_days_between(accepted, decided) < spent:  # type: ignore[operator]
            accepted -= timedelta(days=1)
        received = accepted - timedelta(days=int(self.rng.integers(0, 4)))
        published = self.calendar.add_working_days(decided, 3)
        self.applications.append(
            dict(
                application_id=app_id,
                unit_code=shop["unit_code"],
                kind=kind,
                licence_no=shop["licence_no"] if kind != "new" else None,
                division_code=shop["division_code"],
                applicant_name=shop["operator_name"],
                address=shop["address"],
                lng=shop["lng"],
                lat=shop["lat"],
                received_at=datetime.combine(received, time(9, 30)),
                accepted_at=datetime.combine(accepted, time(10, 0)),
                extension_days=extension,
                decided_at=datetime.combine(decided, time(16, 0)),
                outcome="approved",
                late_reason="实地核查需补充材料" if late else None,
                published_at=datetime.combine(published, time(9, 0))
                if published <= self.export_day
                else None,
                source="zhifa generate",
            )
        )
        if late:
            self.truth["decision_late"].append(app_id)
        return app_id

    def licence(
        self,
        shop: dict[str, Any],
        first: date,
        keep_valid: date | None,
        fate: str,
        cancel_on: date | None = None,
    ) -> None:
        """Versions of one licence from ``first`` on; ``keep_valid``: a day it must be valid on;
        ``cancel_on``: the day a planted cancellation takes effect."""
        # renewals run a month past the export, so no version ending near it looks unrenewed
        start, versions, horizon = first, [], self.export_day + timedelta(days=30)
        while start <= horizon:
            versions.append(dict(valid_from=start, valid_to=_end(start)))
            start = _end(start) + timedelta(days=1)
        settled = self.export_day - timedelta(days=30)  # a lapse the data's latest day surely shows
        # "expired": the renewals stopped (unless the licence must still be held on keep_valid)
        ended = [k for k, v in enumerate(versions) if v["valid_to"] < settled]
        if (
            fate == "expired"
            and ended
            and (keep_valid is None or versions[ended[-1]]["valid_to"] >= keep_valid)
        ):
            versions = versions[: ended[-1] + 1]
            self.truth["renewal_missed"].append(shop["licence_no"])
        gap = int(self.rng.integers(15, 90))
        gapped = [v for v in versions[1:] if v["valid_from"] + timedelta(days=gap) < settled]
        if (
            fate == "renewed_late"
            and gapped
            and (keep_valid is None or gapped[-1]["valid_from"] > keep_valid)
        ):
            gapped[-1]["valid_from"] += timedelta(days=gap)
            self.truth["renewal_missed"].append(shop["licence_no"])
        status_from: date | None = cancel_on
        if cancel_on is not None:
            fate = "cancelled"
            versions = [v for v in versions if v["valid_from"] <= cancel_on]
        elif fate in ("cancelled", "suspended"):
            low = max(versions[0]["valid_from"], keep_valid or versions[0]["valid_from"]) + timedelta(days=1)
            span = (min(versions[-1]["valid_to"], self.export_day) - low).days
            status_from = low + timedelta(days=int(self.rng.integers(0, max(span, 1))))
            versions = [v for v in versions if v["valid_from"] <= status_from]
        for k, version in enumerate(versions):
            last = k == len(versions) - 1
            status = "valid" if version["valid_to"] >= self.export_day else "expired"
            if last and status_from is not None:
                status = fate
            kind = "new" if k == 0 else "renewal"
            decided = version["valid_from"] - timedelta(days=int(self.rng.integers(1, 20)))
            decided = min(decided, self.export_day - timedelta(days=1))  # nothing after the export
            late = self.rng.random() < 0.03
            app_id = self._application(shop, kind, decided, late)
            self.versions.append(
                dict(
                    licence_no=shop["licence_no"],
                    **version,
                    unit_code=shop["unit_code"],
                    division_code=shop["division_code"],
                    retailer_name=shop["retailer_name"],
                    operator_name=shop["operator_name"],
                    operator_id_no=shop["operator_id_no"],
                    address=shop["address"],
                    lng=shop["lng"],
                    lat=shop["lat"],
                    business_type=shop["business_type"],
                    status=status,
                    status_from=status_from if last and status_from is not None else None,
                    decision_kind=kind,
                    decided_at=datetime.combine(decided, time(16, 0)),
                    application_id=app_id,
                    source="zhifa generate",
                )
            )

    def refusals(self, shops: list[dict[str, Any]], share: float) -> None:
        """Refused new applications (no licence follows): the layout rule that refused them."""
        for shop in shops:
            if self.rng.random() >= share:
                continue
            day = self.export_day - timedelta(days=int(self.rng.integers(30, 700)))
            self._application({**shop, "licence_no": shop["licence_no"]}, "new", day, False)
            self.applications[-1].update(
                outcome="refused",
                refusal_rule=str(self.rng.choice(["MIN_DISTANCE", "SCHOOL_ZONE", "AREA_QUOTA"])),
                published_at=None,
            )


def _shop(
    rng: np.random.Generator, licence: str, unit: str, place: str, party: dict[str, Any]
) -> dict[str, Any]:
    # shops gather around their county's town (a few km across), so some stand closer than a layout minimum
    centre = np.random.default_rng(int(licence[:6])).uniform((110.4, 31.4), (116.6, 36.3))
    lng, lat = centre + rng.normal(0, 0.01, size=2)
    return dict(
        licence_no=licence,
        unit_code=unit,
        division_code=licence[:6],
        retailer_name=party.get("retailer_name")
        or f"{place}{''.join(rng.choice(names.SHOP_WORDS, size=2))}{rng.choice(names.SHOP_KINDS)}",
        operator_name=party.get("operator_name"),
        operator_id_no=party.get("operator_id_no"),
        address=party.get("address")
        or f"{place}{rng.choice(names.ROAD_WORDS)}路{int(rng.integers(1, 400))}号",
        lng=round(float(lng), 6),
        lat=round(float(lat), 6),
        business_type=str(rng.choice(BUSINESS)),
    )


def _fate(rng: np.random.Generator) -> str:
    return str(
        rng.choice(
            ["valid", "cancelled", "suspended", "expired", "renewed_late"], p=[0.82, 0.07, 0.02, 0.05, 0.04]
        )
    )


def licence_register(
    frame: pd.DataFrame,
    items: pd.DataFrame,
    units: pd.DataFrame,
    calendar: WorkingCalendar,
    start: date,
    export_day: date,
    rng: np.random.Generator,
) -> tuple[dict[str, pd.DataFrame], dict[str, list[str]]]:
    """``licences`` and ``licence_applications`` for the cases ``frame`` (and their ``items``) of a world."""
    reg = _Register(rng, calendar, export_day)
    place = {
        u: n.replace("烟草专卖局", "").rstrip("市县")
        for u, n in zip(units.unit_code, units.name, strict=True)
    }
    first_day = date(start.year - VALIDITY_YEARS, 1, 1)

    def first_version(valid_on: date | None) -> date:
        latest = valid_on or export_day
        return first_day + timedelta(days=int(rng.integers(0, max((latest - first_day).days, 1))))

    seen: set[str] = set()
    # the licensed parties of the cases: held on every day of their offences, but for a planted few
    licensed = frame[frame.licence_no.notna()]
    for licence, group in licensed.groupby("licence_no", sort=True):
        row = group.iloc[0]
        days = group.discovered_at.dt.date
        party = dict(operator_name=row.party_name, operator_id_no=row.party_id_no, address=row.address,
                     retailer_name=row.party_name if row.party_type == "entity" else None)  # fmt: skip
        shop = _shop(rng, str(licence), row.unit_code, place[row.unit_code], party)
        if rng.random() < 0.03:  # cancelled some time before the first offence
            cut = days.min() - timedelta(days=int(rng.integers(20, 300)))
            reg.licence(shop, first_version(cut - timedelta(days=100)), None, "valid", cancel_on=cut)
            reg.truth["invalid_on_offence_cases"].extend(group.case_id.tolist())
        else:
            reg.licence(shop, first_version(days.min()), days.max(), _fate(rng))
        seen.add(str(licence))
    # the retailers the spray codes name: a few had their licence cancelled before the carton was sorted
    coded = items[items.spray_code.notna()]
    for licence, group in coded.groupby(coded.spray_code.str.slice(SPRAY_LICENCE.start, SPRAY_LICENCE.stop)):
        if licence in seen or licence[:6] not in place:
            continue
        seen.add(licence)
        sorted_on = min(frame.discovered_at.iloc[int(c)].date() for c in group.case) - timedelta(days=60)
        shop = _shop(rng, licence, licence[:6], place[licence[:6]], {})
        if rng.random() < 0.01:
            cut = sorted_on - timedelta(days=int(rng.integers(10, 200)))
            reg.licence(shop, first_version(cut - timedelta(days=100)), None, "valid", cancel_on=cut)
            reg.truth["cancelled_spray_licences"].append(licence)
        else:
            reg.licence(shop, first_version(sorted_on - timedelta(days=60)), sorted_on, "valid")
    # a background of shops in every county, and refused applications for new places
    counties = units.unit_code[units.level == "county"].tolist()
    background: list[dict[str, Any]] = []
    for county in counties:
        for serial in rng.choice(np.arange(90000, 99999), size=BACKGROUND_PER_COUNTY, replace=False).tolist():
            licence = licence_number(county, serial % 3 == 0, serial)
            if licence not in seen:
                seen.add(licence)
                background.append(_shop(rng, licence, county, place[county], {}))
    for shop in background:
        reg.licence(shop, first_version(None), None, _fate(rng))
    reg.refusals(background, 0.15)
    return {
        "licence_applications": pd.DataFrame(reg.applications),
        "licences": pd.DataFrame(reg.versions),
    }, reg.truth
