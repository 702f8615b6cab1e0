"""Machine review: every machine-checkable rule of ref_review_rules evaluated on every dossier.

The rules are evaluated by zhifa.rules.evaluate_rules — the function the API calls for one dossier — over
int_dossier_facts, once per settings version (province × period), so `setting('key')` in a condition reads the
thresholds in force for that case. Adding a rule row needs no code change here. The evidence sentence fills
the rule's evidence_template_zh placeholders {fact} from the same facts row.
"""

import math
import re

import pandas as pd

from zhifa.rules import evaluate_rules, facts_vocabulary

PLACEHOLDER = re.compile(r"\{(\w+)\}")
MISSING = "—"


def _setting_value(raw):
    try:
        number = float(raw)
    except (TypeError, ValueError):
        return str(raw)
    return number if math.isfinite(number) else str(raw)


def _shown(values: pd.Series) -> pd.Series:
    """A fact as text for the evidence sentence: 是/否 for booleans, 2 decimals for amounts, ISO dates."""
    if pd.api.types.is_bool_dtype(values):
        text = values.map({True: "是", False: "否"})
    elif pd.api.types.is_float_dtype(values):
        text = values.map(lambda v: f"{v:.2f}".rstrip("0").rstrip(".") if pd.notna(v) else None)
    elif pd.api.types.is_datetime64_any_dtype(values):
        text = values.dt.strftime("%Y-%m-%d")
    else:
        text = values.map(
            lambda v: None if pd.isna(v) else v.isoformat() if hasattr(v, "isoformat") else str(v)
        )
    return text.astype("object").where(values.notna(), MISSING).astype(str)


def _evidence(template, facts: pd.DataFrame) -> pd.Series:
    if template is None or pd.isna(template) or not str(template).strip():
        return pd.Series([None] * len(facts), index=facts.index, dtype="object")
    parts = PLACEHOLDER.split(str(template))
    out = pd.Series([parts[0]] * len(facts), index=facts.index, dtype="object")
    for i in range(1, len(parts), 2):
        name, literal = parts[i], parts[i + 1]
        value = _shown(facts[name]) if name in facts.columns else MISSING
        out = out + value + literal
    return out


def model(dbt, session):
    dbt.config(materialized="table")
    facts = dbt.ref("int_dossier_facts").df()
    rules = dbt.ref("ref_review_rules").df()
    doc_types = dbt.ref("ref_document_types").df()["doc_type"]
    versions = dbt.ref("int_settings_versions").df()
    vocabulary = facts_vocabulary(doc_types)
    columns = [c for c in vocabulary if c in facts.columns]
    settings_by_version = {
        version: {str(k): _setting_value(v) for k, v in zip(group["key"], group["value"], strict=True)}
        for version, group in versions.groupby("settings_version")
    }
    results = []
    for version, group in facts.groupby("settings_version"):
        results.append(evaluate_rules(rules, group[columns], settings_by_version[version], vocabulary))
    if not results:
        results.append(evaluate_rules(rules, facts.iloc[0:0][columns], {}, vocabulary))
    out = pd.concat(results, ignore_index=True)
    indexed = facts.set_index("case_id")
    evidence = []
    for rule in rules.itertuples(index=False):
        rows = out[out["rule_id"] == rule.rule_id]
        if rows.empty:
            continue
        text = _evidence(rule.evidence_template_zh, indexed.loc[rows["case_id"]].reset_index(drop=True))
        evidence.append(pd.Series(text.to_numpy(), index=rows.index))
    out["evidence"] = pd.concat(evidence) if evidence else pd.Series(dtype="object")
    # explicit types, so an empty warehouse yields the same table shape
    return out.astype(
        {
            "case_id": "string",
            "rule_id": "string",
            "passed": "boolean",
            "deducted_points": "float64",
            "veto": "bool",
            "evidence": "string",
        }
    )
