"""The real Superset (own venv, gunicorn on 127.0.0.1) serving the committed bundle from a snapshot that the
pipeline published from a generated world. Expected numbers are computed here from the snapshot with
DuckDB, not taken from Superset or the spec.
"""

from __future__ import annotations

import csv
import os
import shutil
import threading
from pathlib import Path
from typing import Any

import duckdb
import numpy
import pandas as pd
import pytest
from superset_support import BACKLOG_BANDS, FINISH_HOURS, Served
from typer.testing import CliRunner

from cli.main import app
from dashboards.boards import BOARDS
from dashboards.bootstrap import publish
from dashboards.browser import screenshot_dashboards
from dashboards.bundle import BUNDLE_DIR, SELECT_FILTERS, bundle_files, dashboard_yaml, dump_yaml, read_bundle
from dashboards.client import ChartResult
from dashboards.preflight import check_snapshot
from dashboards.service import SupersetError
from ingestion.snapshot import publish_snapshot
from ingestion.warehouse import connect
from zhifa.dashboard_links import OFFICER_BOARDS
from zhifa.settings import PROJECT_ROOT

pytestmark = pytest.mark.slow
# the committed screenshots are rewritten only on request: ZHIFA_UPDATE_SCREENSHOTS=1
COMMITTED_SCREENSHOTS = PROJECT_ROOT / "docs" / "screenshots"


def test_the_committed_bundle_is_what_the_spec_generates() -> None:
    generated = bundle_files()
    committed = {
        str(p.relative_to(BUNDLE_DIR)): p.read_text(encoding="utf-8") for p in BUNDLE_DIR.rglob("*.yaml")
    }
    assert committed == generated, "run `zhifa dashboards bundle` and commit dashboards/bundle/"


def test_the_officer_filter_is_where_the_links_expect_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """The boards a link narrows to an officer (zhifa.dashboard_links.OFFICER_BOARDS) are those with an
    officer filter in the bundle; a board whose data lost (or gained) the officer column stops generating."""
    with_filter = {
        b.slug
        for b in BOARDS
        if any(
            f["id"].endswith("-officer") for f in dashboard_yaml(b)["metadata"]["native_filter_configuration"]
        )
    }
    assert (
        with_filter
        == OFFICER_BOARDS
        == {
            "fine-consistency",
            "dossier-quality",
            "enforcement-risk",
            "enforcement-assessment",
        }
    )
    monkeypatch.setattr("dashboards.bundle.OFFICER_BOARDS", OFFICER_BOARDS - {"dossier-quality"})
    with pytest.raises(ValueError, match="dossier-quality"):
        dashboard_yaml(next(b for b in BOARDS if b.slug == "dossier-quality"))


def test_every_chart_answers_with_rows(served: Served) -> None:
    titles = {c.title for b in BOARDS for c in b.charts}
    assert set(served.results) == titles
    for result in served.results.values():
        assert result.error is None, result.describe()
        assert result.rows, result.describe()


def _value(result: ChartResult) -> Any:
    assert len(result.rows) == 1, result.describe()
    return next(iter(result.rows[0].values()))


