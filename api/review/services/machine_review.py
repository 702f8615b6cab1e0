"""Machine review of one dossier: the warehouse's rule definitions on the dossier's facts.

Facts: :func:`zhifa.dossier_facts.dossier_facts` over the recognised files, plus the captured case's
facts (:mod:`api.review.services.case_facts`). Rules: the rule set in force (``rule_sets.current_rule_set``),
evaluated by :func:`zhifa.rule_evaluation.evaluate_rules` with the settings of the case's province and
date. Score and
grade: :mod:`zhifa.review_scoring`. Each finding carries its evidence sentence (:func:`render_evidence`, the
Python twin of dbt's ``render_evidence`` macro) and, where it helps, the document values found and the
values expected.
"""

from __future__ import annotations

import re
import time
from datetime import date
from decimal import Decimal
from typing import Any

import duckdb
import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.core import refdata
from api.models import Case, Dossier, DossierFile, MachineReview
from api.platform.services.users import province_of
from api.review.services.case_facts import case_facts
from api.review.services.evidence import documents_for, render_evidence
from api.review.services.review_reports import needs_human
from api.review.services.rule_sets import current_rule_set
from zhifa.clock import now, today
from zhifa.dossier_facts import dossier_facts
from zhifa.review_scoring import grade_for, score_after
from zhifa.rule_evaluation import evaluate_rules
from zhifa.rules import RuleConditionError, facts_vocabulary, validate_condition


def vocabulary() -> dict[str, str]:
    return facts_vocabulary(refdata.reference().document_types["doc_type"])


def field_rows(files: list[DossierFile]) -> pd.DataFrame:
    """Recognised fields of the files of a known type, keyed by file id (the document of a finding). A file
    of unknown type (status error) keeps what was read for the reviewer, but lends no fact."""
    rows = [
        {"document_id": str(f.file_id), "doc_type": f.doc_type, "field": x["field"], "value": x["value"]}
        for f in files
        if f.status == "recognised" and f.doc_type
        for x in (f.fields or [])
    ]
    return pd.DataFrame(rows, columns=["document_id", "doc_type", "field", "value"])


def _violation(code: str | None) -> dict[str, Any] | None:
    if not code:
        return None
    try:
        return refdata.reference().violation(code)
    except KeyError:
        return None


def violation_from_cause(causes: list[str]) -> str | None:
    """The violation whose name the cause (案由) spells, e.g. 涉嫌零售户未在当地烟草专卖批发企业进货 →
    NON_DESIGNATED_SOURCE; the longest name wins; None when no cause names one."""
    table = refdata.reference().violation_types
    names = sorted(
        zip(table["name_zh"].astype(str), table["violation_code"].astype(str), strict=True),
        key=lambda p: -len(p[0]),
    )
    for cause in causes:
        for name, code in names:
            if name and name in cause:
                return code
    return None


def _inferred_status(doc_types: list[str]) -> str | None:
    """A dossier not captured here: closed when it holds a closing report, decided when it holds a decision
    (so rules that apply to decided or closed cases apply); else unknown."""
    if "closing_report" in doc_types:
        return "closed"
    return "decided" if "penalty_decision" in doc_types else None


def build_facts(session: Session, dossier: Dossier, files: list[DossierFile]) -> dict[str, Any]:
    case = session.get(Case, dossier.case_id)
    known = case_facts(session, case) if case is not None else {}
    doc_types = [f.doc_type for f in files if f.status == "recognised" and f.doc_type]
    known.setdefault("province_code", province_of(session, dossier.unit_code))
    known.setdefault("unit_code", dossier.unit_code)
    if case is None:
        fields = field_rows(files)
        causes = [str(v) for v in fields.loc[fields["field"] == "cause", "value"]]
        known["violation_code"] = dossier.violation_code or violation_from_cause(causes)
        known["case_status"] = _inferred_status(doc_types)
    return dossier_facts(
        dossier.case_id,
        field_rows(files),
        doc_types,
        vocabulary(),
        known,
        _violation(known.get("violation_code")),
    )


def _settings(province: str | None, on: date) -> dict[str, float | str]:
    return refdata.settings_for(province, on)


def _json_value(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return value


def _evaluate(rules: pd.DataFrame, facts: dict[str, Any], settings: dict[str, float | str]) -> pd.DataFrame:
    """All rules in one query; when one condition cannot compile (a rule saved against other facts or
    settings), the others are evaluated one by one and the broken one is reported, not fatal."""
    frame = pd.DataFrame([{k: _json_value(v) for k, v in facts.items()}]).astype(object)
    vocab = vocabulary()
    try:
        return evaluate_rules(rules, frame, settings, vocab).assign(error=None)
    except (RuleConditionError, duckdb.Error):
        pass
    parts = []
    for i in range(len(rules)):
        one = rules.iloc[[i]]
        try:
            parts.append(evaluate_rules(one, frame, settings, vocab).assign(error=None))
        except (RuleConditionError, duckdb.Error) as exc:
            parts.append(
                pd.DataFrame(
                    {
                        "case_id": [facts["case_id"]],
                        "rule_id": [str(one.iloc[0]["rule_id"])],
                        "passed": pd.array([pd.NA], dtype="boolean"),
                        "deducted_points": [0.0],
                        "veto": [False],
                        "outcome": ["not_checked"],
                        "unknown_facts": [pd.NA],
                        "error": [f"规则无法执行 / rule cannot be evaluated: {exc}"[:500]],
                    }
                )
            )
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


def _text(value: Any) -> str:
    return "" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)


