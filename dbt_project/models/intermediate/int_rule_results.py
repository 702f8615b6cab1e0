"""Machine review: every machine-checkable rule in force (int_review_rules: the seed overlaid by the API's
newest rule set) evaluated on every dossier.

The rules are evaluated by zhifa.rule_evaluation.evaluate_rules — the function the API calls for one
dossier — over
int_dossier_facts, once per settings version (province × period), so `setting('key')` in a condition reads the
thresholds in force for that case. A new rule (seed row or API rule) needs no code change here. The evidence
is rendered in SQL (macro render_evidence) in marts.fct_rule_results. A rule whose verdict depends on an
unknown fact is not_checked, with the facts in unknown_facts (zhifa.rule_logic) — as in the API.
"""

import math

import pandas as pd

from zhifa.rule_evaluation import evaluate_rules
from zhifa.rules import facts_vocabulary


def _setting_value(raw):
    try:
        number = float(raw)
    except (TypeError, ValueError):
        return str(raw)
    return number if math.isfinite(number) else str(raw)


def model(dbt, session):
    dbt.config(materialized="table")
    facts = dbt.ref("int_dossier_facts").df()
    rules = dbt.ref("int_review_rules").df()
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
    # explicit types, so an empty warehouse yields the same table shape
    return out.astype(
        {
            "case_id": "string",
            "rule_id": "string",
            "passed": "boolean",
            "deducted_points": "float64",
            "veto": "bool",
            "outcome": "string",
            "unknown_facts": "string",
        }
    )