def test_fine_consistency_headlines_equal_the_marts(served: Served) -> None:
    r = served.results
    fines = "marts.fct_case_fines"
    assert _value(r["已评估案件数"]) == served.mart(f"SELECT count(*) FROM {fines} WHERE rate IS NOT NULL")
    assert _value(r["超出法定幅度案件数"]) == served.mart(
        f"SELECT count(*) FROM {fines} WHERE fine_status = 'ok' AND NOT in_statutory_range"
    )
    assert _value(r["未经审批的偏离"]) == served.mart(
        f"SELECT count(*) FROM {fines} WHERE deviation_unapproved"
    )
    assert _value(r["偏离突出的单位（单位·年度）"]) == served.mart(
        "SELECT count(*) FROM marts.fct_unit_fine_consistency WHERE flagged"
    )
    # the ranking lists every unit-year with the mart's effect and interval
    ranking = r["单位偏离效应排名（含区间）"].rows
    assert len(ranking) == served.mart("SELECT count(*) FROM marts.fct_unit_fine_consistency")
    top = max(ranking, key=lambda row: row["effect_max"])
    assert top["effect_max"] == pytest.approx(
        served.mart("SELECT max(effect) FROM marts.fct_unit_fine_consistency")
    )
    out_of_range = {row["case_id"] for row in r["超出法定幅度的案件"].rows}
    con = duckdb.connect(str(served.snapshot), read_only=True)
    try:
        expected = {
            c for (c,) in con.execute(f"SELECT case_id FROM {fines} WHERE NOT in_statutory_range").fetchall()
        }
    finally:
        con.close()
    assert out_of_range == expected
    # the distribution table: median rate of each violation · tier, recomputed with numpy
    con = duckdb.connect(str(served.snapshot), read_only=True)
    try:
        cases = con.execute(
            f"""SELECT v.name_zh || ' · 第' || f.tier || '档', f.rate FROM {fines} f
            JOIN ref.ref_violation_types v USING (violation_code) WHERE f.fine_status = 'ok'"""
        ).fetchall()
    finally:
        con.close()
    by_group: dict[str, list[float]] = {}
    for group, rate in cases:
        by_group.setdefault(group, []).append(rate)
    distribution = r["罚款比例分布（按违法类型与档次）"].rows
    assert {row["violation_tier"] for row in distribution} == set(by_group)
    for row in distribution:
        rates = by_group[row["violation_tier"]]
        assert row["n_assessed"] == len(rates)
        assert row["rate_p50"] == pytest.approx(float(numpy.median(rates)))
        assert row["rate_p90"] == pytest.approx(float(numpy.percentile(rates, 90)))


def test_quality_and_risk_headlines_equal_the_marts(served: Served) -> None:
    r = served.results
    assert _value(r["一票否决案卷数"]) == served.mart(
        "SELECT count(*) FROM marts.fct_dossier_quality WHERE veto"
    )
    agreement = served.mart(
        "SELECT avg((machine_grade = human_grade)::INT) FROM marts.fct_dossier_quality "
        "WHERE human_grade IS NOT NULL"
    )
    assert _value(r["机审与人工等级一致率"]) == pytest.approx(agreement)
    assert _value(r["风险信号总数"]) == served.mart("SELECT count(*) FROM marts.fct_case_risk_signals")


def _seed_setting(key: str) -> float:
    """A national setting read from the seed CSV itself (the world carries no bureau override of it)."""
    with (PROJECT_ROOT / "dbt_project" / "seeds" / "ref_settings.csv").open(encoding="utf-8") as f:
        return float(
            next(r["value"] for r in csv.DictReader(f) if r["key"] == key and not r["province_code"])
        )


