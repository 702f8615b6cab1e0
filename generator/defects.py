"""Pass 2: plant procedural defects (each one the cause of exactly one risk signal) on chosen cases.

Only cases old enough to have run their whole course are candidates, so every planted defect is
visible in the export; each case carries at most one defect, and biased or noisy units' cases are left
alone so fine-consistency and procedure anomalies stay separable.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import numpy as np
import pandas as pd

from generator.cases import DEFECT_SHARE, NONE, PROCEDURAL_DEFECTS, STEPS, CaseGenerator, Cases, off

SHIFTED_BY = {  # the steps that move together when a defect delays one of them
    "FILING_LATE": [s for s in STEPS if s not in ("preservation", "preservation_handling")],
    "DECISION_OVERDUE": list(STEPS[STEPS.index("decided") :]),
    "SERVICE_LATE": ["served", "executed", "closed", "archived"],
}


def _eligible(gen: CaseGenerator, f: pd.DataFrame, defect: str, protected: set[str]) -> np.ndarray:
    ok = ~f.unit_code.isin(protected) & ~f.lead.isin(protected) & f.defect.isna() & (f.path == "decided")
    ok &= f.discovered_at <= pd.Timestamp(gen.export_at - timedelta(days=270))
    if defect == "HEARING_NOT_NOTIFIED":
        ok &= f.hearing
    elif defect == "LEGAL_REVIEW_MISSING":
        ok &= f.legal_review
    elif defect in ("DEVIATION_UNAPPROVED", "DECISION_OVERDUE"):
        ok &= f.deviation.isna() & (f.extension == 0)
    elif defect == "FINE_OUTSIDE_STATUTORY_RANGE":
        ok &= f.deviation.isna()
    return np.flatnonzero(ok.to_numpy(bool))


def plant_defects(gen: CaseGenerator, cases: Cases, rng: np.random.Generator) -> dict[str, list[str]]:
    f = cases.frame
    protected = {u["unit_code"] for u in gen.truth["biased_units"]} | {gen.truth["small_noisy_unit"]}
    protected |= {o["officer_id"] for o in gen.truth["biased_officers"]}
    planted: dict[str, list[str]] = {}
    # stated prices far from the reference were drawn with the goods (they set the case value): the cause of
    # exactly one signal, so the case carries no other defect
    far = np.unique(cases.items.case.to_numpy()[cases.items.price_outlier.to_numpy(bool)])
    f.loc[far, "defect"] = "STATED_PRICE_FAR_FROM_REFERENCE"
    planted["STATED_PRICE_FAR_FROM_REFERENCE"] = sorted(f.case_id.to_numpy()[far])
    for defect in PROCEDURAL_DEFECTS:
        candidates = _eligible(gen, f, defect, protected)
        n = min(len(candidates), max(3, int(DEFECT_SHARE * len(f))))
        rows = candidates[np.sort(rng.choice(len(candidates), size=n, replace=False))]
        if defect == "VALUATION_MISMATCH":
            gen.truth["valuation_defects"] = _misstate_value(gen, cases, rows, rng)
        else:
            _apply(gen, cases, rows, defect, rng)
        f.loc[rows, "defect"] = defect
        planted[defect] = sorted(f.case_id.to_numpy()[rows])
    return planted


def _set(f: pd.DataFrame, rows: np.ndarray, col: str, values: Any) -> None:
    f.loc[rows, col] = values


def _apply(gen: CaseGenerator, cases: Cases, rows: np.ndarray, defect: str, rng: np.random.Generator) -> None:
    f, n = cases.frame, len(rows)

    def u(lo: float, hi: float) -> Any:
        return rng.uniform(lo, hi, size=n)

    def at(step: str) -> Any:
        return f[off(step)].to_numpy()[rows]

    shift = {
        "FILING_LATE": lambda: u(9, 20) - at("filed"),
        "DECISION_OVERDUE": lambda: at("filed") + u(100, 130) - at("decided"),
        "SERVICE_LATE": lambda: at("decided") + u(9, 20) - at("served"),
    }
    if defect in shift:
        delta = shift[defect]()
        kept = _publication_working_days(gen, f, rows)
        for step in SHIFTED_BY[defect]:
            _set(f, rows, off(step), at(step) + delta)
        if "published" in SHIFTED_BY[defect]:  # the same working days later, whatever holidays it now spans
            _set(f, rows, off("published"), gen.published_after(f.iloc[rows], at("decided"), kept))
    elif defect == "PRESERVATION_HANDLING_LATE":
        _set(f, rows, off("preservation_handling"), u(9, 20))
    elif defect == "FEWER_THAN_TWO_OFFICERS":
        _set(f, rows, "assistant", None)
    elif defect == "OFFICER_CERT_INVALID":
        _set(f, rows, "assistant", f.unit_code.iloc[rows].map(gen.expired_officer).to_numpy())
    elif defect == "DOCUMENT_MISSING":
        _set(
            f,
            rows,
            "missing_document",
            rng.choice(["prior_notice", "investigation_report", "filing_report"], size=n),
        )
    elif defect == "LEGAL_REVIEW_MISSING":
        _set(f, rows, "legal_review", False)
        _set(f, rows, off("legal_review"), np.nan)
    elif defect == "HEARING_NOT_NOTIFIED":
        _set(f, rows, "hearing", False)
    elif defect == "ARCHIVED_BEFORE_CLOSED":
        _set(f, rows, off("archived"), at("closed") - u(3, 10))
    elif defect == "PUBLICATION_LATE":  # 1–15 working days past the limit, holidays not counted
        late = gen.setting_per_case(f.iloc[rows], "publication_working_days") + np.maximum(
            np.ceil(u(0, 15)), 1
        )
        _set(f, rows, off("published"), gen.published_after(f.iloc[rows], at("decided"), late))
    elif defect == "PUBLICATION_MISSING":
        _set(f, rows, off("published"), np.nan)
    elif defect == "VIDEO_MISSING":
        _set(f, rows, "no_inspection_video", True)
    elif defect == "VIDEO_UPLOAD_LATE":
        _set(f, rows, "late_video_hours", u(30, 72))
    elif defect in ("DEVIATION_UNAPPROVED", "FINE_OUTSIDE_STATUTORY_RANGE"):
        _wrong_fine(gen, f, rows, defect, rng)


def _publication_working_days(gen: CaseGenerator, f: pd.DataFrame, rows: np.ndarray) -> np.ndarray:
    """Working days from each chosen case's decision to its publication (NaN where either is missing)."""
    decided, published = gen.times(f, "decided").iloc[rows], gen.times(f, "published").iloc[rows]
    counts = [
        np.nan if pd.isna(d) or pd.isna(p) else gen.calendar.working_days_between(d.date(), p.date())
        for d, p in zip(decided, published, strict=True)
    ]
    return np.asarray(counts, dtype=float)


