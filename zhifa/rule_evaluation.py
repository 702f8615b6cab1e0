"""Evaluation of review rules: every rule with a condition against every row of a dossier facts table, in
one in-memory DuckDB query, with the three-valued outcome of :mod:`zhifa.rule_logic`. The rule language
itself (vocabulary, validation, compilation) is :mod:`zhifa.rules`; this is the one evaluator the API (one
dossier) and the warehouse (every case) share.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import lru_cache

import duckdb
import pandas as pd

from zhifa.rule_logic import unknown_sql
from zhifa.rules import (
    DIALECT,
    RuleConditionError,
    ValidatedCondition,
    compile_condition,
    compiled_ast,
    default_vocabulary,
    validate_condition,
)


def _typed_facts_sql(facts_columns: Iterable[str], vocab: Mapping[str, str]) -> str:
    present = {c.lower(): c for c in facts_columns}
    cols = ['CAST(f."case_id" AS VARCHAR) AS case_id']
    for name, sql_type in vocab.items():
        if name == "case_id":
            continue
        source = f'f."{present[name]}"' if name in present else "NULL"
        cols.append(f'CAST({source} AS {sql_type}) AS "{name}"')
    return f"SELECT {', '.join(cols)} FROM facts_in AS f"


RESULT_COLUMNS = ["case_id", "rule_id", "passed", "deducted_points", "veto", "outcome", "unknown_facts"]
# passed | failed | not_applicable (the condition says NULL, inputs known) | not_checked (an input unknown)
OUTCOMES = ("passed", "failed", "not_applicable", "not_checked")


def _rule_sql(
    condition: str, vocab_key: tuple[tuple[str, str], ...], settings: Mapping[str, float | str]
) -> tuple[str, str, str]:
    """(verdict, depends on an unknown, names of the unknown required inputs) as SQL; cached per condition
    and values of the settings it reads (a review of one dossier runs every rule again)."""
    validated = _validated(condition, vocab_key)
    used = tuple((k, settings[k]) for k in sorted(validated.settings_used) if k in settings)
    if len(used) < len(validated.settings_used):
        compile_condition(validated, settings)  # raises, naming the unknown setting
    return _rule_sql_cached(condition, vocab_key, used)


@lru_cache(maxsize=4096)
def _validated(condition: str, vocab_key: tuple[tuple[str, str], ...]) -> ValidatedCondition:
    return validate_condition(condition, dict(vocab_key))


@lru_cache(maxsize=4096)
def _rule_sql_cached(
    condition: str, vocab_key: tuple[tuple[str, str], ...], used: tuple[tuple[str, float | str], ...]
) -> tuple[str, str, str]:
    validated = _validated(condition, vocab_key)
    compiled = compiled_ast(validated, dict(used))
    depends = unknown_sql(compiled, validated.facts_required).sql(dialect=DIALECT)
    return compiled.sql(dialect=DIALECT), depends, _unknown_names_sql(validated.facts_required)


def _unknown_names_sql(required: Iterable[str]) -> str:
    """Comma-separated names of the required inputs that are NULL in the row (the reason for not_checked)."""
    parts = [f"CASE WHEN \"{f}\" IS NULL THEN '{f}' END" for f in sorted(required)]
    return f"concat_ws(',', {', '.join(parts)})" if parts else "''"


def evaluate_rules(
    rules: pd.DataFrame,
    facts: pd.DataFrame,
    settings: Mapping[str, float | str],
    vocabulary: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Evaluate every rule that has a condition against every facts row, in one in-memory DuckDB query.

    Returns one row per (case, rule): ``outcome`` (:data:`OUTCOMES`), ``unknown_facts`` (the required inputs
    that were NULL, comma-separated, when not checked; else NA), ``passed`` TRUE/FALSE or NA (not applicable
    or not checked), ``deducted_points`` (the rule's points when it failed, else 0) and ``veto`` (TRUE when a
    veto rule failed). Facts missing from the frame are NULL. Human-only rules (no condition) are not in the
    output.
    """
    vocab = dict(vocabulary) if vocabulary is not None else default_vocabulary()
    if "case_id" not in facts.columns:
        raise ValueError("facts need a case_id column / 案卷事实表缺少 case_id 列")
    machine = rules[rules["condition"].fillna("").astype(str).str.strip() != ""]
    if machine.empty or facts.empty:
        return pd.DataFrame(
            {c: pd.Series(dtype=t) for c, t in zip(RESULT_COLUMNS, _RESULT_DTYPES, strict=True)}
        )
    selects = []
    vocab_key = tuple(vocab.items())
    for i, rule in enumerate(machine.itertuples(index=False)):
        try:
            verdict, depends, names = _rule_sql(str(rule.condition), vocab_key, settings)
        except RuleConditionError as e:
            raise RuleConditionError(f"{rule.rule_id}: {e}") from e
        selects.append(
            f'CAST(({verdict}) AS BOOLEAN) AS "r{i}", CASE WHEN {depends} THEN {names} END AS "u{i}"'
        )
    con = duckdb.connect(":memory:")
    try:
        con.register("facts_in", facts)
        typed = _typed_facts_sql(facts.columns, vocab)
        wide = con.execute(f"WITH facts AS ({typed}) SELECT case_id, {', '.join(selects)} FROM facts").df()
    finally:
        con.close()
    cols = [f"r{i}" for i in range(len(machine))]
    long = wide.melt(id_vars="case_id", value_vars=cols, var_name="col", value_name="value")
    unknown = wide.melt(id_vars="case_id", value_vars=[f"u{i}" for i in range(len(machine))])["value"]
    meta = machine.reset_index(drop=True).assign(col=cols)
    out = long.merge(meta[["col", "rule_id", "deduct_points", "veto"]], on="col", how="left")
    unknown = unknown.astype("string").replace("", pd.NA).reset_index(drop=True)
    value = out["value"].astype("boolean").mask(unknown.notna())  # an unknown input: no verdict at all
    failed = value.eq(False).fillna(False).astype(bool)
    outcome = pd.Series("not_applicable", index=out.index, dtype="object")
    outcome[value.eq(True).fillna(False).astype(bool)] = "passed"
    outcome[failed] = "failed"
    outcome[unknown.notna()] = "not_checked"
    return pd.DataFrame(
        {
            "case_id": out["case_id"].astype(str),
            "rule_id": out["rule_id"].astype(str),
            "passed": value,
            "deducted_points": out["deduct_points"].astype(float).where(failed, 0.0),
            "veto": failed & _as_bool(out["veto"]),
            "outcome": outcome,
            "unknown_facts": unknown,
        }
    )


_RESULT_DTYPES = ["object", "object", "boolean", "float64", "bool", "object", "string"]


def _as_bool(values: pd.Series) -> pd.Series:
    text = values.astype(str).str.strip().str.lower()
    return text.isin(["true", "1", "yes", "t"])