def test_review_operations_equal_raw_reviews_and_planted_tasks(served: Served) -> None:
    r = served.results
    con = duckdb.connect(str(served.build), read_only=True)
    try:
        # re-reviews whose score differs from the review they follow by more than the seed's gap, from the
        # raw contract rows (no mart in between)
        over, compared, humans = con.execute(
            """SELECT count(*) FILTER (WHERE abs(c.total_score - p.total_score) > ?), count(*),
                (SELECT count(*) FROM raw.reviews WHERE mode <> 'machine')
            FROM raw.reviews c JOIN raw.reviews p ON p.review_id = c.parent_review_id
            WHERE c.mode = 're_review' AND c.total_score IS NOT NULL AND p.total_score IS NOT NULL""",
            [_seed_setting("rereview_score_gap")],
        ).fetchone() or (None, None, None)
        row = con.execute(
            "SELECT count(*) FROM raw.reviews WHERE mode = 'pool' AND review_id NOT LIKE 'API-%' "
            "AND started_at IS NOT NULL AND submitted_at IS NOT NULL"
        ).fetchone()
        assert row is not None
        bulk_pool = row[0]
        # the planted API review reached the contract reviews (and so every count above)
        assert con.execute("SELECT count(*) FROM raw.reviews WHERE review_id LIKE 'API-%'").fetchone() == (1,)
        sampled = dict(
            con.execute(
                """SELECT c.unit_code, count(DISTINCT c.case_id) FILTER (WHERE r.case_id IS NOT NULL)
                    / count(DISTINCT c.case_id)
                FROM raw.cases c
                LEFT JOIN raw.reviews r ON r.case_id = c.case_id AND r.mode = 'sample'
                WHERE c.decided_at IS NOT NULL GROUP BY 1"""
            ).fetchall()
        )
    finally:
        con.close()
    assert 0 < over < compared
    assert _value(r["复核分歧超过阈值次数"]) == over
    assert _value(r["复核分歧超过阈值占比"]) == pytest.approx(over / compared)
    assert _value(r["人工评查次数"]) == humans
    by_unit = r["复核分歧（按单位）"].rows
    assert sum(row["n_over_gap"] for row in by_unit) == over
    assert sum(row["n_compared"] for row in by_unit) == compared
    # coverage per unit over all years: sampled decided cases / decided cases
    names = _unit_names(served.build).set_index("unit_path")["unit_code"]
    coverage = {names[row["unit_path"]]: row["coverage_rate"] for row in r["抽查覆盖率（按单位）"].rows}
    assert coverage == pytest.approx({u: sampled[u] for u in coverage})
    assert len(coverage) == min(50, len(sampled)) and max(coverage.values()) > 0
    # the backlog: the pool/sample tasks planted open or claimed, by unit and waiting time
    backlog = [
        (unit, BACKLOG_BANDS[days])
        for unit, kind, days in served.planted
        if kind.split("·")[0] in ("pool", "sample") and kind.split("·")[1] in ("open", "claimed")
    ]
    assert _value(r["积压评查任务数"]) == len(backlog) == 4
    got = {
        (names[row["unit_path"]], row["age_band"]): row["n_backlog"]
        for row in r["评查积压（按单位与等待时长）"].rows
    }
    want: dict[tuple[str, str], int] = {}
    for key in backlog:
        want[key] = want.get(key, 0) + 1
    assert got == want
    # time taken: bulk reviews start → submit, the API's submitted task claim → submit (its review not twice)
    durations = {(row["mode_zh"], row["timing"]): row for row in r["领取到完成用时（按评查方式）"].rows}
    assert durations[("抢单", "领取→提交")]["n_timed"] == 1
    assert durations[("抢单", "领取→提交")]["hours_p50"] == pytest.approx(FINISH_HOURS)
    assert durations[("抢单", "开始→提交")]["n_timed"] == bulk_pool
    modes = {row["mode_zh"] for row in r["每月评查次数（按评查方式）"].rows}
    assert {"抢单", "抽查", "复核"} <= modes


def _unit_names(build: Path) -> pd.DataFrame:
    """unit_code, province_name, unit_path worked out here from the loaded raw.units, not from dim_units."""
    con = duckdb.connect(str(build), read_only=True)
    try:
        units = {
            code: (name, level, parent)
            for code, name, level, parent in con.execute(
                "SELECT unit_code, name, level, parent_code FROM raw.units"
            ).fetchall()
        }
    finally:
        con.close()
    rows = []
    for code in units:
        chain = [code]
        while units[chain[-1]][2]:
            chain.append(units[chain[-1]][2])
        province = next(c for c in chain if units[c][1] == "province")
        path = " › ".join(units[c][0].removesuffix("烟草专卖局") for c in reversed(chain))
        rows.append((code, units[province][0], path))
    return pd.DataFrame(rows, columns=["unit_code", "province_name", "unit_path"])


def _city_risk(served: Served) -> dict[str, float]:
    """City path → risk index over all months (case-weighted mean of its units'), cities worked out here
    from raw.units: a county rolls up into its city, a province's own unit stands for itself."""
    con = duckdb.connect(str(served.build), read_only=True)
    try:
        units = {
            c: (lvl, parent)
            for c, lvl, parent in con.execute(
                "SELECT unit_code, level, parent_code FROM raw.units"
            ).fetchall()
        }
    finally:
        con.close()
    paths = dict(zip(*_unit_names(served.build)[["unit_code", "unit_path"]].values.T, strict=True))

    def city(code: str) -> str:
        chain = [code]
        while units[chain[-1]][1]:
            chain.append(units[chain[-1]][1])
        return paths[next((c for c in chain if units[c][0] == "city"), code)]

    con = duckdb.connect(str(served.snapshot), read_only=True)
    try:
        rows = con.execute("SELECT unit_code, risk_index, n_cases FROM marts.fct_unit_risk").fetchall()
    finally:
        con.close()
    weighted: dict[str, list[float]] = {}
    for code, index, n in rows:
        acc = weighted.setdefault(city(code), [0.0, 0.0])
        acc[0] += float(index) * n
        acc[1] += n
    return {path: total / n for path, (total, n) in weighted.items() if n}


