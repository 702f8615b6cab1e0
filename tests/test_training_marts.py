"""Training marts on a planted world (issue #19 §2 acceptance), built by dbt from facts written directly:
an officer failing the valuation rule family is recommended the valuation course (and so is their unit);
a course after which the trained officers' rate fell while similar untrained officers' did not shows an
improvement with its interval below 0; a course without any effect is a null (interval covering 0); a
course with too few trained officers is labelled as such. Per unit subtree (fct_training_effect_units), the
improvement shows in the units that have it and a null in the city whose trained officers did not improve."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from ingestion.raw_schema import ensure_schema
from ingestion.warehouse import connect
from zhifa.reference import read_seed
from zhifa.settings import DBT_PROJECT_DIR, SEEDS_DIR
from zhifa.training_effect import FELL, NO_DIFFERENCE, OBSERVATIONAL, SMALL_SAMPLE

PROVINCE, BASE = "410000", 0.02
RULES = ("R001", "R034", "R035", "R041", "R045", "R047", "R048")
COMPLETED = date(2025, 7, 1)
MODELS = (
    "ref_training_courses ref_training_course_map ref_risk_signals stg_api_training_assignments "
    "int_training_needs fct_training_recommendations int_training_effect_panel int_training_effect "
    "fct_training_effect int_unit_ancestors int_training_effect_unit_panel int_training_effect_units "
    "fct_training_effect_units"
)
# unit tree: province › two cities; the improvement is planted in 410101 (city 410100), a null in 410201
UNITS = (
    ("410000", "province", None),
    ("410100", "city", "410000"),
    ("410101", "county", "410100"),
    ("410102", "county", "410100"),
    ("410200", "city", "410000"),
    ("410201", "county", "410200"),
)

# officer -> (unit, {rules: (rate before COMPLETED, rate after)}); every other rule fails at BASE
OFFICERS: dict[str, tuple[str, dict[tuple[str, ...], tuple[float, float]]]] = {
    "OWEAK": ("410102", {("R034", "R035"): (0.5, 0.5)}),
    **{f"O2_{i:02}": ("410102", {}) for i in range(5)},
    **{f"T7_{i:02}": ("410101", {("R047", "R048"): (0.4, 0.1)}) for i in range(12)},  # trained: improve
    **{f"C7_{i:02}": ("410101", {("R047", "R048"): (0.4, 0.4)}) for i in range(20)},
    **{f"T5_{i:02}": ("410101", {("R041", "R045"): (0.3, 0.3)}) for i in range(12)},  # trained: no effect
    **{f"C5_{i:02}": ("410101", {("R041", "R045"): (0.3, 0.3)}) for i in range(20)},
    # the same course in the other city: its trained officers do not improve (a null there)
    **{f"N7_{i:02}": ("410201", {("R047", "R048"): (0.4, 0.4)}) for i in range(12)},
    **{f"D7_{i:02}": ("410201", {("R047", "R048"): (0.4, 0.4)}) for i in range(20)},
}
COMPLETIONS = [("TC07", f"T7_{i:02}") for i in range(12)] + [("TC05", f"T5_{i:02}") for i in range(12)]
COMPLETIONS += [("TC07", f"N7_{i:02}") for i in range(12)]
COMPLETIONS += [("TC08", "O2_01"), ("TC08", "O2_02")]  # two officers only
OPEN = [("TC07", "O2_00")]  # assigned, not done: in neither group


def _settings(con: duckdb.DuckDBPyConnection) -> None:
    """int_settings / int_settings_versions as their models would build them from the seed's national rows."""
    seed = read_seed(SEEDS_DIR / "ref_settings.csv")
    national = seed[seed["province_code"] == ""].sort_values("valid_from").groupby("key").last().reset_index()
    con.register("national", national)
    con.execute("CREATE SCHEMA IF NOT EXISTS intermediate")
    con.execute(
        "CREATE TABLE intermediate.int_settings AS SELECT NULL::VARCHAR AS province_code, key, value, "
        "CAST(valid_from AS DATE) AS valid_from, 'seed' AS source FROM national"
    )
    con.execute(
        f"CREATE TABLE intermediate.int_settings_versions AS SELECT '{PROVINCE}@1900-01-01' "
        f"AS settings_version, '{PROVINCE}' AS province_code, DATE '1900-01-01' AS version_start, "
        "DATE '9999-12-31' AS version_end, "
        "key, value FROM national"
    )
    rules = read_seed(SEEDS_DIR / "ref_review_rules.csv")
    con.register("rules", rules)
    con.execute(
        "CREATE TABLE intermediate.int_review_rules AS SELECT rule_id, name_zh, "
        "CAST(deduct_points AS DOUBLE) AS deduct_points, CAST(veto AS BOOLEAN) AS veto FROM rules"
    )


