"""The Dagster pipeline end to end, in-process (dagster.materialize), on the generated --mixed demo world.

Expected values come from the generator's ground truth (good-row counts, planted bad rows), never from
the loader's own output.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb
import pytest
import typer

from cli.pipeline import finish
from dagster_defs.dossiers import DOCUMENT_FIELDS_KEY
from dagster_defs.resources import WarehouseResource, raw_key
from dagster_defs.runner import run_pipeline
from ingestion.contract import TABLE_LOAD_ORDER
from ingestion.landing import land, list_landings
from ingestion.readers import TableReadError
from ingestion.warehouse import connect

ROOT = Path(__file__).resolve().parent.parent
METRICS = dg.AssetSelection.groups("metrics")
INGESTION = dg.AssetSelection.all() - dg.AssetSelection.assets(DOCUMENT_FIELDS_KEY) - METRICS
OUR_CHECKS = ("contract_suite", "readable_file")
MAX_UNZIPPED = 1 << 30


@dataclass
class Platform:
    home: Path
    resource: WarehouseResource
    first_run: dg.ExecuteInProcessResult | None = None  # the import of the demo world into an empty home

    @property
    def landing(self) -> Path:
        return self.resource.landing_dir

    def land(self, folder: Path) -> str:
        return land(folder, self.landing, MAX_UNZIPPED).landing_id

    def run(self, **kwargs: Any) -> dg.ExecuteInProcessResult:
        """Everything but dossier recognition (OCR of every scan is tested on a few files below)."""
        kwargs.setdefault(
            "selection", dg.AssetSelection.all() - dg.AssetSelection.assets(DOCUMENT_FIELDS_KEY)
        )
        return run_pipeline(resources={"warehouse": self.resource}, log_level="ERROR", **kwargs)

    def run_imports(self, **kwargs: Any) -> dg.ExecuteInProcessResult:
        """The contract tables' imports and their checks only (no dbt, no snapshot)."""
        tables = dg.AssetSelection.assets(*[raw_key(t) for t in TABLE_LOAD_ORDER])
        return self.run(selection=tables, **kwargs)

    def query(self, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
        con = connect(self.resource.path, read_only=True)
        try:
            return con.execute(sql, params or []).fetchall()
        finally:
            con.close()

    def fingerprint(self) -> dict[str, tuple[Any, ...]]:
        """Row count and an order-independent content hash of every raw table and the quarantine."""
        tables = [f"raw.{t}" for t in TABLE_LOAD_ORDER]
        tables += ["raw.prices_history", "raw.case_status_history", "ops.quarantine"]
        return {t: self.query(f"SELECT count(*), sum(hash(x::VARCHAR)) FROM {t} x")[0] for t in tables}

    def counts(self) -> dict[str, int]:
        return {t: self.query(f"SELECT count(*) FROM raw.{t}")[0][0] for t in TABLE_LOAD_ORDER}


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory, demo_world: Path) -> Iterator[Platform]:
    home = tmp_path_factory.mktemp("zhifa_home")
    resource = WarehouseResource(
        database=str(home / "warehouse.duckdb"),
        serve_database=str(home / "serve" / "warehouse.duckdb"),
        landing=str(home / "landing"),
    )
    plat = Platform(home, resource)
    plat.land(demo_world)
    plat.first_run = plat.run()
    assert plat.first_run.success
    yield plat


def test_row_counts_equal_the_generators_good_rows(platform: Platform, demo_truth: dict[str, Any]) -> None:
    counts = platform.counts()
    for table, expected in demo_truth["good_row_counts"].items():
        assert counts[table] == expected, table