def test_risk_heatmap_rows_are_the_cities_with_the_highest_risk_index(served: Served) -> None:
    """The heatmap answers for its top cities only (issue 22): every city while they are fewer than its
    limit, and with a smaller limit exactly the cities whose index over the period is highest."""
    expected = _city_risk(served)
    title = next(t for t in served.results if t.startswith("风险指数：风险最高的"))
    assert {r["city_path"] for r in served.results[title].rows} == set(expected)
    ranked = sorted(expected.values(), reverse=True)
    assert len(ranked) >= 2, "the test world needs two cities to rank"
    k = next(k for k in range(len(ranked) - 1, 0, -1) if ranked[k - 1] > ranked[k])  # no tie at the cut
    with served.client() as client:
        context = client.query_context(served.results[title].chart_id or 0)
        context["queries"][0]["series_limit"] = k
        rows, error = client.query(context)
    assert error is None
    assert {r["city_path"] for r in rows} == {p for p, v in expected.items() if v >= ranked[k - 1]}


def test_native_filter_values_narrow_every_dashboard_like_duckdb(served: Served) -> None:
    """A province, a unit and a violation type picked in the filters, sent with the charts' queries as the
    dashboard sends them; the answers equal DuckDB over the snapshot joined to names made here."""
    names = _unit_names(served.build)
    con = duckdb.connect(str(served.snapshot), read_only=True)
    con.register("names", names)

    def one(sql: str, *params: Any) -> Any:
        row = con.execute(sql, list(params)).fetchone()
        assert row is not None
        return row[0]

    cases = "marts.fct_case_fines f JOIN names n USING (unit_code)"
    province = one(f"SELECT n.province_name FROM {cases} GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1")
    unit_code, unit_path = con.execute(
        "SELECT unit_code, n.unit_path FROM marts.fct_dossier_quality JOIN names n USING (unit_code) "
        "GROUP BY ALL ORDER BY count(*) DESC, 1 LIMIT 1"
    ).fetchall()[0]
    violation = one(
        "SELECT v.name_zh FROM marts.fct_rule_results r JOIN marts.fct_case_fines f USING (case_id) "
        "JOIN ref.ref_violation_types v USING (violation_code) WHERE r.outcome = 'failed' "
        "GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1"
    )
    by_province = [{"col": "province_name", "op": "IN", "val": [province]}]
    by_unit = [{"col": "unit_path", "op": "IN", "val": [unit_path]}]
    by_violation = [{"col": "violation_name", "op": "IN", "val": [violation]}]
    try:
        with served.client() as client:

            def answer(title: str, filters: list[dict[str, Any]]) -> list[dict[str, Any]]:
                chart = served.results[title]
                assert chart.chart_id is not None
                rows, error = client.chart_data_filtered(chart.chart_id, filters)
                assert error is None, (title, error)
                return rows

            # 罚款一致性: assessed cases of one province; the rate distribution of one violation type
            (row,) = answer("已评估案件数", by_province)
            assert row["n_assessed"] == one(
                f"SELECT count(*) FROM {cases} WHERE n.province_name = ? AND f.fine_status = 'ok'", province
            )
            # two filters at once (the demo world may have one province: the violation narrows it)
            (row,) = answer("已评估案件数", by_province + by_violation)
            assert row["n_assessed"] == one(
                f"SELECT count(*) FROM {cases} JOIN ref.ref_violation_types v USING (violation_code) "
                "WHERE n.province_name = ? AND v.name_zh = ? AND f.fine_status = 'ok'",
                province,
                violation,
            )
            assert (
                0
                < row["n_assessed"]
                < one("SELECT count(*) FROM marts.fct_case_fines WHERE fine_status = 'ok'")
            )
            tiers = dict(
                con.execute(
                    "SELECT f.tier, count(*) FROM marts.fct_case_fines f JOIN ref.ref_violation_types v "
                    "USING (violation_code) WHERE v.name_zh = ? AND f.fine_status = 'ok' GROUP BY 1",
                    [violation],
                ).fetchall()
            )
            distribution = answer("罚款比例分布（按违法类型与档次）", by_violation)
            assert {r["violation_tier"]: r["n_assessed"] for r in distribution} == {
                f"{violation} · 第{tier}档": n for tier, n in tiers.items()
            }
            # 案卷质量: dossiers of one unit; the most failed rules within one violation type
            (row,) = answer("案卷数", by_unit)
            assert row["n_dossiers"] == one(
                "SELECT count(*) FROM marts.fct_dossier_quality WHERE unit_code = ?", unit_code
            )
            failed = dict(
                con.execute(
                    "SELECT r.rule_name, count(*) FROM marts.fct_rule_results r JOIN marts.fct_case_fines f "
                    "USING (case_id) JOIN ref.ref_violation_types v USING (violation_code) "
                    "WHERE r.outcome = 'failed' AND v.name_zh = ? GROUP BY 1",
                    [violation],
                ).fetchall()
            )
            top = answer("失分最多的评查规则", by_violation)
            assert len(top) == min(15, len(failed))
            assert {r["rule_name"]: r["n_failed"] for r in top} == {
                r["rule_name"]: failed[r["rule_name"]] for r in top
            }
            assert min(r["n_failed"] for r in top) == sorted(failed.values(), reverse=True)[len(top) - 1]
            # 执法风险: signals of one province, in total and over its unit tree
            signals = one(
                "SELECT count(*) FROM marts.fct_case_risk_signals s "
                "JOIN marts.fct_case_risk c USING (case_id) JOIN names n ON n.unit_code = c.unit_code "
                "WHERE n.province_name = ?",
                province,
            )
            (row,) = answer("风险信号总数", by_province)
            assert row["n_signals"] == signals
            (row,) = answer("有风险信号的案件数", by_unit)
            assert row["n_risky"] == one(
                "SELECT count(*) FROM marts.fct_case_risk WHERE unit_code = ? AND n_signals > 0", unit_code
            )
            tree = answer("风险信号分布：单位树（省 › 市 › 县）", by_province)
            assert sum(r["signals_sum"] for r in tree) == signals
            province_paths = set(names.loc[names["province_name"] == province, "unit_path"])
            for r in tree:
                assert any(
                    p.startswith(r["province_short"]) and p.endswith(r["unit_short"]) for p in province_paths
                )
            # 评查工作: human reviews of one province, of one unit and of one violation type, from raw rows
            raw = duckdb.connect(str(served.build), read_only=True)
            try:
                raw.register("names", names)
                raw_cases = "(SELECT DISTINCT case_id, unit_code, violation_code FROM raw.cases)"
                reviews = (
                    f"raw.reviews r JOIN {raw_cases} c USING (case_id) JOIN names n USING (unit_code) "
                    "JOIN ref.ref_violation_types v USING (violation_code) WHERE r.mode <> 'machine'"
                )
                kinds = {
                    "n.province_name = ?": (by_province, province),
                    "c.unit_code = ?": (by_unit, unit_code),
                    "v.name_zh = ?": (by_violation, violation),
                }
                for condition, (filters, value) in kinds.items():
                    counted = raw.execute(
                        f"SELECT count(*) FROM {reviews} AND {condition}", [value]
                    ).fetchone()
                    assert counted is not None and counted[0] > 0
                    (got,) = answer("人工评查次数", filters)
                    assert got["n_reviews"] == counted[0], condition
            finally:
                raw.close()
    finally:
        con.close()


