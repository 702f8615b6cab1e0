"""Dry run (试运行) of a candidate or draft rule over past dossiers, before it is switched on.

The population is the latest machine review of every dossier the user may see; its stored facts are the
facts the rule would have been evaluated on. Settings are those of the dossier's province on its decision
date (else today), as for a real review. Nothing is written except an audit line.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import duckdb
import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.core import refdata
from api.core.errors import Invalid, NotFound
from api.models import Dossier, MachineReview, User
from api.platform.services import audit
from api.platform.services.users import province_of, visible_units
from api.review.schemas_review_rules import DryRunError, DryRunExample, DryRunIn, DryRunOut
from api.review.services.evidence import evidence_value, render_evidence
from api.review.services.review_rules import (
    check_condition,
    null_warnings,
    rule_not_found,
    versions_of,
    vocabulary,
)
from zhifa.clock import today
from zhifa.rule_evaluation import evaluate_rules
from zhifa.rules import RuleConditionError


def facts_frame(records: list[dict[str, Any]], vocab: dict[str, str]) -> pd.DataFrame:
    """Stored (JSON) facts as a frame typed like the vocabulary; unknown keys dropped, dates as ISO text
    (evaluate_rules casts them)."""
    raw = pd.DataFrame.from_records(records)
    out = pd.DataFrame({"case_id": raw["case_id"].astype("string")})
    for name, sql_type in vocab.items():
        if name == "case_id" or name not in raw.columns:
            continue
        col = raw[name]
        if sql_type == "BOOLEAN":
            text = col.map(lambda v: None if v is None else str(v).strip().lower())
            out[name] = text.map({"true": True, "1": True, "false": False, "0": False}).astype("boolean")
        elif sql_type in ("INTEGER", "DOUBLE"):
            out[name] = pd.to_numeric(col, errors="coerce").astype("float64")
        elif sql_type == "DATE":
            out[name] = pd.to_datetime(col, errors="coerce").dt.strftime("%Y-%m-%d").astype("string")
        else:
            out[name] = col.map(lambda v: None if v is None else str(v)).astype("string")
    return out


def evidence(template: str | None, facts: dict[str, Any], facts_used: list[str]) -> str:
    """The template filled with the facts (as the machine report and the warehouse print it); with no
    template, the facts the condition reads."""
    vocab = vocabulary()
    if template:
        return render_evidence(template, facts, vocab)
    return "；".join(f"{f}：{evidence_value(facts.get(f), vocab.get(f))}" for f in facts_used)


def _candidate(session: Session, body: DryRunIn) -> tuple[str | None, int | None, dict[str, Any]]:
    if body.rule_id is None:
        if not body.condition:
            raise Invalid("CONDITION_REQUIRED", "需要规则编号或规则条件 / give a rule_id or a condition")
        fields = body.model_dump(include={"condition", "evidence_template_zh", "deduct_points", "veto"})
        return None, None, fields
    history = {v.version: v for v in versions_of(session, body.rule_id)}
    if not history:
        raise rule_not_found(body.rule_id)
    chosen = body.version or max(history)
    if chosen not in history:
        raise NotFound("RULE_VERSION_NOT_FOUND", f"规则版本不存在 / no version {chosen} of {body.rule_id}")
    return body.rule_id, chosen, dict(history[chosen].values)


def _population(session: Session, user: User) -> list[tuple[Dossier, MachineReview]]:
    latest = (
        select(MachineReview.dossier_id, func.max(MachineReview.review_id).label("review_id"))
        .group_by(MachineReview.dossier_id)
        .subquery()
    )
    stmt = (
        select(Dossier, MachineReview)
        .join(latest, latest.c.dossier_id == Dossier.dossier_id)
        .join(MachineReview, MachineReview.review_id == latest.c.review_id)
        .order_by(Dossier.case_id)
    )
    units = visible_units(session, user)
    if units is not None:
        stmt = stmt.where(Dossier.unit_code.in_(units))
    return [(d, m) for d, m in session.execute(stmt).tuples()]


def dry_run(session: Session, user: User, body: DryRunIn) -> DryRunOut:
    rule_id, version, fields = _candidate(session, body)
    validated = check_condition(fields.get("condition"), fields.get("evidence_template_zh"))
    if validated is None:
        raise Invalid(
            "HUMAN_ONLY_RULE",
            "无条件的规则只能人工评查，无法试运行 / a rule without condition cannot be dry-run",
        )
    pairs = _population(session, user)
    records = [{**(m.facts or {}), "case_id": d.case_id} for d, m in pairs]
    errors: dict[str, str] = {}
    results = _evaluate(session, pairs, records, fields, sorted(validated.settings_used), errors)
    passed = {
        str(c): None if pd.isna(v) else bool(v)
        for c, v in zip(results["case_id"], results["passed"], strict=True)
    }
    n_unknown = int(results["outcome"].eq("not_checked").sum())
    failed_ids = [d.case_id for d, _ in pairs if passed.get(d.case_id) is False]
    n_pass = sum(v is True for v in passed.values())
    facts_used = sorted(validated.facts_used)
    examples = [
        DryRunExample(case_id=d.case_id, dossier_id=d.dossier_id, machine_review_id=m.review_id,
                      evidence=evidence(fields.get("evidence_template_zh"), rec, facts_used))
        for (d, m), rec in zip(pairs, records, strict=True)
        if passed.get(d.case_id) is False
    ][: body.max_examples]  # fmt: skip
    out = DryRunOut(
        rule_id=rule_id,
        version=version,
        condition=str(fields["condition"]),
        population=len(pairs),
        n_fail=len(failed_ids),
        n_pass=n_pass,
        n_not_applicable=len(pairs) - len(failed_ids) - n_pass - len(errors) - n_unknown,
        n_not_checked=n_unknown,
        n_error=len(errors),
        errors=[DryRunError(case_id=c, error=m) for c, m in sorted(errors.items())][: body.max_examples],
        n_veto=len(failed_ids) if fields.get("veto") else 0,
        points_deducted=float(fields.get("deduct_points") or 0) * len(failed_ids),
        facts_used=facts_used,
        settings_used=sorted(validated.settings_used),
        null_failures=list(null_warnings(str(fields["condition"]))),
        examples=examples,
    )
    summary = out.model_dump(exclude={"examples", "errors"})
    audit.record(
        session, user_id=user.id, username=user.username, action="dry_run", entity="review_rule",
        entity_id=rule_id or "candidate", after=summary,
    )  # fmt: skip
    return out


def _evaluate(
    session: Session,
    pairs: list[tuple[Dossier, MachineReview]],
    records: list[dict[str, Any]],
    fields: dict[str, Any],
    settings_used: list[str],
    errors: dict[str, str],
) -> pd.DataFrame:
    """Evaluate once per distinct value of the settings the condition reads (usually once): each dossier
    gets the settings of its province on its decision date. Dossiers it cannot be evaluated on go to
    ``errors`` (case id → message): a finding of the dry run, not a failure of it."""
    if not pairs:
        return pd.DataFrame(columns=["case_id", "passed", "outcome"])
    vocab = vocabulary()
    rule = pd.DataFrame([{"rule_id": "DRY", **fields, "veto": bool(fields.get("veto"))}])
    rule["deduct_points"] = float(fields.get("deduct_points") or 0)
    frame = facts_frame(records, vocab)
    provinces: dict[str, str] = {}
    contexts: dict[tuple[str, date], tuple[Any, ...]] = {}
    groups: dict[tuple[Any, ...], tuple[dict[str, Any], list[int]]] = {}
    for i, (d, _) in enumerate(pairs):
        province = str(records[i].get("province_code") or "")
        if not province:
            province = provinces.setdefault(d.unit_code, province_of(session, d.unit_code))
        context = (province, d.decided_on or today())
        if context not in contexts:
            settings = refdata.settings_for(*context)
            contexts[context] = tuple((k, settings.get(k)) for k in settings_used)
            groups.setdefault(contexts[context], (settings, []))
        groups[contexts[context]][1].append(i)
    parts: list[pd.DataFrame] = []
    for settings, rows in groups.values():
        parts += _split_evaluate(rule, frame.iloc[rows], settings, vocab, errors)
    return pd.concat(parts, ignore_index=True)[["case_id", "passed", "outcome"]]


def _split_evaluate(
    rule: pd.DataFrame,
    frame: pd.DataFrame,
    settings: dict[str, Any],
    vocab: dict[str, str],
    errors: dict[str, str],
) -> list[pd.DataFrame]:
    """Evaluate ``frame``; when the condition fails at run time on some dossier (a division by zero, a cast
    of a real value), halve the frame until each failing dossier is found and reported in ``errors``."""
    try:
        return [evaluate_rules(rule, frame, settings, vocab)]
    except (duckdb.Error, RuleConditionError) as e:
        if len(frame) == 1:
            errors[str(frame["case_id"].iloc[0])] = str(e).splitlines()[0][:200]
            return []
    half = len(frame) // 2
    return [
        *_split_evaluate(rule, frame.iloc[:half], settings, vocab, errors),
        *_split_evaluate(rule, frame.iloc[half:], settings, vocab, errors),
    ]
