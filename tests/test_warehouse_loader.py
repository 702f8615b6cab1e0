"""ingestion.warehouse / landing / quarantine / snapshot / api_store on small hand-written folders."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import openpyxl
import pytest

from ingestion.contract import CONTRACT, TABLE_LOAD_ORDER
from ingestion.quarantine import export_quarantine
from ingestion.raw_schema import ensure_schema
from ingestion.warehouse import BadShareError, connect, load_folder, warehouse_keys

UNITS = (
    "unit_code,name,level,parent_code\n410000,河南省烟草专卖局,province,\n"
    "410100,郑州市烟草专卖局,city,410000\n"
)
PRODUCTS = "product_code,brand,spec_name,carton_barcode\nP1,中华,中华(硬),6901028075015\n"
CASE_HEADER = "case_id,unit_code,violation_code,discovered_at,status,party_name,fine_amount\n"


def world(folder: Path, exported_at: str | None, **tables: str) -> Path:
    folder.mkdir(parents=True)
    for name, text in tables.items():
        (folder / f"{name}.csv").write_text(text, encoding="utf-8")
    if exported_at:
        manifest = {"source": "test", "exported_at": exported_at, "province_code": "410000"}
        (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return folder


@pytest.fixture
def con(tmp_path: Path) -> Any:
    connection = connect(tmp_path / "wh.duckdb")
    yield connection
    connection.close()


def rows(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    return con.execute(sql, params or []).fetchall()


def test_raw_tables_have_exactly_the_contract_columns(con: duckdb.DuckDBPyConnection) -> None:
    ensure_schema(con)
    sql_types = {
        "text": "VARCHAR", "enum": "VARCHAR", "ean13": "VARCHAR", "licence12": "VARCHAR", "int": "BIGINT",
        "decimal": "DOUBLE", "bool": "BOOLEAN", "date": "DATE", "timestamp": "TIMESTAMP WITH TIME ZONE",
    }  # fmt: skip
    meta = [("_load_id", "VARCHAR"), ("_source_file", "VARCHAR"), ("_line_no", "BIGINT")]
    meta.append(("_loaded_at", "TIMESTAMP WITH TIME ZONE"))
    for table in TABLE_LOAD_ORDER:
        described = [(r[0], r[1]) for r in rows(con, f"DESCRIBE raw.{table}")]
        expected = [(c.name, sql_types[c.type.value]) for c in CONTRACT[table].columns] + meta
        assert described == expected, table
    created = rows(con, "SELECT value FROM duckdb_settings() WHERE name = 'storage_compatibility_version'")
    assert created  # the setting exists; the file itself is opened by duckdb 1.x in the pipeline test


def test_newer_export_replaces_older_and_history_is_kept(
    tmp_path: Path, con: duckdb.DuckDBPyConnection
) -> None:
    first = CASE_HEADER + "C1,410100,NON_DESIGNATED_SOURCE,2024-03-01 09:00,filed,张三,\n"
    second = CASE_HEADER + "C1,410100,NON_DESIGNATED_SOURCE,2024-03-01 09:00,decided,张三,500\n"
    prices_1 = (
        "product_code,province_code,price_type,price_per_carton,valid_from\nP1,,wholesale,100,2024-01-01\n"
    )
    prices_2 = (
        "product_code,province_code,price_type,price_per_carton,valid_from\nP1,,wholesale,110,2024-01-01\n"
    )
    old = world(
        tmp_path / "old", "2024-03-02T00:00:00", units=UNITS, products=PRODUCTS, cases=first, prices=prices_1
    )
    new = world(
        tmp_path / "new", "2024-04-01T00:00:00", units=UNITS, products=PRODUCTS, cases=second, prices=prices_2
    )
    load_folder(con, old, "L1")
    summary = load_folder(con, new, "L2")
    assert summary.tables["cases"].rows_changed == 1 and summary.tables["cases"].rows_new == 0
    assert rows(con, "SELECT status, fine_amount, _load_id FROM raw.cases") == [("decided", 500.0, "L2")]
    # the national price (null province) is one key: replaced, with both versions in the history
    assert rows(con, "SELECT price_per_carton FROM raw.prices") == [(110.0,)]
    assert sorted(rows(con, "SELECT price_per_carton FROM raw.prices_history")) == [(100.0,), (110.0,)]
    assert rows(con, "SELECT status FROM raw.case_status_history ORDER BY exported_at") == [
        ("filed",),
        ("decided",),
    ]
    # an older export arriving late does not overwrite the newer rows
    load_folder(con, old, "L3")
    assert rows(con, "SELECT status, _load_id FROM raw.cases") == [("decided", "L2")]
    assert rows(con, "SELECT price_per_carton FROM raw.prices") == [(110.0,)]


def test_bad_share_refuses_the_whole_load(tmp_path: Path, con: duckdb.DuckDBPyConnection) -> None:
    bad = CASE_HEADER + "".join(f"C{i},410100,NON_DESIGNATED_SOURCE,not a time,filed,,\n" for i in range(3))
    folder = world(tmp_path / "w", None, units=UNITS, cases=bad)
    with pytest.raises(BadShareError, match=r"bad-row share 60\.0% exceeds 20\.0%"):
        load_folder(con, folder, "L1", max_bad_row_share=0.2)
    assert rows(con, "SELECT count(*) FROM raw.units") == [(0,)]
    assert rows(con, "SELECT count(*) FROM ops.quarantine") == [(0,)]
    assert rows(con, "SELECT DISTINCT status FROM ops.load_summary") == [("rejected_bad_share",)]


def test_foreign_keys_checked_against_the_warehouse(tmp_path: Path, con: duckdb.DuckDBPyConnection) -> None:
    load_folder(con, world(tmp_path / "a", None, units=UNITS), "L1")
    cases = (
        CASE_HEADER
        + "C1,410100,NON_DESIGNATED_SOURCE,2024-03-01,filed,,\n"
        + "C2,999999,NON_DESIGNATED_SOURCE,2024-03-01,filed,,\n"
    )
    summary = load_folder(con, world(tmp_path / "b", None, cases=cases), "L2", max_bad_row_share=0.9)
    assert summary.tables["cases"].rows_loaded == 1
    assert rows(con, "SELECT reason_code, line_no, source_file FROM ops.quarantine") == [
        ("unknown_fk", 3, "cases.csv")
    ]
    # a folder of cases fetches only the parent keys cases refer to from the warehouse
    assert warehouse_keys(con, ["cases"]) == {"units.unit_code": {"410000", "410100"}}


def test_quarantine_export_round_trip(tmp_path: Path, con: duckdb.DuckDBPyConnection) -> None:
    cases = (
        CASE_HEADER
        + "C1,410100,NON_DESIGNATED_SOURCE,2024-03-01,filed,张三,\n"
        + "C2,410100,NON_DESIGNATED_SOURCE,2024-13-01,closedd,李四,-5\n"
    )
    load_folder(con, world(tmp_path / "w", None, units=UNITS, cases=cases), "L1", max_bad_row_share=0.9)
    assert export_quarantine(con, tmp_path / "q.xlsx") == 1  # one line, three problems
    sheet = openpyxl.load_workbook(tmp_path / "q.xlsx").worksheets[0]
    header = [c.value for c in sheet[1]]
    line = dict(zip(header, [c.value for c in sheet[2]], strict=True))
    assert sheet.title == "cases"
    assert set(str(line["原因代码/reason_code"]).split(";")) == {
        "bad_timestamp",
        "unknown_enum",
        "out_of_range",
    }
    assert line["case_id"] == "C2" and line["party_name"] == "李四" and line["行号/line_no"] == 3
    # the fixed sheet imports again: extra reason columns are kept aside, not an error
    fixes = {"discovered_at": "2024-12-01", "status": "closed", "fine_amount": "5"}
    line_fixed = [fixes.get(str(h), v) for h, v in zip(header, [c.value for c in sheet[2]], strict=True)]
    book = openpyxl.Workbook()
    ws = book.active
    assert ws is not None
    ws.append(header)
    ws.append(line_fixed)
    (tmp_path / "fix").mkdir()
    book.save(tmp_path / "fix" / "cases.xlsx")
    summary = load_folder(con, tmp_path / "fix", "L2")
    assert summary.tables["cases"].rows_loaded == 1
    assert rows(con, "SELECT count(*) FROM raw.cases") == [(2,)]
    assert export_quarantine(con, tmp_path / "q.csv", table="cases") == 1  # history stays for the record
    assert (tmp_path / "q.csv").read_bytes().startswith(b"\xef\xbb\xbf")


def test_api_store_extraction_is_incremental(tmp_path: Path, con: duckdb.DuckDBPyConnection) -> None:
    import sqlalchemy as sa
    from sqlalchemy.orm import Session

    from api import models as m
    from ingestion.api_store.extract import extract_to_warehouse

    engine = sa.create_engine(f"sqlite:///{tmp_path / 'api.sqlite3'}")
    m.Base.metadata.create_all(engine)
    t0 = datetime(2025, 5, 1, 2, 0, tzinfo=UTC)
    with Session(engine) as db:
        db.add(m.Unit(unit_code="410100", name="郑州市烟草专卖局", level="city", path="/410100/"))
        db.add(m.Officer(officer_id="O410100001", name="王一", unit_code="410100"))
        db.add(m.User(id=1, username="u", password_hash="x", unit_code="410100", officer_id="O410100001",
                      roles="officer", created_at=t0))  # fmt: skip
        db.add(m.Case(case_id="C4101002025000001", unit_code="410100", violation_code="NON_DESIGNATED_SOURCE",
                      discovered_at=t0, seized_on=t0.date(), status="filed", created_by=1, created_at=t0,
                      updated_at=t0, extension_days=0, prior_offences_3y=0))  # fmt: skip
        db.add(m.Approval(case_id="C4101002025000001", kind="filing", requested_by=1, requested_at=t0,
                          outcome="pending", payload={}))  # fmt: skip
        db.commit()
    first = extract_to_warehouse(con, engine)
    assert first is not None and first.rows_quarantined == 0
    assert rows(con, "SELECT case_id, status, discovered_at FROM raw.cases") == [
        ("C4101002025000001", "filed", t0)
    ]
    assert rows(con, "SELECT approval_id, requested_by FROM raw.approvals") == [("API-A1", "O410100001")]
    assert extract_to_warehouse(con, engine) is None  # nothing changed since the watermark
    with Session(engine) as db:
        case = db.get(m.Case, "C4101002025000001")
        assert case is not None
        case.status, case.updated_at = "decided", t0 + timedelta(days=3)
        db.commit()
    second = extract_to_warehouse(con, engine)
    assert second is not None and second.tables["cases"].rows_changed == 1
    assert rows(con, "SELECT status FROM raw.cases") == [("decided",)]
    assert rows(con, "SELECT status FROM raw.case_status_history ORDER BY exported_at") == [
        ("filed",),
        ("decided",),
    ]
    engine.dispose()


def test_api_store_recordings_reach_the_warehouse(tmp_path: Path, con: duckdb.DuckDBPyConnection) -> None:
    """A recorder video uploaded after its case was extracted still reaches ``raw.videos`` (with step, device,
    times and hash): the video signals see API cases as they see bulk ones."""
    import sqlalchemy as sa
    from sqlalchemy.orm import Session

    from api import models as m
    from ingestion.api_store.extract import extract_to_warehouse

    engine = sa.create_engine(f"sqlite:///{tmp_path / 'api.sqlite3'}")
    m.Base.metadata.create_all(engine)
    t0 = datetime(2025, 5, 1, 2, 0, tzinfo=UTC)
    case_id = "C4101002025000001"
    with Session(engine) as db:
        db.add(m.Unit(unit_code="410100", name="郑州市烟草专卖局", level="city", path="/410100/"))
        db.add(m.Officer(officer_id="O410100001", name="王一", unit_code="410100"))
        db.add(m.User(id=1, username="u", password_hash="x", unit_code="410100", officer_id="O410100001",
                      roles="officer", created_at=t0))  # fmt: skip
        db.add(m.Case(case_id=case_id, unit_code="410100", violation_code="NON_DESIGNATED_SOURCE",
                      discovered_at=t0, seized_on=t0.date(), status="filed", created_by=1, created_at=t0,
                      updated_at=t0, extension_days=0, prior_offences_3y=0))  # fmt: skip
        db.commit()
    assert extract_to_warehouse(con, engine) is not None
    assert rows(con, "SELECT count(*) FROM raw.videos") == [(0,)]
    digest = "ab" * 32
    uploaded = t0 + timedelta(hours=5)
    with Session(engine) as db:
        db.add(m.StoredFile(sha256=digest, size=10, media_type="video/mp4", created_at=uploaded))
        for kind, step in (("video", "inspection"), ("dossier", None)):  # a dossier scan is no recording
            db.add(m.Upload(case_id=case_id, kind=kind, filename="rec.mp4", sha256=digest, size=10,
                            media_type="video/mp4", officer_id="O410100001", device_id="DSJ-07", step=step,
                            started_at=t0, ended_at=t0 + timedelta(minutes=20), uploaded_by=1,
                            uploaded_at=uploaded))  # fmt: skip
        db.commit()
    second = extract_to_warehouse(con, engine)
    assert second is not None and second.rows_quarantined == 0
    columns = "video_id, case_id, officer_id, device_id, step, started_at, ended_at, uploaded_at, sha256"
    ended = t0 + timedelta(minutes=20)
    expected = ("API-V1", case_id, "O410100001", "DSJ-07", "inspection", t0, ended, uploaded, digest)
    assert rows(con, f"SELECT {columns} FROM raw.videos") == [expected]
    assert extract_to_warehouse(con, engine) is None  # the recording's time moved the watermark on
    engine.dispose()


def test_api_store_extraction_refuses_an_unmigrated_store_by_name(
    tmp_path: Path, con: duckdb.DuckDBPyConnection
) -> None:
    """Extraction reads the store's own (reflected) schema: a store without the tables it reads is refused
    with their names before anything is loaded, and the warehouse keeps its empty raw.api_* tables."""
    import sqlalchemy as sa

    from ingestion.api_store.extract import extract_review_tables, extract_to_warehouse
    from ingestion.api_store.schema import StoreSchemaError

    engine = sa.create_engine(f"sqlite:///{tmp_path / 'old.sqlite3'}")
    with engine.begin() as db:
        db.execute(sa.text("CREATE TABLE cases (case_id VARCHAR PRIMARY KEY)"))
    for extract in (extract_to_warehouse, extract_review_tables):
        with pytest.raises(StoreSchemaError, match="human_reviews") as refused:
            extract(con, engine)
        assert "cases," not in str(refused.value)  # only what is missing is named
    assert rows(con, "SELECT count(*) FROM raw.cases") == [(0,)]
    assert rows(con, "SELECT count(*) FROM raw.api_review_tasks") == [(0,)]
    engine.dispose()


def test_load_in_small_chunks_gives_the_same_warehouse(
    tmp_path: Path, con: duckdb.DuckDBPyConnection, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two rows per chunk: a duplicate three chunks after its first copy is still quarantined."""
    cases = CASE_HEADER + "".join(
        [
            "C1,410100,NON_DESIGNATED_SOURCE,2024-03-01,filed,甲,\n",  # 2
            "C2,410100,NON_DESIGNATED_SOURCE,2024-03-02,filed,乙,\n",  # 3
            "C3,410100,NON_DESIGNATED_SOURCE,2024-03-03,filed,丙,\n",  # 4
            "C4,999999,NON_DESIGNATED_SOURCE,2024-03-04,filed,丁,\n",  # 5 unknown unit
            "C5,410100,NON_DESIGNATED_SOURCE,2024-03-05,filed,戊,\n",  # 6
            "C6,410100,NON_DESIGNATED_SOURCE,2024-03-06,filed,己,\n",  # 7
            "C2,410100,NON_DESIGNATED_SOURCE,2024-03-09,filed,乙二,\n",  # 8 duplicate of line 3
            "C7,410100,NON_DESIGNATED_SOURCE,2024-03-07,filed,庚,\n",  # 9
        ]
    )
    monkeypatch.setattr("ingestion.warehouse.STREAM_CHUNK_ROWS", 2)
    folder = world(tmp_path / "w", None, units=UNITS, cases=cases)
    summary = load_folder(con, folder, "L1", max_bad_row_share=0.9)
    assert summary.tables["cases"].rows_read == 8
    assert summary.tables["cases"].rows_loaded == summary.tables["cases"].rows_new == 6
    assert rows(con, "SELECT case_id, party_name, _line_no FROM raw.cases ORDER BY case_id") == [
        ("C1", "甲", 2), ("C2", "乙", 3), ("C3", "丙", 4), ("C5", "戊", 6), ("C6", "己", 7), ("C7", "庚", 9),
    ]  # fmt: skip
    assert rows(con, "SELECT line_no, reason_code FROM ops.quarantine ORDER BY line_no") == [
        (5, "unknown_fk"),
        (8, "duplicate_key"),
    ]
    # the load's memory cap is lifted again afterwards
    assert rows(con, "SELECT current_setting('memory_limit') != '1.0 GiB'") == [(True,)]