def test_no_personal_data_on_any_chart() -> None:
    forbidden = ("party", "name_of", "id_card", "phone", "address", "evidence")
    for rel, data in read_bundle().items():
        if rel.startswith("datasets/"):
            for column in data["columns"]:
                assert not any(f in column["column_name"] for f in forbidden), (rel, column["column_name"])


def test_reimport_is_idempotent_and_changed_charts_replace_old_ones(served: Served, tmp_path: Path) -> None:
    with served.client() as client:
        before = client.chart_ids()
        client.import_bundle(served.snapshot)
        assert client.chart_ids() == before
        changed = tmp_path / "bundle"
        shutil.copytree(BUNDLE_DIR, changed)
        chart_file = changed / "charts" / "fines_assessed.yaml"
        chart = read_bundle(changed)["charts/fines_assessed.yaml"]
        chart["slice_name"] = "已评估案件数（改）"
        chart_file.write_text(dump_yaml(chart), encoding="utf-8")
        try:
            client.import_bundle(served.snapshot, changed)
            assert client.chart_titles()[chart["uuid"]] == "已评估案件数（改）"
        finally:
            client.import_bundle(served.snapshot)
        assert client.chart_ids() == before


def test_republishing_the_snapshot_while_serving_breaks_no_query(served: Served) -> None:
    errors: list[str] = []
    stop = threading.Event()
    with served.client() as client:
        ids = list(client.chart_ids().values())

        def query_loop() -> None:
            i = 0
            while not stop.is_set():
                rows, error = client.chart_data(ids[i % len(ids)])
                if error or not rows:
                    errors.append(error or f"chart {ids[i % len(ids)]}: no rows")
                i += 1

        worker = threading.Thread(target=query_loop)
        worker.start()
        try:
            for _ in range(3):  # the pipeline's last step, as `zhifa run` does it
                con = connect(served.build)
                try:
                    publish_snapshot(con, served.snapshot)
                finally:
                    con.close()
        finally:
            stop.set()
            worker.join()
    assert errors == []


