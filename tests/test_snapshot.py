"""The published snapshot keeps views as views over its own tables (the deprecated old mart names), stands
alone for duckdb 1.x readers (Superset), and refuses a view that reads unpublished data."""

import json
import shutil
import subprocess
from pathlib import Path

import duckdb
import pytest

from ingestion.snapshot import SnapshotError, publish_snapshot


def _build(path: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(path))
    con.execute("CREATE SCHEMA marts; CREATE SCHEMA intermediate; CREATE SCHEMA raw")
    con.execute("CREATE TABLE raw.cases AS SELECT 'C1' AS case_id, '张三' AS party_name")
    con.execute("CREATE TABLE intermediate.int_x AS SELECT 1 AS n")
    con.execute("CREATE TABLE marts.fct_rule_results AS SELECT range AS n FROM range(5)")
    # the way dbt-duckdb writes a view: fully qualified, created under a temporary name and renamed
    con.execute(
        'CREATE VIEW "build"."marts"."rule_results__dbt_tmp" AS '
        '(SELECT * FROM "build"."marts"."fct_rule_results")'
    )
    con.execute('ALTER VIEW "build"."marts"."rule_results__dbt_tmp" RENAME TO "rule_results"')
    # a view over a view: created in whatever order the catalog lists them ("a_" sorts first)
    con.execute("CREATE VIEW marts.a_odd AS SELECT n FROM marts.rule_results WHERE n % 2 = 1")
    return con


PROBE = """
import duckdb, json, sys
con = duckdb.connect(sys.argv[1], read_only=True)
print(json.dumps({"version": duckdb.__version__,
                  "odd": con.execute("SELECT sum(n) FROM marts.a_odd").fetchone()[0]}))
"""


def test_views_stay_views_over_the_snapshot_tables(tmp_path: Path) -> None:
    con = _build(tmp_path / "build.duckdb")
    serve = tmp_path / "serve" / "warehouse.duckdb"
    try:
        info = publish_snapshot(con, serve)
        # the build changes after publishing: the snapshot's views must not follow it
        con.execute("INSERT INTO marts.fct_rule_results VALUES (100)")
    finally:
        con.close()
    assert info.tables == {"marts.fct_rule_results": 5}
    assert sorted(info.views) == ["marts.a_odd", "marts.rule_results"]
    snap = duckdb.connect(str(serve), read_only=True)
    try:
        kinds = dict(
            snap.execute(
                "SELECT table_schema || '.' || table_name, table_type FROM information_schema.tables"
            ).fetchall()
        )
        assert kinds == {
            "marts.fct_rule_results": "BASE TABLE",
            "marts.rule_results": "VIEW",
            "marts.a_odd": "VIEW",
        }
        assert snap.execute("SELECT sum(n) FROM marts.rule_results").fetchone() == (10,)
        assert snap.execute("SELECT sum(n) FROM marts.a_odd").fetchone() == (1 + 3,)
    finally:
        snap.close()
    # a copy under another name (what a reader may do) still resolves its views inside itself
    moved = tmp_path / "elsewhere.duckdb"
    shutil.copy(serve, moved)
    out = subprocess.run(
        ["uv", "run", "--offline", "--with", "duckdb<2", "--no-project", "python", "-c", PROBE, str(moved)],
        capture_output=True, text=True, timeout=300, check=True, cwd=tmp_path,
    )  # fmt: skip
    seen = json.loads(out.stdout.strip().splitlines()[-1])
    assert seen["version"].startswith("1.") and seen["odd"] == 4


def test_a_view_over_unpublished_data_fails_and_keeps_the_served_copy(tmp_path: Path) -> None:
    con = _build(tmp_path / "build.duckdb")
    serve = tmp_path / "warehouse.duckdb"
    try:
        publish_snapshot(con, serve)
        before = serve.read_bytes()
        con.execute("CREATE VIEW marts.leak AS SELECT * FROM raw.cases")
        with pytest.raises(SnapshotError, match=r"marts\.leak reads unpublished data"):
            publish_snapshot(con, serve)
    finally:
        con.close()
    assert serve.read_bytes() == before