def test_contract_suite_in_batches_judges_like_one_frame(con: duckdb.DuckDBPyConnection) -> None:
    """GX over row-id batches of 2: the same failures, counts added up; uniqueness over all rows."""
    from expectations.runner import run_suite, run_table_suite

    ensure_schema(con)
    values = [
        ("410000", "河南省烟草专卖局", "province", None),
        ("410100", "郑州市烟草专卖局", "city", "410000"),
        ("410200", "开封市烟草专卖局", "city", "410000"),
        ("410100", "重复", "city", "410000"),  # duplicate key, two batches after its first copy
        ("4103", None, "town", "410000"),  # bad code format, missing name, unknown level
    ]
    for i, (code, name, level, parent) in enumerate(values):
        con.execute(
            "INSERT INTO raw.units VALUES (?, ?, ?, ?, NULL, 'L1', 'units.csv', ?, now())",
            [code, name, level, parent, i + 2],
        )
    batched = run_table_suite(con, "units", ["L1"], chunk_rows=2)
    whole = run_suite("units", con.execute("SELECT * FROM raw.units").df())
    assert batched.rows_checked == 5 and not batched.success
    failed = {(f["expectation"], str(f["column"])): f["unexpected"] for f in batched.failed}
    assert failed == {
        ("expect_column_values_to_be_unique", "unit_code"): 2,  # both copies of 410100
        ("expect_column_values_to_match_regex", "unit_code"): 1,
        ("expect_column_values_to_not_be_null", "name"): 1,
        ("expect_column_values_to_be_in_set", "level"): 1,
    }
    assert failed == {(f["expectation"], str(f["column"])): f["unexpected"] for f in whole.failed}
    assert batched.evaluated == whole.evaluated
    # rows that fit one batch run the whole suite at once: the same outcome, failures in the same order
    at_once = run_table_suite(con, "units", ["L1"])
    assert (at_once.success, at_once.evaluated, at_once.rows_checked) == (False, batched.evaluated, 5)
    assert at_once.failed == batched.failed and batched.failed[-1]["column"] == "unit_code"
    clean = run_table_suite(con, "units", ["other load"], chunk_rows=2)  # no rows: nothing to fail
    assert clean.success and clean.rows_checked == 0


