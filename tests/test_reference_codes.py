"""Reference-coded columns at import (ingestion.refcodes) on a bulk world written here by hand from
CONTRACT.md — not by ``zhifa generate`` — with misspelt codes, Chinese names, other bureaus' codes and
missing values; and idempotent full replays of the case-status history.

Expected outcomes are spelled out line by line below, from the seeds, never read back from the loader.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pytest

from cli.pipeline import finish
from ingestion.contract import CONTRACT
from ingestion.landing import land, load_landings
from ingestion.refcodes import AliasConflictError, build_kinds, load_kinds
from ingestion.warehouse import connect, load_folder
from zhifa.reference import load_reference, read_seed
from zhifa.settings import SEEDS_DIR

UNITS = """unit_code,name,level,parent_code
410000,河南省烟草专卖局,province,
410100,郑州市烟草专卖局,city,410000
"""
OFFICERS = """officer_id,name,unit_code,roles
O1,王一,410100,officer;approver
O2,王二,410100,执法人员；法制审核人员
O3,王三,410100,officer;boss
O4,王四,410100,
"""
PRODUCTS = "product_code,brand,spec_name,carton_barcode\nP1,中华,中华(硬),6901028075015\n"
CASES = """case_id,unit_code,violation_code,discovered_at,status
C1,410100,NON_DESIGNATED_SOURCE,2024-03-01 09:00,filed
C2,410100,NON_DESIGNATD_SOURCE,2024-03-02 09:00,filed
C3,410100,无证运输,2024-03-03 09:00,filed
C4,410100,零售户未在当地烟草专卖批发企业进货,2024-03-04 09:00,decided
C5,410100,non_designated_source,2024-03-05 09:00,filed
C6,410100,,2024-03-06 09:00,filed
C7,410100,UNLICENSED_RETAIL,2024-03-07 09:00,已结案
C8,410100,UNLICENSED_RETAIL,2024-03-08 09:00,closedd
C9,410100,TOBACCO_CRIME_42,2024-03-09 09:00,filed
"""
CASE_ITEMS = """case_id,line_no,product_code,quantity,quantity_unit
C1,1,P1,3,条
C1,2,P1,1,carton
C1,3,P1,2,箱子
"""
APPROVALS = """approval_id,case_id,kind,requested_by,requested_at,outcome
A1,C1,立案,O1,2024-03-01 10:00,同意
A2,C1,filling,O1,2024-03-01 11:00,approved
A3,C2,filing,O1,2024-03-02 10:00,approved
"""
DOCUMENTS = """document_id,case_id,doc_type
D1,C1,案件调查终结报告
D2,C1,final_report
D3,C1, FINAL_REPORT
D4,C1,inquiry_recrod
D5,C1,penalty_decision
D6,C1,
D7,C1,询问笔录
"""
TIERS = """province_code,violation_code,tier,rate_min,rate_max,rate_default
410000,擅自收购烟叶,1,0.2,0.3,0.25
410000,BOGUS,1,0.2,0.3,0.25
"""

# (table, line) -> reason codes; line 1 is the header
EXPECTED_REJECTS = {
    ("officers", 4): {"unknown_code"},  # boss is no role
    ("cases", 3): {"unknown_code"},  # misspelt
    ("cases", 7): {"missing_required"},
    ("cases", 9): {"unknown_enum"},  # closedd
    ("cases", 10): {"unknown_code"},  # another bureau's code nobody registered
    ("case_items", 4): {"unknown_enum"},  # 箱子 is no unit of the contract
    ("approvals", 3): {"unknown_enum"},  # filling
    ("approvals", 4): {"unknown_fk"},  # its case C2 was quarantined
    ("documents", 5): {"unknown_code"},  # misspelt
    ("documents", 7): {"missing_required"},
    ("discretion_tiers", 3): {"unknown_code"},
}


def write_world(folder: Path, exported_at: str = "2024-04-01T00:00:00", **tables: str) -> Path:
    folder.mkdir(parents=True)
    for name, text in tables.items():
        (folder / f"{name}.csv").write_text(text, encoding="utf-8")
    manifest = {"source": "hand-written", "exported_at": exported_at, "province_code": "410000"}
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return folder


def hand_world(folder: Path) -> Path:
    return write_world(
        folder,
        units=UNITS,
        officers=OFFICERS,
        products=PRODUCTS,
        cases=CASES,
        case_items=CASE_ITEMS,
        approvals=APPROVALS,
        documents=DOCUMENTS,
        discretion_tiers=TIERS,
    )


@pytest.fixture
def con(tmp_path: Path) -> Any:
    connection = connect(tmp_path / "wh.duckdb")
    yield connection
    connection.close()


def rows(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    return con.execute(sql, params or []).fetchall()


def fingerprint(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[Any, ...]]:
    tables = [f"raw.{t}" for t in CONTRACT] + ["raw.case_status_history", "raw.prices_history"]
    tables += ["ops.quarantine"]
    return {t: rows(con, f"SELECT count(*), sum(hash(x::VARCHAR)) FROM {t} x")[0] for t in tables}


def test_unknown_codes_are_quarantined_and_aliases_rewritten(
    tmp_path: Path, con: duckdb.DuckDBPyConnection
) -> None:
    summary = load_folder(con, hand_world(tmp_path / "w"), "L1", max_bad_row_share=1.0)

    found: dict[tuple[str, int], set[str]] = {}
    for table, line, code in rows(con, "SELECT table_name, line_no, reason_code FROM ops.quarantine"):
        found.setdefault((table, line), set()).add(code)
    assert found == EXPECTED_REJECTS

    assert rows(con, "SELECT case_id, violation_code, status FROM raw.cases ORDER BY case_id") == [
        ("C1", "NON_DESIGNATED_SOURCE", "filed"),
        ("C3", "NO_TRANSPORT_PERMIT", "filed"),
        ("C4", "NON_DESIGNATED_SOURCE", "decided"),  # the statute's Chinese name (ref_violation_types)
        ("C5", "NON_DESIGNATED_SOURCE", "filed"),
        ("C7", "UNLICENSED_RETAIL", "closed"),
    ]
    assert rows(con, "SELECT document_id, doc_type FROM raw.documents ORDER BY document_id") == [
        ("D1", "investigation_report"),  # name_zh of ref_document_types
        ("D2", "investigation_report"),  # ref_code_aliases
        ("D3", "investigation_report"),  # same alias, other case, blanks trimmed
        ("D5", "penalty_decision"),
        ("D7", "inquiry_record"),
    ]
    assert rows(con, "SELECT officer_id, roles FROM raw.officers ORDER BY officer_id") == [
        ("O1", "officer;approver"),
        ("O2", "officer;legal_reviewer"),
        ("O4", None),
    ]
    assert rows(con, "SELECT approval_id, kind, outcome FROM raw.approvals") == [("A1", "filing", "approved")]
    assert rows(con, "SELECT line_no, quantity_unit FROM raw.case_items ORDER BY line_no") == [
        (1, "carton"),
        (2, "carton"),
    ]
    assert rows(con, "SELECT violation_code FROM raw.discretion_tiers") == [("UNLICENSED_LEAF_PURCHASE",)]

    # rows rewritten per alias, in the summary returned and in ops.load_summary
    assert summary.tables["documents"].aliases == {
        "doc_type: FINAL_REPORT → investigation_report": 1,
        "doc_type: final_report → investigation_report": 1,
        "doc_type: 案件调查终结报告 → investigation_report": 1,
        "doc_type: 询问笔录 → inquiry_record": 1,
    }
    stored = dict(rows(con, "SELECT table_name, aliases FROM ops.load_summary WHERE load_id = 'L1'"))
    assert json.loads(stored["cases"]) == {
        "status: 已结案 → closed": 1,
        "violation_code: non_designated_source → NON_DESIGNATED_SOURCE": 1,
        "violation_code: 无证运输 → NO_TRANSPORT_PERMIT": 1,
        "violation_code: 零售户未在当地烟草专卖批发企业进货 → NON_DESIGNATED_SOURCE": 1,
    }
    assert json.loads(stored["officers"]) == {"roles: 执法人员；法制审核人员 → officer;legal_reviewer": 1}
    assert json.loads(stored["units"]) == {}

    # importing the same folder again changes nothing
    before = fingerprint(con)
    load_folder(con, hand_world(tmp_path / "again"), "L2", max_bad_row_share=1.0)
    after = fingerprint(con)
    assert after == before


def test_reasons_name_column_value_and_what_to_do(tmp_path: Path, con: duckdb.DuckDBPyConnection) -> None:
    load_folder(con, hand_world(tmp_path / "w"), "L1", max_bad_row_share=1.0)
    reason = dict(
        ((t, line), r) for t, line, r in rows(con, "SELECT table_name, line_no, reason FROM ops.quarantine")
    )
    misspelt = reason[("cases", 3)]
    assert "violation_code = 'NON_DESIGNATD_SOURCE'" in misspelt
    assert "代码不在参考数据中" in misspelt and "code not in the reference data" in misspelt
    assert "ref_violation_types" in misspelt and "ref_code_aliases.csv" in misspelt
    assert "closest code NON_DESIGNATED_SOURCE" in misspelt and "相近代码 NON_DESIGNATED_SOURCE" in misspelt
    assert "相近代码" not in reason[("cases", 10)]  # nothing close to TOBACCO_CRIME_42: no guess
    assert "doc_type = 'inquiry_recrod'" in reason[("documents", 5)]
    assert "closest code inquiry_record" in reason[("documents", 5)]
    role = reason[("officers", 4)]
    assert "roles = 'officer;boss'" in role
    assert "approver|legal_reviewer|manager|officer|reviewer" in role  # the contract's vocabulary, in full


def test_full_replay_keeps_the_status_history(tmp_path: Path, con: duckdb.DuckDBPyConnection) -> None:
    """Two exports stamped with the same time disagree on a status (a corrected re-export): every replay
    of the landings used to append the history again."""
    header = "case_id,unit_code,violation_code,discovered_at,status\n"
    landing = tmp_path / "landing"
    first = write_world(
        tmp_path / "a", units=UNITS, cases=header + "C1,410100,NON_DESIGNATED_SOURCE,2024-03-01,filed\n"
    )
    second = write_world(
        tmp_path / "b", cases=header + "C1,410100,NON_DESIGNATED_SOURCE,2024-03-01,investigating\n"
    )
    land(first, landing, 1 << 20)
    land(second, landing, 1 << 20)
    tables = list(CONTRACT)
    load_landings(con, landing, tables)
    history = rows(con, "SELECT case_id, status FROM raw.case_status_history ORDER BY status")
    assert history == [("C1", "filed"), ("C1", "investigating")]
    loaded = fingerprint(con)
    for _ in range(2):  # what `zhifa run --full` does to the landings
        load_landings(con, landing, tables, replay_all=True)
        assert fingerprint(con) == loaded


@pytest.fixture
def lenient(monkeypatch: pytest.MonkeyPatch) -> Any:
    """The hand-written world is mostly bad rows on purpose: let its loads through."""
    from zhifa.settings import get_settings

    monkeypatch.setenv("ZHIFA_MAX_BAD_ROW_SHARE", "1.0")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.mark.usefixtures("lenient")
def test_two_full_pipeline_runs_change_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`zhifa run --full` (the import assets with the full-refresh tag) on the hand-written world plus a
    corrected re-export stamped with the same time: a second full run leaves every raw table, the
    histories and the quarantine exactly as the first left them."""
    import dagster as dg

    from dagster_defs.dossiers import DOCUMENT_FIELDS_KEY
    from dagster_defs.resources import WarehouseResource
    from dagster_defs.runner import run_pipeline

    resource = WarehouseResource(
        database=str(tmp_path / "wh.duckdb"),
        serve_database=str(tmp_path / "serve" / "wh.duckdb"),
        landing=str(tmp_path / "landing"),
    )
    land(hand_world(tmp_path / "w"), resource.landing_dir, 1 << 20)
    fixed = CASES.replace(
        "C1,410100,NON_DESIGNATED_SOURCE,2024-03-01 09:00,filed",
        "C1,410100,无证运输,2024-03-01 09:00,decided",
    )
    land(write_world(tmp_path / "fix", cases=fixed), resource.landing_dir, 1 << 20)
    imports = dg.AssetSelection.groups("catalog", "cases", "dossiers", "reviews") - dg.AssetSelection.assets(
        DOCUMENT_FIELDS_KEY
    )
    seen = []
    for _ in range(2):
        result = run_pipeline(
            selection=imports, full_refresh=True, resources={"warehouse": resource}, log_level="ERROR"
        )
        assert result.success
        finish(result, 1.0)  # what `zhifa run` prints, and it exits 0
        with connect(resource.path, read_only=True) as con:
            seen.append(fingerprint(con))
            assert rows(con, "SELECT violation_code, status FROM raw.cases WHERE case_id = 'C1'") == [
                ("NO_TRANSPORT_PERMIT", "decided")
            ]
    assert seen[1] == seen[0]
    printed = capsys.readouterr().out
    assert "别名 / alias doc_type: final_report → investigation_report: 1 rows" in printed
    assert (
        "别名 / alias violation_code: 无证运输 → NO_TRANSPORT_PERMIT: 3 rows" in printed
    )  # C3, then C1 and C3