def _world(con: duckdb.DuckDBPyConnection) -> None:
    rng = np.random.default_rng(19)
    cases, officers, results = [], [], []
    days = [date(2024, 7, 1) + timedelta(days=15 * k) for k in range(37)]  # 2024-07-01 … 2025-12-27
    for officer, (unit, rates) in OFFICERS.items():
        for k, day in enumerate(days):
            case_id = f"C{officer}_{k:02}"
            cases.append(
                (case_id, PROVINCE, unit, datetime(day.year, day.month, day.day, 2, tzinfo=UTC), day)
            )
            officers.append((case_id, officer, "lead"))
            for rule in RULES:
                before, after = next((r for rs, r in rates.items() if rule in rs), (BASE, BASE))
                failed = rng.random() < (before if day < COMPLETED else after)
                results.append((case_id, rule, "failed" if failed else "passed"))
    frames = {
        "marts.fct_case_fines": pd.DataFrame(
            cases, columns=["case_id", "province_code", "unit_code", "decided_at", "discovered_date"]
        ),
        "staging.stg_case_officers": pd.DataFrame(officers, columns=["case_id", "officer_id", "role"]),
        "staging.stg_units": pd.DataFrame(
            [(u, f"{u}局", level, parent, u) for u, level, parent in UNITS],
            columns=["unit_code", "unit_name", "level", "parent_code", "abbreviation"],
        ),
        "staging.stg_officers": pd.DataFrame(
            [(o, u) for o, (u, _) in OFFICERS.items()], columns=["officer_id", "unit_code"]
        ),
        "marts.fct_rule_results": pd.DataFrame(results, columns=["case_id", "rule_id", "outcome"]),
        "marts.fct_case_risk_signals": pd.DataFrame({"case_id": [], "signal_code": []}, dtype="str"),
    }
    for name, frame in frames.items():
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {name.split('.')[0]}")
        con.register("frame", frame)
        con.execute(f"CREATE TABLE {name} AS SELECT * FROM frame")
        con.unregister("frame")
    done = datetime(2025, 7, 1, 2, tzinfo=UTC)
    rows: list[tuple[str, str, str, datetime | None]] = [(c, o, "completed", done) for c, o in COMPLETIONS]
    rows += [(course, officer, "assigned", None) for course, officer in OPEN]
    con.executemany(
        "INSERT INTO raw.api_training_assignments (assignment_id, course_id, officer_id, unit_code, "
        "assigned_by, assigned_at, due_date, status, completed_at, updated_at) "
        "VALUES (?, ?, ?, ?, 'boss', TIMESTAMPTZ '2025-06-01 00:00:00+00', DATE '2025-06-30', ?, ?, ?)",
        [(i + 1, c, o, OFFICERS[o][0], s, t, t or done) for i, (c, o, s, t) in enumerate(rows)],
    )


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[duckdb.DuckDBPyConnection]:
    home = tmp_path_factory.mktemp("training_home")
    con = connect(home / "warehouse.duckdb")
    try:
        ensure_schema(con)
        _settings(con)
        _world(con)
    finally:
        con.close()
    project, target = str(DBT_PROJECT_DIR), home / "target"
    done = subprocess.run(
        [str(Path(sys.executable).with_name("dbt")), "build", "--select", *MODELS.split(),
         "--resource-type", "seed", "--resource-type", "model",  # the data tests run in the full build
         "--project-dir", project, "--profiles-dir", project, "--target-path", str(target),
         "--log-path", str(target / "logs")],
        env={**os.environ, "ZHIFA_HOME": str(home)}, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, (done.stdout + done.stderr)[-4000:]
    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    yield con
    con.close()


def test_the_weak_officer_and_their_unit_are_recommended_the_valuation_course(
    warehouse: duckdb.DuckDBPyConnection,
) -> None:
    recs = warehouse.execute(
        "SELECT level, subject_id, course_id, course_rank, recommended, need_points, evidence, "
        "example_case_ids FROM marts.fct_training_recommendations"
    ).df()
    weak = recs[recs["subject_id"] == "OWEAK"].sort_values("course_rank").iloc[0]
    assert (weak["course_id"], weak["recommended"]) == ("TC04", True)
    assert "R034" in weak["evidence"] and "R035" in weak["evidence"]
    assert weak["example_case_ids"] and all(
        c.startswith("COWEAK_") for c in weak["example_case_ids"].split(",")
    )
    valuation = recs[(recs["course_id"] == "TC04") & (recs["level"] == "officer")]
    assert valuation["need_points"].idxmax() == weak.name  # nobody needs it as much
    unit = recs[(recs["subject_id"] == "410102")].sort_values("course_rank").iloc[0]
    assert unit["course_id"] == "TC04"
    # the officers trained on TC07 failed R047/R048 at 0.4 before it: the notice course is theirs
    t7 = recs[(recs["subject_id"] == "T7_00") & recs["recommended"]]
    assert "TC07" in set(t7["course_id"])
    done = warehouse.execute(
        "SELECT subject_id, course_id FROM marts.fct_training_recommendations WHERE completed_on = ?",
        [COMPLETED],
    ).fetchall()
    assert {c for _, c in done} == {"TC07", "TC05"} and {s for s, _ in done} <= {o for _, o in COMPLETIONS}


def test_the_effect_recovers_an_improvement_a_null_and_labels_a_small_group(
    warehouse: duckdb.DuckDBPyConnection,
) -> None:
    effect = warehouse.execute("SELECT * FROM marts.fct_training_effect ORDER BY course_id").df()
    by = effect.set_index("course_id")
    assert list(by.index) == ["TC05", "TC07", "TC08"]
    improved = by.loc["TC07"]
    # planted: half the trained fall 0.4 → 0.1 (410101), half stay at 0.4 (410201), comparison 0.4 → 0.4: so
    # −0.15 over the country, between the two cities' effects; unmatched officers (BASE) are left out
    assert (improved["n_trained"], improved["n_comparison"]) == (24, 40)
    assert -0.3 < improved["estimate_low"] < -0.15 < improved["estimate_high"]
    assert -0.3 < improved["estimate"] < 0
    null = by.loc["TC05"]
    assert null["estimate_low"] < 0 < null["estimate_high"] and null["conclusion"] == NO_DIFFERENCE
    assert (by.loc["TC08", "conclusion"], bool(by.loc["TC08", "small_sample"])) == (SMALL_SAMPLE, True)


def test_per_unit_the_improvement_shows_where_it_was_planted_and_a_null_elsewhere(
    warehouse: duckdb.DuckDBPyConnection,
) -> None:
    units = warehouse.execute("SELECT * FROM marts.fct_training_effect_units").df()
    by = units.set_index(["course_id", "unit_code"])
    # a row per unit above a trained officer (county, city, province), none where nobody was trained
    assert set(by.index) == {
        *(("TC07", u) for u in ("410101", "410100", "410201", "410200", "410000")),
        *(("TC05", u) for u in ("410101", "410100", "410000")),
        *(("TC08", u) for u in ("410102", "410100", "410000")),
    }
    assert set(units["period"].dt.date) == {COMPLETED}
    for unit in ("410101", "410100"):  # the county of the improvement and its city: −0.3, an improvement
        row = by.loc[("TC07", unit)]
        assert (row["n_trained"], row["n_comparison"]) == (12, 20), unit
        assert row["estimate_low"] < -0.3 < row["estimate_high"] < 0 and row["conclusion"] == FELL
        assert row["evidence"] == OBSERVATIONAL
    for unit in ("410201", "410200"):  # the other city's trained officers did not improve: a null there
        row = by.loc[("TC07", unit)]
        assert (row["n_trained"], row["n_comparison"]) == (12, 20), unit
        assert row["estimate_low"] < 0 < row["estimate_high"] and row["conclusion"] == NO_DIFFERENCE
    for unit in ("410101", "410100", "410000"):
        assert by.loc[("TC05", unit), "conclusion"] == NO_DIFFERENCE, unit
    for unit in ("410102", "410100", "410000"):  # two trained officers: labelled, whatever the estimate
        assert by.loc[("TC08", unit), "evidence"] == SMALL_SAMPLE, unit
    # the province holds every officer of this one-province world: its rows are the national ones
    national = warehouse.execute("SELECT * FROM marts.fct_training_effect").df().set_index("course_id")
    province = units[units["unit_code"] == PROVINCE].set_index("course_id")[national.columns]
    pd.testing.assert_frame_equal(province.sort_index(), national.sort_index())
