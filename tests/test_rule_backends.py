"""The machine review's two back-ends give the same rows: the warehouse model ``int_rule_results`` with the
rules compiled into one SQL query over the facts table (``zhifa.rule_evaluation.rules_sql``, the default)
and with the reference evaluator (``evaluate_rules`` per settings version, var ``rule_backend: python``).

Property-generated conditions (the rule language's constructs: comparisons with literals, settings and
other facts, date arithmetic, IS NULL, IN, AND/OR/NOT, CASE, coalesce) over generated facts with unknowns,
in several settings versions whose values differ; the seeded rules on three dossiers. The demo world's marts
built both ways are compared in tests/test_metrics.py.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import duckdb
import pandas as pd
from dbt_model_support import StandInDbt, load_model
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zhifa.reference import load_reference

REF = load_reference()
VERSIONS = ("410000@2020-01-01", "410000@2024-01-01", "320000@2020-01-01")
NUM = {"fine_amount": "DOUBLE", "n_officers": "INTEGER", "extension_days": "INTEGER"}
DATES = ("filing_date", "decision_date", "discovered_date")
BOOLS = ("has_deviation_reason", "preserved")
STATUS = ("closed", "decided", "filed")
OWN_SETTINGS = ("s_amount", "s_days")
MODEL_MODULE = load_model("intermediate/int_rule_results.py")


def _dbt(con: duckdb.DuckDBPyConnection, backend: str) -> StandInDbt:
    return StandInDbt(con.table, {"rule_backend": backend})


# --- generated rules -----------------------------------------------------------------------------------
_num_term = st.one_of(
    st.integers(-5, 5000).map(str),
    st.floats(-10, 5000, allow_nan=False).map(lambda x: repr(round(x, 2))),
    st.sampled_from([f"setting('{k}')" for k in OWN_SETTINGS]),
    st.sampled_from(list(NUM)),
)
_atom = st.one_of(
    st.tuples(st.sampled_from(list(NUM)), st.sampled_from(["<", "<=", "=", "<>", ">="]), _num_term).map(
        " ".join
    ),
    st.tuples(st.sampled_from(list(NUM)), _num_term).map(lambda t: f"{t[0]} * 2 + {t[1]} > 100"),
    st.sampled_from(BOOLS),
    st.tuples(st.sampled_from(DATES), st.sampled_from(DATES)).map(lambda t: f"{t[0]} < {t[1]}"),
    st.tuples(st.sampled_from(DATES), st.sampled_from(DATES)).map(
        lambda t: f"date_diff('day', {t[0]}, {t[1]}) <= setting('s_days')"
    ),
    st.sampled_from([*NUM, *DATES, *BOOLS, "case_status"]).map(lambda f: f"{f} IS NULL"),
    st.just("case_status IN ('closed', 'decided')"),
    st.sampled_from(BOOLS).map(lambda f: f"coalesce({f}, TRUE)"),
    st.just("NULL"),
)
_condition = st.recursive(
    _atom,
    lambda inner: st.one_of(
        st.tuples(inner, inner).map(lambda t: f"({t[0]} AND {t[1]})"),
        st.tuples(inner, inner).map(lambda t: f"({t[0]} OR {t[1]})"),
        inner.map(lambda c: f"NOT ({c})"),
        st.tuples(inner, inner, inner).map(lambda t: f"CASE WHEN {t[0]} THEN {t[1]} ELSE {t[2]} END"),
        st.tuples(inner, inner).map(lambda t: f"CASE WHEN {t[0]} THEN NULL ELSE {t[1]} END"),
    ),
    max_leaves=6,
)
_rules = st.lists(
    st.tuples(_condition, st.sampled_from([0.5, 2.0, 10.0, None]), st.sampled_from(["TRUE", "false", ""])),
    min_size=1,
    max_size=6,
)

# --- generated facts -----------------------------------------------------------------------------------
_day = st.integers(0, 60).map(lambda d: date(2024, 3, 1) + timedelta(days=d))
_fact_row = st.fixed_dictionaries(
    {
        "settings_version": st.sampled_from([*VERSIONS, None]),
        "case_status": st.sampled_from([*STATUS, None]),
        "fine_amount": st.one_of(st.none(), st.floats(0, 6000, allow_nan=False).map(lambda x: round(x, 2))),
        "n_officers": st.one_of(st.none(), st.integers(0, 4)),
        "extension_days": st.one_of(st.none(), st.integers(0, 30)),
        **{d: st.one_of(st.none(), _day) for d in DATES},
        **{b: st.one_of(st.none(), st.booleans()) for b in BOOLS},
    }
)
_settings = st.tuples(st.sampled_from([100, 500.5, 3000]), st.integers(1, 30))


def _warehouse(
    rules: list[tuple[str, float | None, str]],
    rows: list[dict[str, Any]],
    values: list[tuple[float, int]],
    with_seeded: bool = False,
) -> duckdb.DuckDBPyConnection:
    """The model's inputs as tables: the generated rules (and the seeded ones), typed facts, settings versions
    (the seeded Henan settings with both own settings varying by version)."""
    con = duckdb.connect(":memory:")
    generated = pd.DataFrame(
        {
            "rule_id": [f"G{i}" for i in range(len(rules))],
            "condition": [c for c, _, _ in rules],
            "deduct_points": [p for _, p, _ in rules],
            "veto": [v for _, _, v in rules],
        }
    )
    seeded = REF.review_rules[["rule_id", "condition", "deduct_points", "veto"]] if with_seeded else None
    con.register("rules_df", pd.concat([seeded, generated], ignore_index=True).fillna("").astype(str))
    con.execute("create table int_review_rules as select * replace (try_cast(deduct_points as double) "
                "as deduct_points) from rules_df")  # fmt: skip
    con.register("types_df", REF.document_types[["doc_type"]])
    con.execute("create table ref_document_types as select * from types_df")
    base = {str(k): str(v) for k, v in REF.settings_for("410000", date(2024, 4, 25)).items()}
    settings_rows = [
        (version, key, value)
        for version, (amount, days) in zip(VERSIONS, values, strict=True)
        for key, value in {**base, "s_amount": str(amount), "s_days": str(days)}.items()
    ]
    con.execute("create table int_settings_versions (settings_version varchar, key varchar, value varchar)")
    con.executemany("insert into int_settings_versions values (?, ?, ?)", settings_rows)
    cols = {"case_id": "VARCHAR", "settings_version": "VARCHAR", "case_status": "VARCHAR", **NUM}
    cols.update({d: "DATE" for d in DATES} | {b: "BOOLEAN" for b in BOOLS})
    con.execute(f"create table int_dossier_facts ({', '.join(f'{c} {t}' for c, t in cols.items())})")
    if rows:
        names = list(cols)
        con.executemany(
            f"insert into int_dossier_facts values ({', '.join('?' for _ in names)})",
            [[f"C{i}" if c == "case_id" else r.get(c) for c in names] for i, r in enumerate(rows)],
        )
    return con


def _canonical(frame: pd.DataFrame) -> list[tuple[Any, ...]]:
    rows = frame.astype(object).where(frame.notna(), None).itertuples(index=False, name=None)
    return sorted(tuple(r) for r in rows)


def _both(con: duckdb.DuckDBPyConnection) -> tuple[pd.DataFrame, pd.DataFrame]:
    reference = MODEL_MODULE.model(_dbt(con, "python"), con)
    compiled = MODEL_MODULE.model(_dbt(con, "sql"), con).df()
    return reference, compiled


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rules=_rules,
    rows=st.lists(_fact_row, min_size=0, max_size=8),
    values=st.tuples(_settings, _settings, _settings),
)
def test_sql_back_end_gives_the_reference_rows(
    rules: list[tuple[str, float | None, str]],
    rows: list[dict[str, Any]],
    values: tuple[tuple[float, int], ...],
) -> None:
    con = _warehouse(rules, rows, list(values))
    try:
        reference, compiled = _both(con)
    finally:
        con.close()
    assert list(compiled.columns) == list(reference.columns)
    assert _canonical(compiled) == _canonical(reference)
    assert len(compiled) == sum(r["settings_version"] is not None for r in rows) * len(rules)


def test_a_setting_read_differently_per_version_gives_each_case_its_own_verdict() -> None:
    """The one-query back-end picks a rule's variant by the row's settings version (not the first one)."""
    rows = [{"settings_version": v, "fine_amount": 1000.0, "case_status": "closed"} for v in VERSIONS]
    rule = ("fine_amount <= setting('s_amount')", 5.0, "")
    con = _warehouse([rule], rows, [(500, 1), (3000, 1), (100, 1)], with_seeded=True)
    try:
        reference, compiled = _both(con)
    finally:
        con.close()
    got = compiled[compiled["rule_id"] == "G0"].set_index("case_id")["outcome"].to_dict()
    assert got == {"C0": "failed", "C1": "passed", "C2": "failed"}
    assert _canonical(compiled) == _canonical(reference)
    assert len(compiled) == 3 * (1 + int((REF.review_rules["condition"].fillna("").str.strip() != "").sum()))