def test_every_planted_bad_row_is_quarantined_with_its_reason(
    platform: Platform, demo_truth: dict[str, Any]
) -> None:
    rows = platform.query("SELECT table_name, source_file, line_no, reason_code FROM ops.quarantine")
    quarantined = set(rows)
    planted = {(b["table"], b["source_file"], b["line_no"], b["reason_code"]) for b in demo_truth["bad_rows"]}
    assert planted <= quarantined
    # nothing else is quarantined: each quarantined line is a planted one
    assert {r[:3] for r in quarantined} == {p[:3] for p in planted}
    reasons = platform.query("SELECT reason, raw_values FROM ops.quarantine")
    for reason, raw in reasons:
        assert " / " in reason  # 中文 / English
        assert isinstance(json.loads(raw), dict)


def test_load_summary_in_warehouse_and_dagster_metadata(
    platform: Platform, demo_truth: dict[str, Any]
) -> None:
    bad_per_table: dict[str, int] = {}
    for bad in demo_truth["bad_rows"]:
        bad_per_table[bad["table"]] = bad_per_table.get(bad["table"], 0) + 1
    first = platform.query("SELECT min(load_id) FROM ops.load_summary")[0][0]
    rows = platform.query(
        "SELECT table_name, rows_read, rows_loaded, rows_quarantined, reasons, status FROM ops.load_summary "
        "WHERE load_id = ?",
        [first],
    )
    for table, read, loaded, quarantined, reasons, status in rows:
        assert status == "loaded"
        assert loaded == demo_truth["good_row_counts"][table]
        assert quarantined == bad_per_table.get(table, 0)
        assert read == loaded + quarantined
        assert sum(json.loads(reasons).values()) == bad_per_table.get(table, 0)


def test_all_contract_suites_pass_and_raw_tables_exist(platform: Platform) -> None:
    result = platform.first_run
    assert result is not None
    checks = [c for c in result.get_asset_check_evaluations() if c.check_name in OUR_CHECKS]
    assert len(checks) == 2 * len(TABLE_LOAD_ORDER)
    assert all(c.passed for c in checks), [(c.asset_key, c.check_name) for c in checks if not c.passed]
    mat = result.asset_materializations_for_node("cases_import")
    assert mat[0].metadata["dagster/row_count"].value == platform.counts()["cases"]
    finish(result, 1.0)  # a passing run: `zhifa run` exits 0 (no typer.Exit)


def test_reimport_changes_nothing(platform: Platform, demo_world: Path) -> None:
    before = platform.fingerprint()
    landing = platform.land(demo_world)
    result = platform.run_imports()  # what a re-import could change is in raw and ops: no need for dbt
    assert result.success
    assert platform.fingerprint() == before
    new, changed = platform.query(
        "SELECT sum(rows_new), sum(rows_changed) FROM ops.load_summary WHERE load_id = ?", [landing]
    )[0]
    assert (new, changed) == (0, 0)
    # re-running the assets on that same landing again is also a no-op
    assert platform.run_imports(landings=[landing]).success
    assert platform.fingerprint() == before