def test_seed_aliases_are_consistent() -> None:
    """Every alias of the seed names a kind and a code that exist, and no alias means two codes."""
    kinds = load_kinds()
    ref = load_reference()
    assert kinds["violation_code"].codes == set(ref.violation_types["violation_code"])
    assert kinds["doc_type"].codes == set(ref.document_types["doc_type"])
    for column in (c for t in CONTRACT.values() for c in t.columns):
        if column.codes:
            assert set(column.enum_values) <= kinds[column.codes].codes, column.name
    aliases = read_seed(SEEDS_DIR / "ref_code_aliases.csv")
    assert not aliases.duplicated(["kind", "alias"]).any()
    for row in aliases.itertuples():
        assert row.code in kinds[row.kind].codes, row


@pytest.mark.parametrize(
    ("kind", "alias", "code", "message"),
    [
        ("doc_type", "final_report", "cover", "alias conflict"),  # already investigation_report
        ("doc_type", "cover", "contents", "alias conflict"),  # a code cannot alias another
        ("doc_typ", "x", "cover", "unknown kind"),
        ("doc_type", "x", "no_such_doc", "not a doc_type code"),
        ("doc_type", " ", "cover", "empty alias"),
    ],
)
def test_bad_alias_rows_are_refused(kind: str, alias: str, code: str, message: str) -> None:
    seed = read_seed(SEEDS_DIR / "ref_code_aliases.csv")
    extra = pd.concat([seed, pd.DataFrame([{"kind": kind, "alias": alias, "code": code}])], ignore_index=True)
    ref = load_reference()
    reference_codes: dict[str, tuple[frozenset[str], str, dict[str, str]]] = {
        "doc_type": (frozenset(ref.document_types["doc_type"]), "ref_document_types", {}),
        "violation_code": (frozenset(ref.violation_types["violation_code"]), "ref_violation_types", {}),
    }
    with pytest.raises(AliasConflictError, match=message):
        build_kinds(reference_codes, extra)


def test_unknown_codes_alike_in_their_first_80_characters_each_get_a_reason() -> None:
    from ingestion.refcodes import resolve_codes
    from ingestion.rejects import Issues

    table = CONTRACT["documents"]
    long_a, long_b = "x" * 90 + "a", "x" * 90 + "b"
    texts = {c: pd.Series([None] * 4, dtype="str") for c in table.column_names}
    texts["doc_type"] = pd.Series(["cover", long_a, long_b, None], dtype="str")
    issues = Issues()
    assert resolve_codes(table, texts, issues, load_kinds()) == {}
    assert list(issues.bad_rows(4)) == [False, True, True, False]
    assert [len(r) for r in issues.rows] == [2]
