"""Human dossier reviews (pool, sampling, blind re-review) with planted lenient and harsh reviewers."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import numpy as np
import pandas as pd

from zhifa.generator.cases import Case, CaseGenerator

REVIEW_SHARE = 0.25  # closed cases drawn for human review
RE_REVIEW_SHARE = 0.5  # of those, a second blind review
REVIEWER_OFFSET = 9.0  # planted leniency/harshness, in points
DEFECT_POINTS = 3.0  # what a careful reviewer deducts for one procedural defect


def grade(score: float, excellent: float, passing: float) -> str:
    return "优秀" if score >= excellent else "合格" if score >= passing else "不合格"


def review_rows(
    gen: CaseGenerator, cases: list[Case], officers: pd.DataFrame, rng: np.random.Generator
) -> tuple[pd.DataFrame, pd.DataFrame]:
    reviewers = officers[officers.roles.str.split(";").map(lambda r: "reviewer" in r)]
    ids, units = list(reviewers.officer_id), list(reviewers.unit_code)
    order = rng.permutation(len(ids))
    offsets = {ids[int(i)]: 0.0 for i in order}
    for k, i in enumerate(order[:4]):
        offsets[ids[int(i)]] = REVIEWER_OFFSET if k < 2 else -REVIEWER_OFFSET
    gen.truth["lenient_reviewers"] = sorted(ids[int(i)] for i in order[:2])
    gen.truth["harsh_reviewers"] = sorted(ids[int(i)] for i in order[2:4])
    rules = gen.ref.review_rules
    deductible = rules[~rules.veto.astype(bool)]
    rule_ids, rule_points = list(deductible.rule_id), [float(p) for p in deductible.deduct_points]
    reviews: list[dict[str, Any]] = []
    items: list[dict[str, Any]] = []
    for case in cases:
        closed = case.at("closed")
        if closed is None or not gen.reached(case, "closed") or rng.random() >= REVIEW_SHARE:
            continue
        parent = case.unit_code[:4] + "00"
        eligible = [i for i, u in enumerate(units) if u != parent]  # never the case's own city
        true_score = 100.0 - DEFECT_POINTS * len(case.defects) - float(rng.integers(4, 40)) * 0.5
        n_reviews = 2 if rng.random() < RE_REVIEW_SHARE else 1
        chosen = rng.choice(len(eligible), size=n_reviews, replace=False)
        first_id = None
        for k, pick in enumerate(chosen):
            reviewer = ids[eligible[int(pick)]]
            started = closed + timedelta(days=float(rng.uniform(10, 60)) + 20 * k)
            submitted = started + timedelta(hours=float(rng.uniform(1, 48)))
            if submitted > gen.export_at:
                break
            score = float(np.clip(true_score + offsets[reviewer] + rng.normal(0, 1.5), 0, 100))
            score = round(score * 2) / 2
            review_id = f"R{case.case_id[1:]}{k + 1}"
            on = started.date()
            reviews.append(
                dict(
                    review_id=review_id,
                    case_id=case.case_id,
                    reviewer_id=reviewer,
                    mode="re_review" if k else str(rng.choice(["pool", "sample"])),
                    parent_review_id=first_id,
                    started_at=started.strftime("%Y-%m-%dT%H:%M:%S"),
                    submitted_at=submitted.strftime("%Y-%m-%dT%H:%M:%S"),
                    total_score=score,
                    grade=grade(
                        score,
                        float(gen.ref.setting("grade_excellent_min", case.province_code, on)),
                        float(gen.ref.setting("grade_pass_min", case.province_code, on)),
                    ),
                )
            )
            items.extend(_items(review_id, 100.0 - score, rule_ids, rule_points, rng))
            first_id = first_id or review_id
    return pd.DataFrame(reviews), pd.DataFrame(
        items, columns=["review_id", "rule_id", "deducted_points", "comment"]
    )


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