def test_a_swapped_in_snapshot_answers_the_next_query_never_the_old_file(
    served: Served, tmp_path: Path
) -> None:
    """Superset's processes keep the snapshot open (dashboards/in_superset/zhifa_engine.py); a publish
    replaces the file, and from the next query on every worker reads the new one."""
    count = "SELECT count(*) FROM marts.fct_case_risk_signals"
    with served.client() as client:
        titles = client.chart_titles()
        chart = next(i for u, i in client.chart_ids().items() if titles[u] == "风险信号总数")

        def shown() -> Any:
            rows, error = client.chart_data(chart)
            assert error is None and len(rows) == 1, error
            return next(iter(rows[0].values()))

        old = served.mart(count)
        assert [shown() for _ in range(6)] == [old] * 6  # both workers have the current file open
        changed = tmp_path / "changed.duckdb"
        shutil.copy(served.snapshot, changed)
        con = duckdb.connect(str(changed))
        con.execute("DELETE FROM marts.fct_case_risk_signals WHERE hash(case_id) % 2 = 0")
        con.close()
        try:
            os.replace(changed, served.snapshot)  # as publish_snapshot swaps its copy in
            new = served.mart(count)
            assert 0 < new < old
            assert [shown() for _ in range(6)] == [new] * 6
        finally:
            con = connect(served.build)
            try:
                publish_snapshot(con, served.snapshot)
            finally:
                con.close()
        assert shown() == old


def test_a_dataset_that_lost_a_column_names_its_charts(served: Served, tmp_path: Path) -> None:
    broken = tmp_path / "old.duckdb"
    shutil.copy(served.snapshot, broken)
    con = duckdb.connect(str(broken))
    con.execute("ALTER TABLE marts.fct_case_overview DROP COLUMN final_score")  # what v_dossier_quality reads
    con.close()
    problems = check_snapshot(broken)
    assert [p.dataset for p in problems] == ["v_dossier_quality"]
    assert "final_score" in str(problems[0]) and "平均得分" in str(problems[0])
    # the same snapshot behind Superset: the replay names the failing charts
    with pytest.raises(SupersetError) as failure:
        publish(served.inst, broken)
    assert "平均得分" in str(failure.value) and "各单位案卷得分分布" in str(failure.value)
    assert "已评估案件数" not in str(failure.value)  # charts on other datasets still answer
    publish(served.inst, served.snapshot)


def test_missing_snapshot_is_a_clear_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["dashboards", "check", "--snapshot", str(tmp_path / "none.duckdb")])
    assert result.exit_code == 2
    assert "未找到已发布的数据快照" in result.output and "zhifa run" in result.output


def test_each_dashboard_renders_in_chromium_without_chart_errors(served: Served, tmp_path: Path) -> None:
    s = served.inst.settings
    expected = {b.slug: len(b.charts) for b in BOARDS}
    update = os.environ.get("ZHIFA_UPDATE_SCREENSHOTS") == "1"
    out = COMMITTED_SCREENSHOTS if update else tmp_path
    reports = screenshot_dashboards(s.url, s.admin_user, served.inst.admin_password, expected, out)
    for report in reports:
        assert report.charts == expected[report.slug], report
        assert report.errors == [], report
        # not a blank page (a few KB); the charts and errors above are the real check — 50 KB failed once
        # on a fully rendered review board (46 KB: its charts are small tables)
        assert report.screenshot.stat().st_size > 30_000
        # native filters in Chinese: period, and province, unit and violation type where the board's data has
        # the column (scorecards and licences have no violation type)
        board = next(b for b in BOARDS if b.slug == report.slug)
        columns = {c.name for c in board.filter_dataset.columns}
        for name, column in [("期间", None), *((n, c) for _, n, c in SELECT_FILTERS)]:
            assert (name in report.text) == (column is None or column in columns), (report.slug, name)
