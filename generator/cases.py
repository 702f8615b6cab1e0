"""Cases with seized goods, valuation, discretion and a procedural timeline; planted anomalies.

Pass 1 draws every case clean, column by column for all cases at once; pass 2 (``defects.py``) plants
procedural defects on chosen cases (ground truth); ``rows.py`` turns the columns into contract tables.
A case's timeline is a set of ``off_<step>`` columns: days after discovery, NaN where the step never happens.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd

from generator.items import draw_items
from generator.parties import draw_parties, licence_number
from generator.pricing import PriceBook, by_period
from generator.scales import Scale
from generator.world import Units
from zhifa.calendar import load_calendar
from zhifa.documents.doctypes import document_number
from zhifa.major_decisions import MajorDecisionFacts, hits
from zhifa.reference import ReferenceData

# violation, share of cases, cartons per line (low, high), mean lines per case
VIOLATION_MIX: list[tuple[str, float, tuple[int, int], float]] = [
    ("NON_DESIGNATED_SOURCE", 0.51, (1, 6), 7.0),
    ("SELLING_ILLEGAL_PRODUCTS", 0.15, (2, 20), 9.0),
    ("NO_TRANSPORT_PERMIT", 0.07, (10, 60), 14.0),
    ("UNLICENSED_RETAIL", 0.07, (1, 4), 4.0),
    ("SUPPLY_TO_UNLICENSED", 0.06, (2, 15), 8.0),
    ("UNLICENSED_WHOLESALE", 0.04, (5, 40), 12.0),
    ("MAIL_OR_CARRY_OVER_LIMIT", 0.03, (2, 8), 3.0),
    ("WHOLESALE_OUT_OF_SCOPE", 0.03, (5, 30), 10.0),
    # goods without a catalog price (generator.items.NON_CATALOG): leaf, paper and filter rods, a machine
    ("UNLICENSED_LEAF_PURCHASE", 0.02, (1, 1), 1.5),
    ("PURCHASE_FROM_UNLICENSED_MAKER", 0.01, (1, 1), 2.0),
    ("UNLICENSED_MANUFACTURE", 0.01, (5, 40), 4.0),
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
    "PUBLICATION_MISSING",
)
DEFECT_SHARE = 0.008  # of eligible cases, per defect
BIAS_POSITION = 0.75  # planted bias, in half-widths of the tier (−1 = tier minimum, +1 = tier maximum)
STEPS = (
    "filed",
    "preservation",
    "preservation_handling",
    "transferred",
    "withdrawn",
    "extension",
    "decided",
    "prior_notice",
    "legal_review",
    "served",
    "published",
    "executed",
    "closed",
    "archived",
)
NONE = np.array(None, dtype=object)  # a missing value for np.where
RETAIL_VIOLATIONS = ("NON_DESIGNATED_SOURCE", "SELLING_ILLEGAL_PRODUCTS", "SUPPLY_TO_UNLICENSED")


def off(step: str) -> str:
    return f"off_{step}"


@dataclass
class Cases:
    """Every case as one row of ``frame`` (sorted by discovery time, case id) and its goods in ``items``."""

    frame: pd.DataFrame
    items: pd.DataFrame  # items.case = row position in frame


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
        self.products = products.reset_index(drop=True)
        self.book = PriceBook(prices)
        self.calendar = load_calendar()
        self.export_at = datetime.combine(scale.end_date + timedelta(days=5), datetime.min.time())
        # officers whose certificate lapsed before the period serve only planted OFFICER_CERT_INVALID cases
        lapsed = officers.cert_valid_to < scale.start_date
        self.expired_officer = dict(zip(officers[lapsed].unit_code, officers[lapsed].officer_id, strict=True))
        active = officers[officers.roles.str.contains("officer") & ~lapsed]
        self.unit_officers = {u: list(g.officer_id) for u, g in active.groupby("unit_code", sort=True)}
        self.unit_name = dict(zip(units.table.unit_code, units.table.name, strict=True))
        self.unit_abbr = dict(zip(units.table.unit_code, units.table.abbreviation, strict=True))
        self.unit_head = {u: f"O{u}001" for u in units.table.unit_code}  # officer 001 heads each unit
        self.officer_name = dict(zip(officers.officer_id, officers.name, strict=True))
        self.officer_cert = dict(zip(officers.officer_id, officers.cert_no, strict=True))
        docs = ref.document_types
        self.filing_order = dict(zip(docs.doc_type, docs.filing_order, strict=True))
        # the dates on which reference answers may change (see pricing.by_period)
        basis = ref.price_basis
        self.price_basis_changes = [
            *basis.valid_from,
            *(pd.to_datetime(basis.valid_to) + pd.Timedelta(days=1)),
        ]
        self.setting_changes = list(ref.settings.valid_from)
        self.truth: dict[str, Any] = {}

    # ---------------------------------------------------------------- pass 1: clean cases
    def generate(self) -> Cases:
        rng, scale = self.rng, self.scale
        counties = list(self.units.counties)
        picks = rng.permutation(len(counties))
        high, low, noisy = (counties[int(i)] for i in picks[:3])
        weights = rng.gamma(4.0, 1.0, size=len(counties))
        weights[int(picks[2])] = 0.0  # the small noisy unit gets a fixed handful of cases below
        counts = rng.multinomial(scale.n_cases - 4, weights / weights.sum())
        unit = np.concatenate([np.repeat(np.array(counties, dtype=object), counts), np.array([noisy] * 4)])
        officer_bias = self._pick_biased_officers({high, low, noisy})
        unit_bias = {high: BIAS_POSITION, low: -BIAS_POSITION, noisy: 0.0}
        self.truth.update(
            biased_units=[{"unit_code": high, "direction": "high"}, {"unit_code": low, "direction": "low"}],
            small_noisy_unit=noisy,
            biased_officers=[
                {"officer_id": o, "direction": "high" if b > 0 else "low"} for o, b in officer_bias.items()
            ],
        )
        n = len(unit)
        span_days = (scale.end_date - scale.start_date).days + 1
        day = rng.integers(0, span_days, size=n)
        minute = rng.integers(480, 1080, size=n)
        discovered = (
            pd.Timestamp(scale.start_date)
            + pd.to_timedelta(day, unit="D")
            + pd.to_timedelta(minute, unit="min")
        )
        f = pd.DataFrame(dict(unit_code=unit, discovered_at=discovered))
        f["serial"] = f.groupby(["unit_code", f.discovered_at.dt.year], sort=False).cumcount() + 1
        f["case_id"] = [
            f"C{u}{y}{s:05d}"
            for u, y, s in zip(
                f.unit_code.tolist(), f.discovered_at.dt.year.tolist(), f.serial.tolist(), strict=True
            )
        ]
        f = f.sort_values(["discovered_at", "case_id"], kind="stable").reset_index(drop=True)
        items = self._draw_cases(f)
        position = f.unit_code.map(unit_bias).fillna(0.0) + f.lead.map(officer_bias).fillna(0.0)
        position = np.where(
            f.unit_code == noisy, 0.45, position
        )  # looks high on four cases; pooling must not flag it
        noise = np.where(f.unit_code == noisy, 0.0, 0.3)
        self._decide_fine(f, items, position, noise)
        self._draw_timeline(f)
        return Cases(f, items)

    def _pick_biased_officers(self, exclude: set[str]) -> dict[str, float]:
        pool = [u for u in self.units.counties if u not in exclude]
        chosen = self.rng.choice(len(pool), size=2, replace=False)
        out = {}
        for sign, idx in zip((1.0, -1.0), chosen, strict=True):
            officers = self.unit_officers[pool[int(idx)]]
            out[officers[2]] = sign * BIAS_POSITION  # a rank-and-file officer, not the head
        return out

    def _draw_cases(self, f: pd.DataFrame) -> pd.DataFrame:
        """Violation, party, licence, goods, officers, priors and source of every case; returns the items."""
        rng, n = self.rng, len(f)
        mix = rng.choice(len(VIOLATION_MIX), size=n, p=[m[1] for m in VIOLATION_MIX])
        f["violation_code"] = np.array([m[0] for m in VIOLATION_MIX], dtype=object)[mix]
        entity = rng.random(n) < 0.2
        f["party_type"] = np.where(entity, "entity", "individual")
        retail = f.violation_code.isin(RETAIL_VIOLATIONS).to_numpy()
        serials = rng.integers(1, 99999, size=n).tolist()
        f["licence_no"] = [
            licence_number(u, e, s) if r else None
            for u, e, s, r in zip(
                f.unit_code.tolist(), entity.tolist(), serials, retail.tolist(), strict=True
            )
        ]
        f["province_code"] = f.unit_code.map(self.units.province_of)
        parties = draw_parties(rng, f.unit_code.tolist(), f.unit_code.map(self.unit_name).tolist(), entity)
        for col in parties.columns:
            f[col] = parties[col].to_numpy()
        low = np.array([m[2][0] for m in VIOLATION_MIX])[mix]
        high = np.array([m[2][1] for m in VIOLATION_MIX])[mix]
        items = draw_items(self, f, low, high, np.array([m[3] for m in VIOLATION_MIX])[mix])
        self._draw_officers(f)
        f["prior_offences"] = rng.choice([0, 0, 0, 0, 0, 0, 1, 1, 2, 3], size=n)
        f["source"] = rng.choice(["inspection", "inspection", "inspection", "report", "assigned"], size=n)
        return items

    def _draw_officers(self, f: pd.DataFrame) -> None:
        """Lead: mostly any officer but the head; the assistant is another officer of the unit."""
        rng, n = self.rng, len(f)
        names = sorted(self.unit_officers)
        width = max(len(v) for v in self.unit_officers.values())
        table = np.array([self.unit_officers[u] + [""] * (width - len(self.unit_officers[u])) for u in names])
        row = pd.Index(names).get_indexer(f.unit_code)
        size = np.array([len(self.unit_officers[u]) for u in names])[row]
        lead = np.where(rng.random(n) < 0.9, rng.integers(1, size - 1), 2)
        other = rng.integers(1, size - 1)  # one of officers[1:] other than the lead
        other = np.where(other >= lead, other + 1, other)
        f["lead"] = table[row, lead]
        f["assistant"] = table[row, other].astype(object)

    def _decide_fine(self, f: pd.DataFrame, items: pd.DataFrame, position: Any, noise: Any) -> None:
        rng, n = self.rng, len(f)
        path = np.where(f.violation_code == "UNLICENSED_RETAIL", "transferred", "decided").astype(object)
        path[(path == "decided") & (rng.random(n) < 0.01)] = "withdrawn"  # else fined by market regulation
        f["path"] = path
        total_cartons = np.bincount(items.case, weights=items.cartons, minlength=n)
        total_sticks = np.bincount(items.case, weights=items.sticks, minlength=n)  # 16- and 20-stick packs
        total_kg = np.bincount(items.case, weights=items.kg, minlength=n)
        # a unit counts only when the case has lines in it (no cigarettes = no carton quantity, not zero)
        has_cartons = np.bincount(items.case, weights=items.catalog.astype(float), minlength=n) > 0
        has_kg = np.bincount(items.case, weights=(items.quantity_unit == "kg").astype(float), minlength=n) > 0
        tier, tier_min, tier_max = np.full(n, np.nan), np.full(n, np.nan), np.full(n, np.nan)
        days = f.discovered_at.dt.date.to_numpy()
        columns = (f.province_code.to_numpy(), f.violation_code.to_numpy(), f.computed_amount.to_numpy())
        priors = f.prior_offences.to_numpy()
        for i in np.flatnonzero(path == "decided"):
            choice = self.ref.select_tier(
                columns[0][i],
                columns[1][i],
                days[i],
                base_amount=float(columns[2][i]),
                quantity={
                    **(
                        {"carton": float(total_cartons[i]), "stick": float(total_sticks[i])}
                        if has_cartons[i]
                        else {}
                    ),
                    **({"kg": float(total_kg[i])} if has_kg[i] else {}),
                },
                prior_offences=int(priors[i]),
            )
            assert choice is not None, f"no tier for {columns[1][i]} in {columns[0][i]}"
            tier[i], tier_min[i], tier_max[i] = choice.tier, choice.rate_min, choice.rate_max
        f["tier"], f["tier_rate_min"], f["tier_rate_max"] = tier, tier_min, tier_max
        p = position + rng.normal(0.0, 1.0, size=n) * noise
        deviate = ((np.abs(p) > 0.9) & (rng.random(n) < 0.6)) | (rng.random(n) < 0.02)
        sign = np.where(np.sign(p) == 0, 1.0, np.sign(p))
        p = np.where(deviate, sign * rng.uniform(1.15, 1.6, size=n), np.clip(p, -0.9, 0.9))  # out of tier
        rate = self.rate_at(f, p)
        inside = (tier_min <= rate) & (rate <= tier_max)  # clamped back into the tier by the law
        decided = path == "decided"
        deviation = np.where(deviate & ~inside & decided, "approved", NONE)
        f["deviation"] = deviation
        f["deviation_reason"] = np.where(
            deviation == "approved",
            np.where(p < 0, "当事人主动配合调查并如实陈述违法事实", "当事人拒不配合调查，情节较重"),
            NONE,
        )
        f["rate"] = np.where(decided, rate, np.nan)
        f["fine"] = np.round(f.rate * f.computed_amount, 2)
        f["stated_amount"] = np.where(decided, f.computed_amount, np.nan)

    def rate_at(self, f: pd.DataFrame, position: Any) -> Any:
        """Fine rate at ``position`` inside each case's tier, kept inside the statutory range."""
        lo_hi = {v: self.ref.statutory_range(v) for v in f.violation_code.unique()}
        lo = f.violation_code.map(lambda v: np.nan if lo_hi[v][0] is None else lo_hi[v][0]).to_numpy(float)
        hi = f.violation_code.map(lambda v: np.nan if lo_hi[v][1] is None else lo_hi[v][1]).to_numpy(float)
        mid = (f.tier_rate_min.to_numpy() + f.tier_rate_max.to_numpy()) / 2
        half = (f.tier_rate_max.to_numpy() - f.tier_rate_min.to_numpy()) / 2
        rate = mid + position * half
        bounded = ~np.isnan(lo) & ~np.isnan(hi)  # an approved deviation still stays inside the law
        rate = np.where(bounded, np.minimum(np.maximum(rate, lo + 0.002), hi - 0.002), rate)
        return np.round(rate, 4)

    def _draw_timeline(self, f: pd.DataFrame) -> None:
        rng, n = self.rng, len(f)

        def u(lo: float, hi: float) -> Any:
            return rng.uniform(lo, hi, size=n)

        path = f.path.to_numpy()
        decided, nan = path == "decided", np.full(n, np.nan)
        filed = u(0.1, 5)
        f[off("filed")] = filed
        f[off("preservation")] = 0.05
        f[off("preservation_handling")] = u(1, 6)
        f[off("transferred")] = np.where(path == "transferred", filed + u(3, 15), nan)
        f[off("withdrawn")] = np.where(path == "withdrawn", filed + u(5, 30), nan)
        extension = decided & (rng.random(n) < 0.05)
        f["extension"] = np.where(extension, 30.0, np.where(decided, 0.0, nan))
        f[off("extension")] = np.where(extension, filed + 80, nan)
        d = np.where(extension, filed + u(92, 115), filed + u(15, 75))
        d = np.where(decided, d, nan)
        f[off("decided")] = d
        f[off("prior_notice")] = d - u(5, 10)
        f[off("legal_review")] = d - u(1, 3)
        served = d + u(0, 5)
        f[off("served")] = served
        # published 1–6 working days after the decision (never beyond the limit): across a holiday week that
        # is many calendar days, which a Monday–Friday count would call late
        limit = self.setting_per_case(f, "publication_working_days")
        f[off("published")] = self.published_after(f, d, np.minimum(np.ceil(u(1, 6)), limit))
        f[off("executed")] = served + u(1, 14)
        closed = served + u(16, 45)
        f[off("closed")] = closed
        f[off("archived")] = closed + u(1, 20)
        f["hearing_threshold"] = self.setting_per_case(f, "hearing_fine_threshold")
        f["missing_document"] = None
        f["no_inspection_video"] = False
        f["late_video_hours"] = np.nan
        f["defect"] = None
        self.refresh_thresholds(f, np.flatnonzero(decided))

    def published_after(self, f: pd.DataFrame, decided: Any, working_days: Any) -> np.ndarray:
        """Offsets (days after discovery) of a publication ``working_days`` working days after the decision
        (zhifa.calendar: weekends, State Council holidays and make-up days), at the decision's time of day;
        NaN where there is no decision."""
        decided = np.asarray(decided, dtype=float)
        working_days = np.asarray(working_days, dtype=float)
        out = np.full(len(decided), np.nan)
        ok = ~np.isnan(decided) & ~np.isnan(working_days)
        at = (
            pd.DatetimeIndex(f.discovered_at.to_numpy()[ok]) + pd.to_timedelta(decided[ok], unit="D")
        ).normalize()
        days = [
            (self.calendar.add_working_days(day.date(), int(k)) - day.date()).days
            for day, k in zip(at, working_days[ok], strict=True)
        ]
        out[ok] = decided[ok] + np.asarray(days, dtype=float)
        return out

    def setting_per_case(self, f: pd.DataFrame, key: str) -> np.ndarray:
        values = by_period(
            f.province_code, f.discovered_at, self.setting_changes, lambda p, d: self.ref.setting(key, p, d)
        )
        return np.array(values, dtype=float)

    def refresh_thresholds(self, f: pd.DataFrame, rows: np.ndarray) -> None:
        """Hearing right, legal review and collective discussion follow the fine and the goods' value (the
        review and discussion by the catalogue of major decisions, as the API and the warehouse read it);
        call again whenever the fine changes."""
        fine = f.fine.to_numpy()[rows]
        hearing = fine > f.hearing_threshold.to_numpy()[rows]
        found = [
            hits(MajorDecisionFacts(fine_amount=_money(a), goods_value=_money(v)), p, d)
            for a, v, p, d in zip(
                fine,
                f.computed_amount.to_numpy()[rows],
                f.province_code.to_numpy()[rows],
                f.discovered_at.dt.date.to_numpy()[rows],
                strict=True,
            )
        ]
        review = np.array([bool(h) for h in found], dtype=bool)
        collective = np.array([any(e.collective_discussion for e in h) for h in found], dtype=bool)
        for col, value in (("hearing", hearing), ("legal_review", review), ("collective", collective)):
            if col not in f:
                f[col] = False
            f.loc[rows, col] = value

    def times(self, f: pd.DataFrame, step: str) -> pd.Series:
        """When each case reaches ``step`` (NaT where it never does)."""
        return (f.discovered_at + pd.to_timedelta(f[off(step)], unit="D")).dt.floor("us")

    def seen(self, f: pd.DataFrame, step: str) -> pd.Series:
        """The step's time where it happened before the export, else NaT."""
        when = self.times(f, step)
        return when.where(when <= pd.Timestamp(self.export_at))

    def case_numbers(self, f: pd.DataFrame) -> list[str]:
        """Filing numbers, e.g. 乐烟立〔2024〕第12号."""
        years = self.times(f, "filed").dt.year
        return [
            document_number(self.unit_abbr[u], "立", y, s)
            for u, y, s in zip(f.unit_code.tolist(), years.tolist(), f.serial.tolist(), strict=True)
        ]


def _money(value: float) -> Decimal | None:
    return None if np.isnan(value) else Decimal(str(round(float(value), 2)))
