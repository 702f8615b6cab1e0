"""Human dossier reviews (pool, sampling, blind re-review) with planted lenient and harsh reviewers."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from generator.cases import CaseGenerator, Cases
from generator.pricing import by_period
from generator.rows import Seen

REVIEW_SHARE = 0.25  # closed cases drawn for human review
RE_REVIEW_SHARE = 0.5  # of those, a second blind review
REVIEWER_OFFSET = 9.0  # planted leniency/harshness, in points
DEFECT_POINTS = 3.0  # what a careful reviewer deducts for one procedural defect


def grade(score: float, excellent: float, passing: float) -> str:
    return "优秀" if score >= excellent else "合格" if score >= passing else "不合格"


def _draw_reviewers(
    rng: np.random.Generator, units: np.ndarray, parent: np.ndarray, other: np.ndarray | None
) -> np.ndarray:
    """A reviewer per case from outside the case's own city (and not ``other``); redrawn until it fits."""
    pick = rng.integers(0, len(units), size=len(parent))
    while True:
        bad = units[pick] == parent
        if other is not None:
            bad |= pick == other
        if not bad.any():
            return pick
        pick[bad] = rng.integers(0, len(units), size=int(bad.sum()))


def review_rows(
    gen: CaseGenerator, cases: Cases, seen: Seen, officers: pd.DataFrame, rng: np.random.Generator
) -> tuple[pd.DataFrame, pd.DataFrame]:
    reviewers = officers[officers.roles.str.split(";").map(lambda r: "reviewer" in r)]
    ids, units = np.array(reviewers.officer_id, dtype=object), np.array(reviewers.unit_code, dtype=object)
    order = rng.permutation(len(ids))
    offsets = np.zeros(len(ids))
    offsets[order[:2]], offsets[order[2:4]] = REVIEWER_OFFSET, -REVIEWER_OFFSET
    gen.truth["lenient_reviewers"] = sorted(ids[order[:2]].tolist())
    gen.truth["harsh_reviewers"] = sorted(ids[order[2:4]].tolist())
    rules = gen.ref.review_rules
    deductible = rules[~rules.veto.astype(bool)]
    rule_ids, rule_points = list(deductible.rule_id), [float(p) for p in deductible.deduct_points]
    f = cases.frame
    closed_rows = np.flatnonzero(seen["closed"].notna().to_numpy())
    rows = closed_rows[rng.random(len(closed_rows)) < REVIEW_SHARE]
    m = len(rows)
    closed = seen["closed"].to_numpy()[rows]
    parent = np.array([u[:4] + "00" for u in f.unit_code.to_numpy()[rows]], dtype=object)
    true_score = 100.0 - DEFECT_POINTS * f.defect.notna().to_numpy()[rows] - rng.integers(4, 40, size=m) * 0.5
    second = rng.random(m) < RE_REVIEW_SHARE
    first_pick = _draw_reviewers(rng, units, parent, None)
    picks = (first_pick, _draw_reviewers(rng, units, parent, first_pick))
    case_ids = f.case_id.to_numpy()[rows]
    province = f.province_code.to_numpy()[rows]
    export_at = pd.Timestamp(gen.export_at)
    ok = np.ones(m, dtype=bool)
    parts = []
    for k, pick in enumerate(picks):
        started = pd.Series(closed + pd.to_timedelta(rng.uniform(10, 60, size=m) + 20 * k, unit="D"))
        submitted = started + pd.to_timedelta(rng.uniform(1, 48, size=m), unit="h")
        ok = ok & (submitted <= export_at).to_numpy() & (second if k else True)
        score = np.clip(true_score + offsets[pick] + rng.normal(0, 1.5, size=m), 0, 100)
        score = np.round(score * 2) / 2
        mode = np.full(m, "re_review", dtype=object) if k else rng.choice(["pool", "sample"], size=m)
        thresholds = [
            np.array(by_period(province, started, gen.setting_changes, _setting(gen, key)), dtype=float)
            for key in ("grade_excellent_min", "grade_pass_min")
        ]
        grades = [grade(*v) for v in zip(score.tolist(), *(t.tolist() for t in thresholds), strict=True)]
        parts.append(
            pd.DataFrame(
                dict(
                    review_id=[f"R{c[1:]}{k + 1}" for c in case_ids],
                    case_id=case_ids,
                    reviewer_id=ids[pick],
                    mode=mode,
                    parent_review_id=[f"R{c[1:]}1" for c in case_ids] if k else None,
                    started_at=started,
                    submitted_at=submitted,
                    total_score=score,
                    grade=grades,
                    _case=rows,
                    _k=k,
                )
            )[ok]
        )
    reviews = pd.concat(parts, ignore_index=True).sort_values(["_case", "_k"], kind="stable")
    reviews = reviews.drop(columns=["_case", "_k"]).reset_index(drop=True)
    items: list[dict[str, Any]] = []
    for review_id, score in zip(reviews.review_id, reviews.total_score.tolist(), strict=True):
        items.extend(_items(review_id, 100.0 - score, rule_ids, rule_points, rng))
    return reviews, pd.DataFrame(items, columns=["review_id", "rule_id", "deducted_points", "comment"])


def _setting(gen: CaseGenerator, key: str) -> Any:
    return lambda province, on: gen.ref.setting(key, province, on)


def _items(
    review_id: str, total: float, rule_ids: list[str], points: list[float], rng: np.random.Generator
) -> list[dict[str, Any]]:
    """Split a review's total deduction over distinct catalogue rules (the last one takes the remainder)."""
    out: list[dict[str, Any]] = []
    left = round(total, 1)
    for idx in rng.permutation(len(rule_ids)):
        if left <= 0 or len(out) == 5:
            break
        take = min(points[int(idx)], left)
        out.append(dict(review_id=review_id, rule_id=rule_ids[int(idx)], deducted_points=take, comment=None))
        left = round(left - take, 1)
    if left > 0 and out:
        out[-1]["deducted_points"] = round(out[-1]["deducted_points"] + left, 1)
        out[-1]["comment"] = "另有多处不规范，合并扣分"
    return out