def _corrupt_world(base: Path, out: Path) -> dict[str, str]:
    """Copy a few tables of ``base`` and spoil some: table -> file that must be named in the error."""
    out.mkdir()
    for name in ("units.xlsx", "officers.csv", "products.xlsx", "prices.parquet"):
        shutil.copy(base / name, out / name)
    data = (base / "approvals.xlsx").read_bytes()
    (out / "approvals.xlsx").write_bytes(data[: len(data) // 2])  # truncated XLSX
    (out / "videos.csv").write_bytes(bytes(range(256)) * 40)  # binary junk named .csv
    (out / "reviews.csv").write_bytes(b"")  # empty file
    (out / "review_items.csv").write_text("review,rule,points\nR1,X,1\n", encoding="utf-8")  # wrong header
    return {
        "approvals": "approvals.xlsx",
        "videos": "videos.csv",
        "reviews": "reviews.csv",
        "review_items": "review_items.csv",
    }


def test_corrupt_files_name_the_file_and_leave_the_rest(
    platform: Platform, demo_world: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = platform.counts()
    quarantined = platform.query("SELECT count(*) FROM ops.quarantine")[0][0]
    spoiled = _corrupt_world(demo_world, tmp_path / "corrupt")
    landing = platform.land(tmp_path / "corrupt")
    result = platform.run()
    assert result.success  # the readable tables still load
    assert platform.counts() == before  # same rows as before: the good files were already loaded
    errors = dict(
        platform.query("SELECT table_name, message FROM ops.file_errors WHERE load_id = ?", [landing])
    )
    assert set(errors) == set(spoiled)
    for table, file in spoiled.items():
        assert file in errors[table]
    failed = {
        (c.asset_key.path[-1], c.check_name)
        for c in result.get_asset_check_evaluations()
        if not c.passed and c.check_name in OUR_CHECKS
    }
    assert failed == {(t, "readable_file") for t in spoiled}
    loaded = {
        r[0] for r in platform.query("SELECT table_name FROM ops.load_summary WHERE load_id = ?", [landing])
    }
    assert loaded == {"units", "officers", "products", "prices"}
    # the suites check this landing's rows; a table it does not carry was checked when its rows loaded
    suites = {
        c.asset_key.path[-1]: {k: v.value for k, v in c.metadata.items()}
        for c in result.get_asset_check_evaluations()
        if c.check_name == "contract_suite"
    }
    assert suites["units"]["scope"] == f"rows of loads {landing}"
    assert (suites["cases"]["scope"], suites["cases"]["rows_checked"]) == ("no rows loaded by this run", 0)
    # `zhifa run` ends with exit code 1 and one bilingual line naming every unreadable file ...
    capsys.readouterr()
    with pytest.raises(typer.Exit) as stopped:
        finish(result, 1.0)
    assert stopped.value.exit_code == 1
    line = capsys.readouterr().err.strip()
    assert "\n" not in line and "运行未通过" in line and "run failed" in line
    for file in spoiled.values():
        assert file in line
    # ... while the rejects stay stored and the published snapshot still opens with its summaries
    assert platform.query("SELECT count(*) FROM ops.quarantine")[0][0] == quarantined > 0
    snapshot = duckdb.connect(str(platform.resource.serve_path), read_only=True)
    try:
        assert snapshot.execute("SELECT count(*) FROM ops.load_summary").fetchone()[0] > 0  # type: ignore[index]
    finally:
        snapshot.close()


def test_zip_with_path_traversal_is_refused_before_landing(platform: Platform, tmp_path: Path) -> None:
    import zipfile

    bad = tmp_path / "export.zip"
    with zipfile.ZipFile(bad, "w") as archive:
        archive.writestr("units.csv", "unit_code,name,level\n410000,河南省烟草专卖局,province\n")
        archive.writestr("../evil.csv", "x\n")
    landings = [landing.landing_id for landing in list_landings(platform.landing)]
    with pytest.raises(TableReadError, match=r"export\.zip"):
        platform.land(bad)
    assert [landing.landing_id for landing in list_landings(platform.landing)] == landings
    assert not (tmp_path / "evil.csv").exists()


def test_bad_share_threshold_fails_loudly_and_loads_nothing(platform: Platform, tmp_path: Path) -> None:
    before = platform.fingerprint()
    folder = tmp_path / "mostly_bad"
    folder.mkdir()
    rows = ["unit_code,name,level", "419801,好单位,county"] + [
        f"4198{i:02d},坏单位{i},village" for i in range(10, 20)
    ]
    (folder / "units.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    landing = platform.land(folder)
    result = platform.run()
    assert not result.success
    failure = next(e for e in result.all_events if e.is_step_failure)
    assert failure.step_failure_data is not None
    assert "bad-row share" in failure.step_failure_data.error_display_string
    assert platform.fingerprint() == before  # neither the good row nor the quarantine went in
    status = platform.query("SELECT status, rows_loaded FROM ops.load_summary WHERE load_id = ?", [landing])
    assert status == [("rejected_bad_share", 0)]


SNAPSHOT_PROBE = """
import duckdb, json, sys
con = duckdb.connect(sys.argv[1], read_only=True)
rows = con.execute("SELECT table_schema, table_name FROM information_schema.tables").fetchall()
summary = con.execute("SELECT count(*) FROM ops.load_summary").fetchone()[0]
print(json.dumps({"version": duckdb.__version__, "tables": rows, "summary_rows": summary}))
"""


def test_snapshot_opens_with_duckdb_1_while_the_pipeline_holds_the_build_file(platform: Platform) -> None:
    reader = duckdb.connect(str(platform.resource.serve_path), read_only=True)  # a dashboard, open
    old_loads = reader.execute("SELECT count(*) FROM ops.loads").fetchone()
    with_marts = platform.run(
        selection=dg.AssetSelection.all() - dg.AssetSelection.assets(DOCUMENT_FIELDS_KEY)
    )
    assert with_marts.success  # the open reader did not block the publish
    assert reader.execute("SELECT count(*) FROM ops.loads").fetchone() == old_loads  # it keeps its copy
    reader.close()
    holder = connect(platform.resource.path)  # the pipeline's write connection stays open
    try:
        out = subprocess.run(
            ["uv", "run", "--with", "duckdb<2", "--no-project", "python", "-c", SNAPSHOT_PROBE,
             str(platform.resource.serve_path)],
            capture_output=True, text=True, timeout=300, check=True, cwd=platform.home,
        )  # fmt: skip
        seen = json.loads(out.stdout.strip().splitlines()[-1])
        assert seen["version"].startswith("1.")
        schemas = {s for s, _ in seen["tables"]}
        assert "raw" not in schemas and "staging" not in schemas
        if with_marts.get_asset_materialization_events() and METRICS.resolve(_asset_graph()):
            assert "marts" in schemas
        assert ("ops", "load_summary") in {tuple(t) for t in seen["tables"]}
        expected = holder.execute("SELECT count(*) FROM ops.load_summary").fetchone()
        assert expected is not None and seen["summary_rows"] == expected[0]
        quarantine = holder.execute("SELECT count(*) FROM ops.quarantine").fetchone()
        assert quarantine is not None and quarantine[0] > 0
    finally:
        holder.close()
    snap = duckdb.connect(str(platform.resource.serve_path), read_only=True)
    try:
        columns = {r[0] for r in snap.execute("DESCRIBE ops.quarantine").fetchall()}
        assert "raw_values" not in columns  # raw values may carry personal data
    finally:
        snap.close()


def test_recognition_fills_document_fields_once(platform: Platform) -> None:
    selection = dg.AssetSelection.assets(DOCUMENT_FIELDS_KEY)
    config = {DOCUMENT_FIELDS_KEY.to_python_identifier(): {"max_documents": 8}}
    assert platform.run(selection=selection, op_config=config).success
    docs = platform.query(
        """SELECT r.document_id, d.doc_type, f.doc_type_detected, f.text_source
        FROM ops.recognised_documents r JOIN raw.documents d USING (document_id)
        LEFT JOIN (SELECT DISTINCT document_id, doc_type_detected, text_source FROM raw.document_fields) f
        USING (document_id)"""
    )
    assert len(docs) == 8
    with_fields = [d for d in docs if d[2] is not None]
    assert with_fields and all(d[3] in ("text_layer", "docx", "ocr") for d in with_fields)
    assert sum(d[1] == d[2] for d in with_fields) >= 0.9 * len(with_fields)
    stamps = platform.query("SELECT document_id, recognised_at FROM ops.recognised_documents")
    assert platform.run(selection=selection, op_config=config).success
    # the next run takes the next pending documents; the first eight are not recognised again
    after = dict(platform.query("SELECT document_id, recognised_at FROM ops.recognised_documents"))
    assert len(after) == 16
    assert all(after[doc] == at for doc, at in stamps)


def _asset_graph() -> Any:
    from dagster_defs import defs

    return defs.resolve_asset_graph()


def test_definitions_validate() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "dagster", "definitions", "validate", "-m", "dagster_defs"],
        capture_output=True, text=True, timeout=300, cwd=ROOT,
    )  # fmt: skip
    assert out.returncode == 0, out.stdout + out.stderr
