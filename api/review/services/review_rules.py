"""Rule management (评查规则录入): versions, drafts, switching rules on and off, and condition checks.

Life of a rule: a create or an edit saves a new **version** as a draft — in no rule set, so no score uses it
— which can be dry-run. Switching a version on (or a rule off) writes the next numbered
:class:`~api.models.ReviewRuleSet`: the map rule_id → version of every rule in force. Machine reviews record
the set they used; the warehouse picks up the newest set through the API-store extraction. Rules are
national (one rule set for the store); thresholds that differ by province live in settings (``setting('k')``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from functools import cache, lru_cache
from typing import Any

import duckdb
import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.core.errors import Conflict, DomainError, Invalid, NotFound
from api.models import ReviewRule, ReviewRuleSet, User
from api.platform.services import audit
from api.review.services.rule_sets import current_rule_set, reference_rules
from zhifa.clock import now
from zhifa.reference import load_reference
from zhifa.rule_evaluation import evaluate_rules
from zhifa.rule_probe import null_failures
from zhifa.rules import RuleConditionError, ValidatedCondition, default_vocabulary
from zhifa.rules import validate_condition as parse_condition

NEW_RULE_PREFIX = "Q"  # API-made rules: Q001, Q002 … (reference rules are R…)
PLACEHOLDER = re.compile(r"\{(\w+)\}")
FIELDS = (
    "category", "name_zh", "description_zh", "legal_basis", "condition", "evidence_template_zh",
    "deduct_points", "veto", "needs_human", "note",
)  # fmt: skip


@cache
def vocabulary() -> dict[str, str]:
    return default_vocabulary()


@cache
def setting_keys() -> frozenset[str]:
    return frozenset(str(k) for k in load_reference().settings["key"])


def _invalid(message: str, code: str = "INVALID_CONDITION") -> DomainError:
    return Invalid(code, message)


def check_condition(condition: str | None, template: str | None = None) -> ValidatedCondition | None:
    """Validate a condition (and its evidence template) as it would be saved; None = human-only rule.

    Raises a 422 naming the offending token: syntax, unknown fact, forbidden function, ``;``, unknown
    setting, an evidence placeholder that is not a fact, or an expression DuckDB cannot evaluate."""
    vocab = vocabulary()
    for name in PLACEHOLDER.findall(template or ""):
        if name.lower() not in vocab:
            raise _invalid(
                f"证据模板引用了未知的案卷事实：{name} / unknown dossier fact in evidence template: {name}",
                "INVALID_TEMPLATE",
            )
    if condition is None or not condition.strip():
        return None
    try:
        validated = parse_condition(condition, vocab)
    except RuleConditionError as e:
        raise _invalid(str(e)) from e
    for key in sorted(validated.settings_used - setting_keys()):
        raise _invalid(f"规则条件引用了未知的设置项：{key} / unknown setting in rule condition: {key}")
    _trial(condition, validated)
    return validated


# one typed value per fact type: a condition that only fails on real values (CAST(cause AS INTEGER),
# DATE + 'x' once the date is known) fails here, at validation, not in a review or a dry run
SAMPLE_VALUES: dict[str, Any] = {
    "VARCHAR": "样例", "INTEGER": 1, "DOUBLE": 1.0, "DATE": "2024-01-01", "BOOLEAN": True,
}  # fmt: skip


def sample_facts() -> pd.DataFrame:
    """Two trial dossiers: every fact unknown, and every fact a typed sample value."""
    typed = {k: SAMPLE_VALUES[t] for k, t in vocabulary().items() if k != "case_id"}
    return pd.DataFrame([{"case_id": "unknown"}, {"case_id": "sample", **typed}])


def _trial(condition: str, validated: ValidatedCondition) -> None:
    """Evaluate on the sample dossiers: catches type errors (DATE + 'x') the parser cannot."""
    rules = pd.DataFrame([{"rule_id": "TRIAL", "condition": condition, "deduct_points": 0.0, "veto": False}])
    settings = load_reference().settings_for(None)
    try:
        evaluate_rules(rules, sample_facts(), settings, vocabulary())
    except (duckdb.Error, RuleConditionError) as e:
        first = str(e).splitlines()[0][:200]
        raise _invalid(f"规则条件无法求值：{first} / rule condition cannot be evaluated: {first}") from e


@lru_cache(maxsize=256)
def null_warnings(condition: str | None) -> tuple[str, ...]:
    """Facts whose unknown (NULL) value the condition turns into a failure — a warning for the rule editor,
    found by :func:`zhifa.rule_probe.null_failures` on sample dossiers (national settings). A required input
    never does (the evaluator leaves the rule not checked); a fact the condition tests for NULL itself may."""
    if condition is None or not condition.strip():
        return ()
    try:
        return tuple(null_failures(condition, vocabulary(), load_reference().settings_for(None)))
    except RuleConditionError:
        return ()


# --- reading ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Version:
    """One version of a rule, from the store or (version 1 of a built-in rule) from reference data."""

    rule_id: str
    version: int
    values: dict[str, Any]
    origin: str
    created_at: Any = None


def _reference_version(rule_id: str) -> Version | None:
    ref = reference_rules()
    rows = ref[ref["rule_id"] == rule_id]
    if rows.empty:
        return None
    row = rows.iloc[0].to_dict()
    values = {k: row.get(k) for k in FIELDS if k != "note"}
    values["condition"] = values["condition"] or None
    values["deduct_points"] = float(values["deduct_points"])
    values["veto"], values["needs_human"] = bool(values["veto"]), bool(values["needs_human"])
    return Version(rule_id, 1, {**values, "note": None}, "reference")


def _stored_version(row: ReviewRule) -> Version:
    values = {k: getattr(row, k) for k in FIELDS}
    values["deduct_points"] = float(values["deduct_points"])
    return Version(row.rule_id, row.version, values, row.origin, row.created_at)


def versions_of(session: Session, rule_id: str) -> list[Version]:
    stored = {
        r.version: _stored_version(r)
        for r in session.scalars(select(ReviewRule).where(ReviewRule.rule_id == rule_id))
    }
    ref = _reference_version(rule_id)
    if ref is not None and 1 not in stored:
        stored[1] = ref
    return [stored[v] for v in sorted(stored)]


def ever_in_force(session: Session) -> set[tuple[str, int]]:
    """(rule_id, version) pairs some rule set has held; the reference rules were in force as set 0."""
    seen = {(str(r), 1) for r in reference_rules()["rule_id"]}
    for mapping in session.scalars(select(ReviewRuleSet.rule_versions)):
        seen.update((str(k), int(v)) for k, v in mapping.items())
    return seen


def status_of(version: Version, in_force: dict[str, int], seen: set[tuple[str, int]]) -> str:
    if in_force.get(version.rule_id) == version.version:
        return "in_force"
    return "retired" if (version.rule_id, version.version) in seen else "draft"


def in_force_map(session: Session) -> tuple[int, dict[str, int]]:
    view = current_rule_set(session)
    return view.version, {
        str(r): int(v) for r, v in zip(view.rules["rule_id"], view.rules["rule_version"], strict=True)
    }


# --- writing ---------------------------------------------------------------------------------------
def _next_rule_id(session: Session) -> str:
    taken = set(session.scalars(select(ReviewRule.rule_id).distinct())) | set(reference_rules()["rule_id"])
    n = 1
    while f"{NEW_RULE_PREFIX}{n:03d}" in taken:
        n += 1
    return f"{NEW_RULE_PREFIX}{n:03d}"


def _normalise(values: dict[str, Any]) -> dict[str, Any]:
    condition = (values.get("condition") or "").strip() or None
    out = dict(values, condition=condition)
    if condition is None:
        out["needs_human"] = True  # no condition: only a reviewer can check it
    check_condition(condition, out.get("evidence_template_zh"))
    return out


def _save(session: Session, user: User, rule_id: str, version: int, values: dict[str, Any]) -> ReviewRule:
    row = ReviewRule(
        rule_id=rule_id,
        version=version,
        active=False,
        origin="api",
        created_by=user.id,
        created_at=now(),
        **{**values, "deduct_points": Decimal(str(values["deduct_points"]))},
    )
    audit.add_created(session, user, row, action="create", entity="review_rule", entity_id="id")
    return row


def create(session: Session, user: User, body: dict[str, Any]) -> ReviewRule:
    rule_id = body.pop("rule_id", None) or _next_rule_id(session)
    if versions_of(session, rule_id):
        raise Conflict("RULE_EXISTS", f"规则已存在：{rule_id} / rule already exists: {rule_id}")
    return _save(session, user, rule_id, 1, _normalise(body))


def edit(session: Session, user: User, rule_id: str, changes: dict[str, Any]) -> ReviewRule:
    history = versions_of(session, rule_id)
    if not history:
        raise rule_not_found(rule_id)
    latest = history[-1]
    values = {**latest.values, "note": None, **changes}
    return _save(session, user, rule_id, latest.version + 1, _normalise(values))


def rule_not_found(rule_id: str) -> DomainError:
    return NotFound("RULE_NOT_FOUND", f"规则不存在：{rule_id} / rule not found: {rule_id}")


def _new_rule_set(session: Session, user: User, mapping: dict[str, int], note: str) -> ReviewRuleSet:
    latest = session.scalar(select(func.max(ReviewRuleSet.version))) or 0
    rule_set = ReviewRuleSet(
        version=int(latest) + 1,
        rule_versions=dict(sorted(mapping.items())),
        note=note,
        created_by=user.id,
        created_at=now(),
    )
    audit.add_created(session, user, rule_set, action="create", entity="review_rule_set", entity_id="version")
    return rule_set


def _mark_in_force(session: Session, rule_id: str, version: int | None) -> None:
    for row in session.scalars(select(ReviewRule).where(ReviewRule.rule_id == rule_id)):
        row.active = row.version == version


def enable(
    session: Session, user: User, rule_id: str, version: int | None, note: str | None
) -> ReviewRuleSet:
    """Put ``version`` (default: the latest) of the rule in force: the next rule set."""
    history = {v.version: v for v in versions_of(session, rule_id)}
    if not history:
        raise rule_not_found(rule_id)
    chosen = version or max(history)
    if chosen not in history:
        raise NotFound("RULE_VERSION_NOT_FOUND", f"规则版本不存在 / no version {chosen} of {rule_id}")
    current, mapping = in_force_map(session)
    if mapping.get(rule_id) == chosen:
        raise Conflict("ALREADY_IN_FORCE", f"该版本已在使用 / {rule_id} v{chosen} is already in force")
    _mark_in_force(session, rule_id, chosen)
    text = note or f"启用 {rule_id} v{chosen}（原规则集 {current}）/ {rule_id} v{chosen} switched on"
    return _new_rule_set(session, user, {**mapping, rule_id: chosen}, text)


def disable(session: Session, user: User, rule_id: str, note: str | None) -> ReviewRuleSet:
    if not versions_of(session, rule_id):
        raise rule_not_found(rule_id)
    current, mapping = in_force_map(session)
    if rule_id not in mapping:
        raise Conflict("NOT_IN_FORCE", f"规则未在使用 / {rule_id} is not in force")
    retired = mapping.pop(rule_id)
    _mark_in_force(session, rule_id, None)
    text = note or f"停用 {rule_id} v{retired}（原规则集 {current}）/ {rule_id} switched off"
    return _new_rule_set(session, user, mapping, text)
