"""The SQL screen (ingestion.sql_screen) against the Python validator alone, its reference: the same raw
rows, the same quarantine (lines, codes, reasons, raw values) and the same load summary, on the demo world
(CSV in UTF-8 / BOM / GB18030, XLSX, Parquet) and on hand-made bad rows where every reason fires."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pytest

from ingestion import sql_screen
from ingestion.contract import TABLE_LOAD_ORDER
from ingestion.rejects import REASONS
from ingestion.warehouse import connect, load_folder

UNITS = (
    "unit_code,name,level,parent_code\r\n"
    "410000,河南省烟草专卖局,province,\r\n410100,郑州市烟草专卖局,city,410000\r\n"
    "410101,中原区烟草专卖局,county,410100\r\n"
)
OFFICERS = """officer_id,name,unit_code,cert_no,cert_valid_from,cert_valid_to,roles
O1,马英,410100,C1,2021-02-20,2029-04-13,officer
O2,方玉,410100,,2021-02-09,2027-05-30,officer;approver
O3,王五,999999,,,,officer
O4,赵六,410100,,2021-13-01,,officer
O5, 钱七 ,410100,,,,办案人员
"""
PRODUCTS = """product_code,brand,spec_name,carton_barcode,sticks_per_pack,price_class,tar_mg,status
P1,中华,中华(硬),6901028075015,20,5,10.0,active
P2,泰山,泰山(望岳),6901028075016,20,3,8,active
P3,黄鹤楼,软蓝,6901028075022,20,6,8,ACTIVE
P4,红塔山,经典,6901028075022,20.0,1,８,discontinued
P5,,空品牌,6901028075022,20,1,1,active
"""
CASES = (
    "case_id,unit_code,violation_code,source,discovered_at,filed_at,party_name,licence_no,"
    "prior_offences_3y,fine_amount,status,hearing_notified,extension_days\n"
    "C1,410100,NON_DESIGNATED_SOURCE,report,2024-03-01T09:00:00,2024-03-02 10:00,甲,410101123456,0,100.5,"
    "filed,false,0\n"
    "C2,410100,非指定渠道进货,report,2024-03-01T09:00:00+08:00,,乙,,1,0,FILED,是,\n"
    "C3,410100,NOT_A_CODE,report,2024-03-01T01:00:00Z,,丙,,2.0,-5,filed,maybe,1.5\n"
    "C4,410100,NON_DESIGNATED_SOURCE,opened,2024/03/01,,丁,41010112345,1.5,十元,opened,TRUE,\n"
    "C5,999999,NON_DESIGNATED_SOURCE,report,1989-04-16T02:30:00,,戊,,,,filed,,\n"
    "C6,410100,NON_DESIGNATED_SOURCE,report,2024-03-05T09:00:00,,己\n"
    "C7　,410100,NON_DESIGNATED_SOURCE,report,2024-03-05T24:00:00,,庚,,,,,,\n"
    "C1,410100,NON_DESIGNATED_SOURCE,report,2024-03-06T09:00:00,,甲二,,,,closed,,\n"
    'C8,410100, NON_DESIGNATED_SOURCE ,inspection,2024-03-07,,"辛,有限公司",,,1e3,closed,no,\n'
)
ITEMS = """case_id,line_no,barcode,product_code,quantity,quantity_unit,unit_price,authenticity
C1,1,6901028075015,P1,4.0,carton,740.0,genuine
C1,2,6901028075016,P9,十条,条,180,fake
C1,2,,P1,1,pack,,genuine
C2,x,,P1,1,carton,,genuine
C9,1,,P1,1,carton,,genuine
"""
APPLICATIONS = """application_id,unit_code,kind,licence_no,division_code,received_at,accepted_at,\
decided_at,outcome,refusal_rule,lng,lat
A1,410101,new,410101000001,410101,2024-01-02T09:00,2024-01-03T09:00,2024-01-10T09:00,approved,,113.6,34.7
A2,410101,new,,410101,2024-01-05T09:00,2024-01-03T09:00,,pending,,,
A3,410101,new,,410101,2024-01-02T09:00,,2024-01-10T09:00,refused,,,
A4,410101,new,410100000001,410101,2024-01-02T09:00,,,pending,,200,34.7
A5,410101,new,,410101,2024-01-02T12:56:00,2024-01-02T08:00,,pending,,,
"""
LICENCES = """许可证号,有效期起,有效期止,发证机关,区划代码,企业字号,status,status_from,application_id
410101000001,2024-01-10,2029-01-09,410101,410101,甲店,valid,,A1
410101000001,2025-01-10,2030-01-09,410101,410101,甲店,valid,,A1
410101000002,2024-01-10,2023-01-09,410101,410101,乙店,valid,,
410100000003,2024-01-10,2029-01-09,410101,410101,丙店,suspended,,
410101000004,2024-01-10,2029-01-09,410101,410101,丁店,valid,,A9
"""


def _bad_world(folder: Path) -> Path:
    folder.mkdir()
    (folder / "units.csv").write_bytes(b"\xef\xbb\xbf" + UNITS.encode("utf-8"))  # BOM and CRLF
    tables = {
        "officers": OFFICERS,
        "products": PRODUCTS,
        "cases": CASES,
        "case_items": ITEMS,
        "licence_applications": APPLICATIONS,
        "licences": LICENCES,
    }
    for name, text in tables.items():
        (folder / f"{name}.csv").write_text(text, encoding="utf-8")
    (folder / "officers.csv").write_bytes(OFFICERS.encode("gb18030"))
    return folder


def _load(tmp: Path, world: Path, screen: bool, monkeypatch: pytest.MonkeyPatch) -> duckdb.DuckDBPyConnection:
    monkeypatch.setattr("ingestion.warehouse.SQL_SCREEN", screen)
    con = connect(tmp / f"screen_{screen}.duckdb")
    load_folder(con, world, "L1", max_bad_row_share=1.0)
    return con


def _contents(con: duckdb.DuckDBPyConnection) -> dict[str, list[tuple[Any, ...]]]:
    out = {
        t: con.execute(f"SELECT * EXCLUDE (_loaded_at) FROM raw.{t} ORDER BY ALL").fetchall()
        for t in TABLE_LOAD_ORDER
    }
    out["quarantine"] = con.execute(
        "SELECT * EXCLUDE (quarantined_at) FROM ops.quarantine ORDER BY ALL"
    ).fetchall()
    out["summary"] = con.execute("SELECT * EXCLUDE (loaded_at) FROM ops.load_summary ORDER BY ALL").fetchall()
    return out


@pytest.fixture
def spy(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """Rows the screen saw and rows it left to Python."""
    seen = {"rows": 0, "python": 0}
    check = sql_screen.SqlScreen.check

    def counted(self: sql_screen.SqlScreen, part: Any, lines: np.ndarray) -> np.ndarray:
        left = check(self, part, lines)
        seen["rows"] += len(part)
        seen["python"] += len(left)
        return left

    monkeypatch.setattr(sql_screen.SqlScreen, "check", counted)
    return seen


def test_hand_made_bad_rows_same_rejects_every_reason(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, spy: dict[str, int]
) -> None:
    monkeypatch.setattr("ingestion.warehouse.STREAM_CHUNK_ROWS", 3)  # duplicates across chunks
    world = _bad_world(tmp_path / "bad")
    reference = _contents(_load(tmp_path, world, False, monkeypatch))
    screened = _contents(_load(tmp_path, world, True, monkeypatch))
    for part, rows in reference.items():
        assert screened[part] == rows, part
    fired = {row[4] for row in reference["quarantine"]}
    assert fired == set(REASONS)  # every rule fired at least once
    assert 0 < spy["python"] < spy["rows"]  # the screen took the plain rows itself


def test_demo_world_same_warehouse_most_rows_in_sql(
    tmp_path: Path, demo_world: Path, monkeypatch: pytest.MonkeyPatch, spy: dict[str, int]
) -> None:
    reference = _contents(_load(tmp_path, demo_world, False, monkeypatch))
    screened = _contents(_load(tmp_path, demo_world, True, monkeypatch))
    for part, rows in reference.items():
        assert screened[part] == rows, part
    assert len(reference["quarantine"]) > 0
    assert spy["python"] < 0.05 * spy["rows"]
