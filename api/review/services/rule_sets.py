"""The review rules in force: reference-data rules overlaid by the versions saved through the API.

Machine review (upload), dry runs and the warehouse all read rules through here or the same merge, so
a rule saved through the API needs no code change anywhere. Rule-set version 0 = the built-in
reference rules with nothing saved yet; every save creates the next :class:`~api.models.ReviewRuleSet`.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.models import ReviewRule, ReviewRuleSet
from zhifa.reference import load_reference

# columns of ref_review_rules, plus the version of each rule
RULE_COLUMNS = [
    "rule_id",
    "rule_version",
    "category",
    "name_zh",
    "description_zh",
    "deduct_points",
    "veto",
    "legal_basis",
    "needs_human",
    "condition",
    "evidence_template_zh",
]


@dataclass(frozen=True)
class RuleSetView:
    version: int
    rules: pd.DataFrame  # RULE_COLUMNS, active rules only, ordered by rule_id


def reference_rules() -> pd.DataFrame:
    rules = load_reference().review_rules.copy()
    rules["rule_version"] = 1
    return rules[RULE_COLUMNS]


def _stored_frame(rows: list[ReviewRule]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "rule_id": r.rule_id,
                "rule_version": r.version,
                "category": r.category,
                "name_zh": r.name_zh,
                "description_zh": r.description_zh or "",
                "deduct_points": float(r.deduct_points),
                "veto": bool(r.veto),
                "legal_basis": r.legal_basis or "",
                "needs_human": bool(r.needs_human),
                "condition": r.condition or "",
                "evidence_template_zh": r.evidence_template_zh or "",
                "active": bool(r.active),
            }
            for r in rows
        ],
        columns=[*RULE_COLUMNS, "active"],
    )


def rules_of_set(session: Session, rule_set: ReviewRuleSet | None) -> pd.DataFrame:
    """The active rules of ``rule_set`` (None = reference rules only)."""
    base = reference_rules()
    if rule_set is None:
        return base.sort_values("rule_id", ignore_index=True)
    wanted = {str(k): int(v) for k, v in rule_set.rule_versions.items()}
    stored = [
        r
        for r in session.scalars(select(ReviewRule).where(ReviewRule.rule_id.in_(list(wanted))))
        if r.version == wanted[r.rule_id]
    ]
    saved = _stored_frame(stored).drop(columns="active")
    keep = base[base["rule_id"].isin(wanted) & ~base["rule_id"].isin(saved["rule_id"])]
    keep = keep[[wanted[r] == 1 for r in keep["rule_id"]]]
    frames = [f for f in (keep, saved) if not f.empty]
    merged = pd.concat(frames, ignore_index=True) if frames else base.iloc[0:0]
    return merged.sort_values("rule_id", ignore_index=True)


def current_rule_set(session: Session) -> RuleSetView:
    """The newest rule set and its active rules."""
    latest = session.scalars(select(ReviewRuleSet).order_by(ReviewRuleSet.version.desc()).limit(1)).first()
    return RuleSetView(latest.version if latest else 0, rules_of_set(session, latest))


def rule_set(session: Session, version: int) -> RuleSetView:
    """A past rule set, to show or re-derive a score recorded under it."""
    if version == 0:
        return RuleSetView(0, rules_of_set(session, None))
    stored = session.get(ReviewRuleSet, version)
    if stored is None:
        raise KeyError(version)
    return RuleSetView(version, rules_of_set(session, stored))
