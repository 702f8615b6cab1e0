"""Cases with seized goods, valuation, discretion and a procedural timeline; planted anomalies.

Pass 1 draws every case clean; pass 2 plants procedural defects on chosen cases (ground truth);
``rows.py`` turns the case records into contract tables.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd

from zhifa.documents.doctypes import document_number
from zhifa.generator.parties import licence_number, make_party, spray_code
from zhifa.generator.pricing import PriceBook, cartons
from zhifa.generator.scales import Scale
from zhifa.generator.world import Units
from zhifa.reference import ReferenceData

# violation, share of cases, cartons per line (low, high), mean lines per case
VIOLATION_MIX: list[tuple[str, float, tuple[int, int], float]] = [
    ("NON_DESIGNATED_SOURCE", 0.55, (1, 6), 7.0),
    ("SELLING_ILLEGAL_PRODUCTS", 0.15, (2, 20), 9.0),
    ("NO_TRANSPORT_PERMIT", 0.07, (10, 60), 14.0),
    ("UNLICENSED_RETAIL", 0.07, (1, 4), 4.0),
    ("SUPPLY_TO_UNLICENSED", 0.06, (2, 15), 8.0),
    ("UNLICENSED_WHOLESALE", 0.04, (5, 40), 12.0),
    ("MAIL_OR_CARRY_OVER_LIMIT", 0.03, (2, 8), 3.0),
    ("WHOLESALE_OUT_OF_SCOPE", 0.03, (5, 30), 10.0),
]
PROCEDURAL_DEFECTS = (
    "FILING_LATE",
    "PRESERVATION_HANDLING_LATE",
    "DECISION_OVERDUE",
    "FEWER_THAN_TWO_OFFICERS",
    "OFFICER_CERT_INVALID",
    "DOCUMENT_MISSING",
    "SERVICE_LATE",
    "LEGAL_REVIEW_MISSING",
    "HEARING_NOT_NOTIFIED",
    "ARCHIVED_BEFORE_CLOSED",
    "PUBLICATION_LATE",
    "VIDEO_MISSING",
    "VIDEO_UPLOAD_LATE",
    "DEVIATION_UNAPPROVED",
    "FINE_OUTSIDE_STATUTORY_RANGE",
    "VALUATION_MISMATCH",
)
DEFECT_SHARE = 0.008  # of eligible cases, per defect
BIAS_POSITION = 0.75  # planted bias, in half-widths of the tier (−1 = tier minimum, +1 = tier maximum)


@dataclass
class Case:
    case_id: str
    unit_code: str
    province_code: str
    violation_code: str
    discovered_at: datetime
    party: dict[str, str]
    party_type: str
    licence_no: str | None
    source: str
    prior_offences: int
    items: list[dict[str, Any]]
    computed_amount: float
    officers: list[str]
    serial: int
    tier: Any = None  # TierChoice | None
    rate: float | None = None
    fine: float | None = None
    stated_amount: float | None = None
    deviation: str | None = None  # None | approved | unapproved
    deviation_reason: str | None = None
    path: str = "decided"  # decided | transferred | withdrawn
    off: dict[str, float] = field(default_factory=dict)  # timeline offsets in days
    flags: dict[str, Any] = field(default_factory=dict)
    defects: list[str] = field(default_factory=list)

    def at(self, step: str) -> datetime | None:
        days = self.off.get(step)
        return None if days is None else self.discovered_at + timedelta(days=days)


class CaseGenerator:
    def __init__(
        self,
        scale: Scale,
        rng: np.random.Generator,
        units: Units,
        officers: pd.DataFrame,
        products: pd.DataFrame,
        prices: pd.DataFrame,
        ref: ReferenceData,
    ) -> None:
        self.scale, self.rng, self.units, self.ref = scale, rng, units, ref
        self.products = products.reset_index(drop=True).to_dict("records")
        self.book = PriceBook(prices)
        self.export_at = datetime.combine(scale.end_date + timedelta(days=5), datetime.min.time())
        # officers whose certificate lapsed before the period serve only planted OFFICER_CERT_INVALID cases
        lapsed = officers.cert_valid_to < scale.start_date
        self.expired_officer = dict(zip(officers[lapsed].unit_code, officers[lapsed].officer_id, strict=True))
        active = officers[officers.roles.str.contains("officer") & ~lapsed]
        self.unit_officers = {u: list(g.officer_id) for u, g in active.groupby("unit_code", sort=True)}
        self.cert_to = dict(zip(officers.officer_id, officers.cert_valid_to, strict=True))
        self.unit_name = dict(zip(units.table.unit_code, units.table.name, strict=True))
        self.unit_abbr = dict(zip(units.table.unit_code, units.table.abbreviation, strict=True))
        self.unit_head = {u: f"O{u}001" for u in units.table.unit_code}  # officer 001 heads each unit
        self.officer_name = dict(zip(officers.officer_id, officers.name, strict=True))
        self.officer_cert = dict(zip(officers.officer_id, officers.cert_no, strict=True))
        docs = ref.document_types
        self.filing_order = dict(zip(docs.doc_type, docs.filing_order, strict=True))
        self.truth: dict[str, Any] = {}

    # ---------------------------------------------------------------- pass 1: clean cases
    def generate(self) -> list[Case]:
        rng, scale = self.rng, self.scale
        counties = list(self.units.counties)
        picks = rng.permutation(len(counties))
        high, low, noisy = (counties[int(i)] for i in picks[:3])
        weights = rng.gamma(4.0, 1.0, size=len(counties))
        weights[int(picks[2])] = 0.0  # the small noisy unit gets a fixed handful of cases below
        counts = rng.multinomial(scale.n_cases - 4, weights / weights.sum())
        unit_cases = [(c, int(n)) for c, n in zip(counties, counts, strict=True)] + [(noisy, 4)]
        officer_bias = self._pick_biased_officers({high, low, noisy})
        unit_bias = {high: BIAS_POSITION, low: -BIAS_POSITION, noisy: 0.0}
        self.truth.update(
            biased_units=[{"unit_code": high, "direction": "high"}, {"unit_code": low, "direction": "low"}],
            small_noisy_unit=noisy,
            biased_officers=[
                {"officer_id": o, "direction": "high" if b > 0 else "low"} for o, b in officer_bias.items()
            ],
        )
        cases: list[Case] = []
        serials: dict[tuple[str, int], int] = {}
        span_days = (scale.end_date - scale.start_date).days + 1
        for unit, n in unit_cases:
            for _ in range(n):
                day = scale.start_date + timedelta(days=int(rng.integers(0, span_days)))
                discovered = datetime.combine(day, datetime.min.time()) + timedelta(
                    minutes=int(rng.integers(480, 1080))
                )
                key = (unit, day.year)
                serials[key] = serials.get(key, 0) + 1
                case = self._draw_case(unit, discovered, serials[key])
                position = unit_bias.get(unit, 0.0) + officer_bias.get(case.officers[0], 0.0)
                if unit == noisy:
                    position = 0.45  # looks high on four cases; partial pooling must not flag it
                self._decide_fine(case, position, noise=0.0 if unit == noisy else 0.3)
                self._draw_timeline(case)
                cases.append(case)
        cases.sort(key=lambda c: (c.discovered_at, c.case_id))
        return cases

    def _pick_biased_officers(self, exclude: set[str]) -> dict[str, float]:
        pool = [u for u in self.units.counties if u not in exclude]
        chosen = self.rng.choice(len(pool), size=2, replace=False)
        out = {}
        for sign, idx in zip((1.0, -1.0), chosen, strict=True):
            officers = self.unit_officers[pool[int(idx)]]
            out[officers[2]] = sign * BIAS_POSITION  # a rank-and-file officer, not the head
        return out

    def _draw_case(self, unit: str, discovered: datetime, serial: int) -> Case:
        rng = self.rng
        mix = VIOLATION_MIX[int(rng.choice(len(VIOLATION_MIX), p=[m[1] for m in VIOLATION_MIX]))]
        violation, _, (lo, hi), mean_lines = mix
        entity = rng.random() < 0.2
        retail = violation in ("NON_DESIGNATED_SOURCE", "SELLING_ILLEGAL_PRODUCTS", "SUPPLY_TO_UNLICENSED")
        licence = licence_number(unit, entity, int(rng.integers(1, 99999))) if retail else None
        province = self.units.province_of[unit]
        items = self._draw_items(violation, province, discovered.date(), lo, hi, mean_lines, serial)
        computed = round(sum(i["value"] for i in items), 2)
        officers = self.unit_officers[unit]
        lead = officers[int(rng.integers(1, len(officers) - 1))] if rng.random() < 0.9 else officers[2]
        assistant = next(o for o in rng.permutation(officers[1:]) if o != lead)
        priors = int(rng.choice([0, 0, 0, 0, 0, 0, 1, 1, 2, 3]))
        return Case(
            case_id=f"C{unit}{discovered.year}{serial:05d}",
            unit_code=unit,
            province_code=province,
            violation_code=violation,
            discovered_at=discovered,
            party=make_party(rng, unit, self.unit_name[unit], entity),
            party_type="entity" if entity else "individual",
            licence_no=licence,
            source=str(rng.choice(["inspection", "inspection", "inspection", "report", "assigned"])),
            prior_offences=priors,
            items=items,
            computed_amount=computed,
            officers=[str(lead), str(assistant)],
            serial=serial,
        )

    def _draw_items(
        self, violation: str, province: str, on: date, lo: int, hi: int, mean_lines: float, serial: int
    ) -> list[dict[str, Any]]:
        rng = self.rng
        price_type = self.ref.price_type(province, on)
        n_lines = 1 + int(rng.poisson(mean_lines - 1))
        chosen = rng.choice(len(self.products), size=min(n_lines, len(self.products)), replace=False)
        items = []
        for line_no, idx in enumerate(chosen, start=1):
            p = self.products[int(idx)]
            unit = str(rng.choice(["carton"] * 17 + ["pack"] * 2 + ["stick"]))
            qty = float(rng.integers(lo, hi + 1))
            if unit == "pack":
                qty = float(rng.integers(2, 10))
            elif unit == "stick":
                qty = float(rng.integers(1, 10) * 20)
            price = self.book.price(p["product_code"], province, price_type, on)
            assert price is not None, f"no {price_type} price for {p['product_code']} on {on}"
            n_cartons = cartons(qty, unit, int(p["sticks_per_pack"]), int(p["packs_per_carton"]))
            items.append(
                dict(
                    line_no=line_no,
                    product_code=p["product_code"] if rng.random() < 0.9 else None,
                    barcode=p["pack_barcode"] if unit == "pack" else p["carton_barcode"],
                    spec_name_raw=p["spec_name"],
                    quantity=qty,
                    quantity_unit=unit,
                    unit_price=price,
                    cartons=n_cartons,
                    value=round(n_cartons * price, 2),
                    authenticity="counterfeit" if violation == "SELLING_ILLEGAL_PRODUCTS" else "genuine",
                    spray_code=spray_code(
                        on - timedelta(days=int(rng.integers(3, 60))),
                        serial * 100 + line_no,
                        int(rng.integers(1, 50)),
                        "HNYC",
                        licence_number(province[:2] + "0101", False, int(rng.integers(1, 99999))),
                    )
                    if violation == "NON_DESIGNATED_SOURCE" and unit == "carton" and rng.random() < 0.5
                    else None,
                )
            )
        return items

    def _decide_fine(self, case: Case, position: float, noise: float) -> None:
        rng = self.rng
        if case.violation_code == "UNLICENSED_RETAIL":
            case.path = "transferred"  # fined by market regulation: the bureau transfers the case
            return
        if rng.random() < 0.01:
            case.path = "withdrawn"
            return
        quantity = {"carton": sum(i["cartons"] for i in case.items)}
        quantity["stick"] = quantity["carton"] * 200
        case.tier = self.ref.select_tier(
            case.province_code,
            case.violation_code,
            case.discovered_at.date(),
            base_amount=case.computed_amount,
            quantity=quantity,
            prior_offences=case.prior_offences,
        )
        assert case.tier is not None, f"no tier for {case.violation_code} in {case.province_code}"
        p = position + rng.normal(0.0, noise)
        if (abs(p) > 0.9 and rng.random() < 0.6) or rng.random() < 0.02:
            p = float(np.sign(p) or 1.0) * rng.uniform(1.15, 1.6)  # out of tier, with reason and approval
            case.deviation = "approved"
            case.deviation_reason = (
                "当事人主动配合调查并如实陈述违法事实" if p < 0 else "当事人拒不配合调查，情节较重"
            )
        else:
            p = float(np.clip(p, -0.9, 0.9))
        case.rate = self.rate_at(case, p)
        if case.tier.rate_min <= case.rate <= case.tier.rate_max:  # clamped back into the tier by the law
            case.deviation, case.deviation_reason = None, None
        case.fine = round(case.rate * case.computed_amount, 2)
        case.stated_amount = case.computed_amount

    def rate_at(self, case: Case, position: float) -> float:
        tier = case.tier
        mid, half = (tier.rate_min + tier.rate_max) / 2, (tier.rate_max - tier.rate_min) / 2
        lo, hi = self.ref.statutory_range(case.violation_code)
        rate = mid + position * half
        if lo is not None and hi is not None:  # an approved deviation still stays inside the law
            rate = min(max(rate, lo + 0.002), hi - 0.002)
        return round(rate, 4)

    def _draw_timeline(self, case: Case) -> None:
        u = self.rng.uniform
        off = case.off
        off["filed"] = u(0.1, 5)
        off["preservation"] = 0.05
        off["preservation_handling"] = u(1, 6)
        if case.path == "transferred":
            off["transferred"] = off["filed"] + u(3, 15)
            return
        if case.path == "withdrawn":
            off["withdrawn"] = off["filed"] + u(5, 30)
            return
        case.flags["extension"] = 0
        self.refresh_thresholds(case)
        if self.rng.random() < 0.05:
            case.flags["extension"] = 30
            off["extension"] = off["filed"] + 80
            off["decided"] = off["filed"] + u(92, 115)
        else:
            off["decided"] = off["filed"] + u(15, 75)
        off["prior_notice"] = off["decided"] - u(5, 10)
        off["legal_review"] = off["decided"] - u(1, 3)
        off["served"] = off["decided"] + u(0, 5)
        off["published"] = off["decided"] + u(1, 6)
        off["executed"] = off["served"] + u(1, 14)
        off["closed"] = off["served"] + u(16, 45)
        off["archived"] = off["closed"] + u(1, 20)

    def case_no(self, case: Case) -> str:
        """The filing number, e.g. 乐烟立〔2024〕第12号."""
        filed = case.at("filed") or case.discovered_at
        return document_number(self.unit_abbr[case.unit_code], "立", filed.year, case.serial)

    def refresh_thresholds(self, case: Case) -> None:
        """Hearing right and legal review follow the fine; call again whenever the fine changes."""
        fine, on = case.fine or 0.0, case.discovered_at.date()
        hearing = fine > float(self.ref.setting("hearing_fine_threshold", case.province_code, on))
        review = fine > float(self.ref.setting("legal_review_fine_threshold", case.province_code, on))
        case.flags.update(hearing=hearing, legal_review=review, collective=review)

    def reached(self, case: Case, step: str) -> bool:
        when = case.at(step)
        return when is not None and when <= self.export_at