def test_suite_frames_are_what_duckdb_df_gives(con: duckdb.DuckDBPyConnection) -> None:
    """GX's frames come through Arrow (faster): same values and dtypes as ``.df()``, nulls included."""
    import pandas as pd

    from expectations.runner import frame_of

    con.execute(
        """CREATE TABLE t AS SELECT * FROM (VALUES
            ('a', 1::BIGINT, 1::BIGINT, 7::INTEGER, 1.5::DOUBLE, true, true, DATE '2025-01-02',
             TIMESTAMPTZ '2025-01-02 03:04:05+08', 'L1'),
            (NULL, 2, NULL, NULL, NULL, false, NULL, NULL, NULL, 'L1'),
            ('c', 3, 4, 9, 2.0, true, false, DATE '1999-12-31', TIMESTAMPTZ '1999-12-31 23:59:59+00', 'L2'))
        t(txt, n, n_null, i_null, x, b, b_null, d, ts, load)"""
    ).fetchall()
    con.execute("CREATE TABLE dec AS SELECT 1.5 AS x").fetchall()  # DECIMAL: not in raw, left to .df()
    cases: list[tuple[str, list[Any]]] = [
        ("SELECT * FROM t WHERE list_contains(?, load)", [["L1", "L2"]]),
        ("SELECT * FROM t WHERE load = ?", ["L2"]),  # no nulls in this row
        ("SELECT * FROM t WHERE load = ?", ["none"]),  # no rows
        ("SELECT * FROM dec WHERE x > ?", [0]),
    ]
    for sql, params in cases:
        pd.testing.assert_frame_equal(
            frame_of(con, sql, params), con.execute(sql, params).df(), check_exact=True
        )


def test_a_deferred_module_still_works_whole_on_first_use() -> None:
    """``expectations`` defers scipy.stats (GX imports it, our suites never use it): whoever does use it gets
    the real module, in a fresh interpreter where GX was imported first."""
    code = (
        "import expectations, great_expectations, sys\n"
        "import scipy.stats as st\n"
        "assert type(st).__name__ == '_Deferred', type(st)\n"  # not run by the imports above
        "assert abs(st.norm.cdf(1.96) - 0.9750021048517795) < 1e-12\n"
        "from scipy.stats import kstest\n"
        "assert type(sys.modules['scipy.stats']) is type(sys)\n"
        "print('ok')\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr
