"""Can an unknown fact make a rule fail? A probe for the rule editor, run on sample dossiers in DuckDB.

The evaluator already leaves a rule ``not_checked`` when a *required* input is unknown
(:mod:`zhifa.rule_logic`); what it cannot second-guess is a fact the condition tests for NULL itself
(``coalesce(x, 0)``, ``x IS NULL``…): there the author decided what NULL means, and may have decided
"failure". :func:`null_failures` finds those: it evaluates the condition with
:func:`zhifa.rule_evaluation.evaluate_rules` on a grid of sample dossiers (values from the fact types and
from the
condition's own literals and settings), then again with each fact set to NULL, and names every fact whose
NULL turns a dossier that did not fail into one that fails.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

import duckdb
import pandas as pd
from sqlglot import exp

from zhifa.rule_evaluation import evaluate_rules
from zhifa.rules import RuleConditionError, compile_condition, validate_condition

MAX_ROWS = 1500  # sample dossiers per probe (the grid is sampled beyond that, deterministically)
_BASE: dict[str, list[Any]] = {
    "BOOLEAN": [True, False],
    "INTEGER": [0, 1, 2, 100_000],
    "DOUBLE": [0.0, 1.0, 2.0, 1_000_000.0],
    "DATE": ["2024-01-01", "2024-03-01", "2024-12-31"],
    "VARCHAR": ["样例", ""],
}


def _literals(sql_ast: exp.Expr) -> tuple[list[float], list[str]]:
    numbers: set[float] = set()
    strings: set[str] = set()
    for lit in sql_ast.find_all(exp.Literal):
        if lit.is_string:
            strings.add(str(lit.this))
        else:
            n = float(lit.this)
            numbers |= {n - 1, n, n + 1}
    return sorted(numbers), sorted(strings)


def _values(sql_type: str, numbers: list[float], strings: list[str]) -> list[Any]:
    base = list(_BASE.get(sql_type, _BASE["VARCHAR"]))
    if sql_type in ("INTEGER", "DOUBLE"):
        extra = [int(n) if sql_type == "INTEGER" else n for n in numbers if n >= 0]
        base += [v for v in extra if v not in base]
    elif sql_type == "VARCHAR":
        base += [s for s in strings if s not in base]
        for s in strings:  # dates compared as text literals
            try:
                d = date.fromisoformat(s)
            except ValueError:
                continue
            base += [(d - timedelta(days=1)).isoformat(), (d + timedelta(days=1)).isoformat()]
    elif sql_type == "DATE":
        base += [s for s in strings if len(s) == 10 and s[4] == "-" and s not in base]
    return [*base, None]


def _grid(columns: list[list[Any]], limit: int) -> list[tuple[Any, ...]]:
    total = 1
    for c in columns:
        total *= len(c)
    if total <= limit:
        return list(itertools.product(*columns))
    rng = random.Random(0)  # deterministic: the same condition always gets the same sample
    return [tuple(rng.choice(c) for c in columns) for _ in range(limit)]


def null_failures(
    condition: str, vocabulary: Mapping[str, str], settings: Mapping[str, float | str]
) -> list[str]:
    """Facts whose NULL can turn a dossier the condition does not fail into one it fails (sorted)."""
    validated = validate_condition(condition, vocabulary)
    facts = sorted(validated.facts_used)
    if not facts:
        return []
    try:
        compiled = compile_condition(validated, settings)
    except RuleConditionError:
        return []
    numbers, strings = _literals(validate_condition(compiled, vocabulary).ast)
    columns = [_values(vocabulary[f], numbers, strings) for f in facts]
    base = _grid(columns, MAX_ROWS)
    rows = [{"case_id": f"b{i}", **dict(zip(facts, values, strict=True))} for i, values in enumerate(base)]
    for j, fact in enumerate(facts):
        rows += [{**rows[i], "case_id": f"n{i}_{j}", fact: None} for i in range(len(base))]
    rule = pd.DataFrame([{"rule_id": "PROBE", "condition": condition, "deduct_points": 1.0, "veto": False}])
    try:
        out = evaluate_rules(rule, pd.DataFrame(rows).astype(object), settings, vocabulary)
    except (duckdb.Error, RuleConditionError):
        return []  # a condition that cannot run is reported by the trial evaluation, not here
    failed = dict(zip(out["case_id"], out["outcome"].eq("failed"), strict=True))
    return [
        fact
        for j, fact in enumerate(facts)
        if any(not failed[f"b{i}"] and failed[f"n{i}_{j}"] for i in range(len(base)))
    ]