def _wrong_fine(
    gen: CaseGenerator, f: pd.DataFrame, rows: np.ndarray, defect: str, rng: np.random.Generator
) -> None:
    sub = f.loc[rows]
    if defect == "DEVIATION_UNAPPROVED":
        rate = gen.rate_at(sub, 1.4)
        inside = (sub.tier_rate_min.to_numpy() <= rate) & (rate <= sub.tier_rate_max.to_numpy())
        rate = np.where(inside, gen.rate_at(sub, -1.4), rate)  # the top tier ends at the statutory maximum
        reason = np.where(rng.random(len(rows)) < 0.5, "当事人拒不配合调查，情节较重", NONE)
        deviation = "unapproved"
    else:
        hi = np.array([gen.ref.statutory_range(v)[1] for v in sub.violation_code], dtype=float)
        rate = np.round(hi * 1.2, 4)
        reason = np.full(len(rows), "情节特别严重", dtype=object)
        deviation = "approved"  # a superior signed it, but no approval can leave the statutory range
    _set(f, rows, "rate", rate)
    _set(f, rows, "fine", np.round(rate * sub.computed_amount.to_numpy(), 2))
    _set(f, rows, "deviation", deviation)
    _set(f, rows, "deviation_reason", reason)
    gen.refresh_thresholds(f, rows)


def _misstate_value(
    gen: CaseGenerator, cases: Cases, rows: np.ndarray, rng: np.random.Generator
) -> dict[str, list[str]]:
    """The two valuation defects of a real export: about half the chosen cases state one catalog line at the
    price of an earlier period (the stated amount follows it); the others state the amount ×10 or ÷10 (a
    digit too many or too few) with right unit prices. Returns the case ids of each kind."""
    items, f = cases.items, cases.frame
    on = f.discovered_at.dt.normalize().to_numpy()[items.case.to_numpy()]
    first_day = pd.Timestamp(gen.book.first_day)
    old = gen.book.prices(
        items.code.to_numpy(),
        f.province_code.to_numpy()[items.case.to_numpy()],
        items.price_type.to_numpy(),
        np.full(len(items), first_day),
    )
    changed = (
        items.catalog.to_numpy(bool) & ~np.isnan(old) & (np.abs(old - items.unit_price.to_numpy()) >= 0.005)
    )
    changed &= on > first_day.to_datetime64()
    can_be_outdated = np.isin(rows, items.case.to_numpy()[changed])
    outdated = rows[can_be_outdated & (rng.random(len(rows)) < 0.5)]
    typo = np.setdiff1d(rows, outdated)
    if len(outdated):
        lines = items[changed & items.case.isin(outdated)].groupby("case").head(1).index.to_numpy()
        items.loc[lines, "stated_unit_price"] = old[lines]
        mine = items[items.case.isin(outdated)]
        price = mine.stated_unit_price.fillna(mine.unit_price)
        stated = np.round(np.where(mine.catalog, mine.cartons, mine.quantity) * price, 2)
        stated = pd.Series(stated, index=mine.index).groupby(mine.case).sum().round(2)
        _set(f, stated.index.to_numpy(), "stated_amount", stated.to_numpy())
    factor = np.where(rng.random(len(typo)) < 0.7, 10.0, 0.1)
    _set(f, typo, "stated_amount", np.round(f.computed_amount.to_numpy()[typo] * factor, 2))
    return {
        "outdated_price": sorted(f.case_id.to_numpy()[outdated]),
        "amount_typo": sorted(f.case_id.to_numpy()[typo]),
    }
