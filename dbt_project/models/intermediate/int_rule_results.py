"""Machine review: every machine-checkable rule in force (int_review_rules: the seed overlaid by the API's
newest rule set) evaluated on every dossier.

The rules are compiled by zhifa.rules — the compiler the API uses for one dossier — into one SQL query over
int_dossier_facts (zhifa.rule_evaluation.rules_sql), each rule once per settings version (province × period)
it reads distinct settings in, so `setting('key')` in a condition reads the thresholds in force for that case;
DuckDB writes the case × rule rows without a round trip through pandas. The var `rule_backend: python` runs
the reference evaluator (evaluate_rules, as the API) per settings version instead: the same rows
(tests/test_rule_backends.py). A new rule (seed row or API rule) needs no code change here. The evidence
is rendered in SQL (macro render_evidence) in marts.fct_rule_results. A rule whose verdict depends on an
unknown fact is not_checked, with the facts in unknown_facts (zhifa.rule_logic) — as in the API.
"""

import math

import pandas as pd

from zhifa.rule_evaluation import evaluate_rules, rules_sql
from zhifa.rules import facts_vocabulary


def _setting_value(raw):
    try:
        number = float(raw)
    except (TypeError, ValueError):
        return str(raw)
    return number if math.isfinite(number) else str(raw)


def model(dbt, session):
    dbt.config(materialized="table")
    rules = dbt.ref("int_review_rules").df()
    doc_types = dbt.ref("ref_document_types").df()["doc_type"]
    versions = dbt.ref("int_settings_versions").df()
    vocabulary = facts_vocabulary(doc_types)
    settings_by_version = {
        version: {str(k): _setting_value(v) for k, v in zip(group["key"], group["value"], strict=True)}
        for version, group in versions.groupby("settings_version")
    }
    if dbt.config.get("rule_backend") != "python":
        facts = dbt.ref("int_dossier_facts")
        used = facts.query("facts_in", "select distinct settings_version from facts_in").fetchall()
        present = {v for (v,) in used if v is not None}
        in_use = {v: settings_by_version[v] for v in sorted(present)}  # a version without settings: KeyError
        return facts.query("facts_in", rules_sql(rules, facts.columns, in_use, vocabulary))
    return _reference(dbt.ref("int_dossier_facts").df(), rules, settings_by_version, vocabulary)


def _reference(facts, rules, settings_by_version, vocabulary):
    """The reference back-end: zhifa.rule_evaluation.evaluate_rules on each settings version's rows."""
    columns = [c for c in vocabulary if c in facts.columns]
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
