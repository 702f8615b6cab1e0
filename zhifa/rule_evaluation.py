"""Evaluation of review rules: every rule with a condition against every row of a dossier facts table, in
one in-memory DuckDB query, with the three-valued outcome of :mod:`zhifa.rule_logic`. The rule language
itself (vocabulary, validation, compilation) is :mod:`zhifa.rules`. One compilation per rule, two back-ends:
:func:`evaluate_rules` (a pandas frame in, a frame out — the API's one dossier, the dry run, the probe) and
:func:`rules_sql` (one SELECT over the warehouse's facts table, every case and settings version — the machine
review model ``int_rule_results``); tests/test_rule_backends.py holds them to the same rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any

import duckdb
import pandas as pd
from sqlglot import exp

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


def _typed_facts_sql(facts_columns: Iterable[str], vocab: Mapping[str, str], by_version: bool = False) -> str:
    """The facts cast to the vocabulary's types (a fact the frame lacks is NULL); ``by_version``: with the
    settings version, rows without one left out."""
    present = {c.lower(): c for c in facts_columns}
    cols = ['CAST(f."case_id" AS VARCHAR) AS case_id']
    if by_version:
        cols.append("CAST(f.settings_version AS VARCHAR) AS settings_version")
    for name, sql_type in vocab.items():
        if name == "case_id":
            continue
        source = f'f."{present[name]}"' if name in present else "NULL"
        cols.append(f'CAST({source} AS {sql_type}) AS "{name}"')
    where = " WHERE f.settings_version IS NOT NULL" if by_version else ""
    return f"SELECT {', '.join(cols)} FROM facts_in AS f{where}"


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


def rules_sql(
    rules: pd.DataFrame,
    facts_columns: Iterable[str],
    settings_by_version: Mapping[str, Mapping[str, float | str]],
    vocabulary: Mapping[str, str] | None = None,
) -> str:
    """The SQL back-end of :func:`evaluate_rules`: one SELECT over a relation named ``facts_in`` (one row per
    case, with a ``settings_version`` column keying ``settings_by_version``) giving the same rows as
    :func:`evaluate_rules` run on each settings version's rows, without leaving the database.

    Each rule is compiled by the same compiler once per distinct value of the settings it reads; the
    variants are picked per row by its settings version. Rows without a settings version have no results
    (as the per-version groups of the warehouse model)."""
    vocab = dict(vocabulary) if vocabulary is not None else default_vocabulary()
    machine = rules[rules["condition"].fillna("").astype(str).str.strip() != ""]
    typed = _typed_facts_sql(facts_columns, vocab, by_version=True)
    if machine.empty or not settings_by_version:
        return _EMPTY_RESULT_SQL
    vocab_key = tuple(vocab.items())
    items = []
    vetoes = _as_bool(machine["veto"]).tolist()
    for rule, veto in zip(machine.itertuples(index=False), vetoes, strict=True):
        variants: dict[tuple[str, str, str], list[str]] = {}
        for version, settings in settings_by_version.items():
            try:
                variants.setdefault(_rule_sql(str(rule.condition), vocab_key, settings), []).append(version)
            except RuleConditionError as e:
                raise RuleConditionError(f"{rule.rule_id}: {e}") from e
        verdict = _by_version({k[0]: v for k, v in variants.items()}, "CAST(({}) AS BOOLEAN)")
        depends = _by_version({k[1:]: v for k, v in variants.items()}, "CASE WHEN {0[0]} THEN {0[1]} END")
        points = float(rule.deduct_points) if pd.notna(rule.deduct_points) else None
        items.append(
            f"{{'rule_id': {_sql_literal(str(rule.rule_id))}, 'points': {_sql_literal(points)}::DOUBLE, "
            f"'veto': {'TRUE' if veto else 'FALSE'}, 'v': {verdict}, 'u': CAST({depends} AS VARCHAR)}}"
        )
    return f"""
        WITH facts AS ({typed}),
        wide AS (SELECT case_id, unnest([{", ".join(items)}]) AS x FROM facts),
        long AS (
            SELECT case_id, x.rule_id, x.points, x.veto, nullif(x.u, '') AS u,
                   CASE WHEN nullif(x.u, '') IS NULL THEN x.v END AS v
            FROM wide
        )
        SELECT
            case_id,
            rule_id,
            v AS passed,
            CASE WHEN v = FALSE THEN points ELSE 0.0 END AS deducted_points,
            coalesce(v = FALSE AND veto, FALSE) AS veto,
            CASE WHEN u IS NOT NULL THEN 'not_checked' WHEN v THEN 'passed' WHEN NOT v THEN 'failed'
                 ELSE 'not_applicable' END AS outcome,
            u AS unknown_facts
        FROM long
    """


_EMPTY_RESULT_SQL = """
    SELECT NULL::VARCHAR AS case_id, NULL::VARCHAR AS rule_id, NULL::BOOLEAN AS passed,
           NULL::DOUBLE AS deducted_points, NULL::BOOLEAN AS veto, NULL::VARCHAR AS outcome,
           NULL::VARCHAR AS unknown_facts
    WHERE FALSE
"""


def _by_version(variants: Mapping[Any, list[str]], template: str) -> str:
    """One rule's SQL picked per row by its settings version (the one variant when all versions agree)."""
    if len(variants) == 1:
        return template.format(next(iter(variants)))
    whens = [
        f"WHEN settings_version IN ({', '.join(map(_sql_literal, versions))}) THEN {template.format(sql)}"
        for sql, versions in variants.items()
    ]
    return f"CASE {' '.join(whens)} END"


def _sql_literal(value: str | float | None) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, str):
        return exp.Literal.string(value).sql(dialect=DIALECT)
    return repr(float(value))


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