def _truthy(value: Any) -> bool:
    return str(value).strip().lower() in ("true", "1", "t", "yes")


def findings_for(
    rules: pd.DataFrame,
    facts: dict[str, Any],
    settings: dict[str, float | str],
    fields: pd.DataFrame,
    file_names: dict[str, str],
) -> list[dict[str, Any]]:
    results = _evaluate(rules, facts, settings)
    by_rule = {str(r.rule_id): r for r in results.itertuples(index=False)}
    vocab = vocabulary()
    out = []
    for rule in rules.itertuples(index=False):
        rid = str(rule.rule_id)
        condition = _text(rule.condition).strip()
        needs_human = _truthy(rule.needs_human)
        base = {
            "rule_id": rid,
            "rule_version": int(_text(getattr(rule, "rule_version", 1)) or 1),
            "category": _text(rule.category),
            "name_zh": _text(rule.name_zh),
            "description_zh": _text(rule.description_zh),
            "legal_basis": _text(rule.legal_basis),
            "rule_veto": _truthy(rule.veto),
            "needs_human": needs_human,
            "deduct_points": 0.0 if pd.isna(rule.deduct_points) else float(rule.deduct_points),
        }
        if not condition:
            out.append({**base, "outcome": "human", "deducted_points": 0.0, "veto": False, "evidence": None})
            continue
        result = by_rule.get(rid)
        outcome = str(result.outcome) if result is not None else "not_checked"
        # one word for a reviewer: a rule that does not apply is not checked either; the reason tells which
        outcome = outcome if outcome in ("passed", "failed") else "not_checked"
        unknown = _text(result.unknown_facts if result is not None else None)
        evidence = _evidence(rule, condition, facts, settings, fields, file_names, vocab)
        if result is not None and getattr(result, "error", None):
            evidence["error"] = result.error
        out.append(
            {
                **base,
                "outcome": outcome,
                "deducted_points": float(result.deducted_points) if result is not None else 0.0,
                "veto": bool(result.veto) if result is not None else False,
                "unknown_facts": unknown.split(",") if unknown else [],
                "evidence": evidence,
            }
        )
    return out


def _evidence(
    rule: Any,
    condition: str,
    facts: dict[str, Any],
    settings: dict[str, float | str],
    fields: pd.DataFrame,
    file_names: dict[str, str],
    vocab: dict[str, str],
) -> dict[str, Any]:
    try:
        validated = validate_condition(condition, vocab)
        used, keys = sorted(validated.facts_used), sorted(validated.settings_used)
    except RuleConditionError:
        used, keys = [], []
    return {
        "sentence": render_evidence(_text(rule.evidence_template_zh), facts, vocab),
        "found": {name: _json_value(facts.get(name)) for name in used},
        "expected": {key: settings.get(key) for key in keys},
        "documents": documents_for(used, fields, file_names, settings),
    }


def run(session: Session, dossier: Dossier) -> MachineReview:
    """Review ``dossier`` under the current rule set, store the review and copy its result to the dossier."""
    started = time.perf_counter()
    files = list(
        session.scalars(
            select(DossierFile)
            .where(DossierFile.dossier_id == dossier.dossier_id)
            .order_by(DossierFile.file_id)
        )
    )
    facts = build_facts(session, dossier, files)
    if dossier.violation_code is None and facts.get("violation_code"):
        dossier.violation_code = facts["violation_code"]  # read from the cause: sampling filters on it
    fields = field_rows(files)
    if dossier.decided_on is None:  # the sampling period; never a fact (see zhifa.dossier_facts)
        dossier.decided_on = _parse(facts.get("decision_date")) or _decision_on_paper(fields)
    on = dossier.decided_on or today()
    settings = _settings(facts.get("province_code"), on)
    view = current_rule_set(session)
    names = {str(f.file_id): f.filename for f in files}
    findings = findings_for(view.rules, facts, settings, fields, names)
    failed = [f for f in findings if f["outcome"] == "failed"]
    veto = any(f["veto"] for f in failed)
    score = score_after([f["deducted_points"] for f in failed], settings)
    grade = grade_for(score, veto, settings)
    human = [f for f in findings if needs_human(f["outcome"], f["needs_human"])]
    at = now()
    review = MachineReview(
        dossier_id=dossier.dossier_id,
        rule_set_version=view.version,
        facts={k: _json_value(v) for k, v in facts.items()},
        findings=findings,
        total_score=Decimal(str(score)),
        grade=grade,
        veto=veto,
        n_checked=sum(f["outcome"] in ("passed", "failed") for f in findings),
        n_failed=len(failed),
        n_needs_human=len(human),
        duration_ms=int((time.perf_counter() - started) * 1000),
        created_at=at,
    )
    session.add(review)
    session.flush()
    dossier.machine_review_id = review.review_id
    dossier.machine_score, dossier.machine_grade, dossier.machine_veto = review.total_score, grade, veto
    if dossier.status == "received":
        dossier.status = "reviewed"
    dossier.updated_at = at
    return review


def _decision_on_paper(fields: pd.DataFrame) -> date | None:
    """The penalty decision's date as printed, else the decision date a closing report states."""
    for doc_type, name in (("penalty_decision", "issued_on"), ("closing_report", "decided_on")):
        values = fields.loc[(fields["doc_type"] == doc_type) & (fields["field"] == name), "value"]
        days = [d for d in (_parse(v) for v in values) if d is not None]
        if days:
            return min(days)
    return None


def _parse(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return date.fromisoformat(value)
    return None
