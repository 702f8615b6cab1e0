"""Contract spec, table readers and validation against small real files built in tmp_path."""

from __future__ import annotations

import csv
import datetime as dt
import json
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ingestion.archive import UnsafeArchiveError
from ingestion.contract import CONTRACT, TABLE_LOAD_ORDER, ean13_check_digit, ean13_is_valid
from ingestion.folders import validate_folder
from ingestion.readers import TableReadError, find_tables, read_table, scan_folder
from ingestion.validate import stream_table, validate_table

SHANGHAI = "Asia/Shanghai"
CASE_HEADER = [
    "case_id",
    "unit_code",
    "violation_code",
    "status",
    "discovered_at",
    "decided_at",
    "party_name",
    "licence_no",
    "prior_offences_3y",
    "fine_amount",
    "hearing_notified",
    "note_from_bureau",  # not in the contract: kept aside
]
Row = list[str | None]
CASE_ROWS: list[Row] = [
    ["C4102002024000001", "410200", "NO_TRANSPORT_PERMIT", "decided", "2024-03-01 09:30:00",
     "2024-03-05T02:00:00Z", "张三", "410203123456", "2", "12500.5", "是", "复核"],
    ["C4102002024000002", "410200", "UNLICENSED_RETAIL", "transferred", "2024-04-02 14:00:00",
     None, "李四商店", None, "0", None, "否", None],
]  # fmt: skip


def write_csv(path: Path, header: list[str], rows: list[Row], encoding: str = "utf-8") -> Path:
    with path.open("w", encoding=encoding, newline="") as f:
        writer = csv.writer(f, lineterminator="\r\n")
        writer.writerow(header)
        writer.writerows([["" if v is None else v for v in row] for row in rows])
    return path


def write_xlsx(path: Path, header: list[str], rows: list[list[object]]) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


@pytest.fixture
def case_files(tmp_path: Path) -> dict[str, Path]:
    files = {}
    for label, encoding in [("utf8", "utf-8"), ("bom", "utf-8-sig"), ("gb18030", "gb18030")]:
        folder = tmp_path / label
        folder.mkdir()
        files[label] = write_csv(folder / "cases.csv", CASE_HEADER, CASE_ROWS, encoding)
    # Spreadsheet with native cell types, as a clerk's Excel would hold them.
    (tmp_path / "xlsx").mkdir()
    native: list[list[object]] = [
        [*CASE_ROWS[0][:4], dt.datetime(2024, 3, 1, 9, 30), "2024-03-05T02:00:00Z", "张三",
         "410203123456", 2, 12500.5, True, "复核"],
        [*CASE_ROWS[1][:4], dt.datetime(2024, 4, 2, 14, 0), None, "李四商店", None, 0, None, False, None],
    ]  # fmt: skip
    files["xlsx"] = write_xlsx(tmp_path / "xlsx" / "cases.xlsx", CASE_HEADER, native)
    # Parquet with native Arrow types, the decision time stored tz-aware in UTC.
    (tmp_path / "parquet").mkdir()
    columns = {name: [row[i] for row in CASE_ROWS] for i, name in enumerate(CASE_HEADER)}
    table = pa.table(
        {
            **{k: pa.array(v, pa.string()) for k, v in columns.items()},
            "discovered_at": pa.array([dt.datetime(2024, 3, 1, 9, 30), dt.datetime(2024, 4, 2, 14)]),
            "decided_at": pa.array(
                [dt.datetime(2024, 3, 5, 2, tzinfo=dt.UTC), None], pa.timestamp("us", tz="UTC")
            ),
            "prior_offences_3y": pa.array([2, 0], pa.int64()),
            "fine_amount": pa.array([12500.5, None], pa.float64()),
            "hearing_notified": pa.array([True, False]),
        }
    ).select(CASE_HEADER)
    files["parquet"] = tmp_path / "parquet" / "cases.parquet"
    pq.write_table(table, files["parquet"])
    return files


def test_ean13_reference_codes() -> None:
    # Check digit by hand for 690102807501: 6+27+0+3+0+6+8+0+7+15+0+3 = 75 -> 5.
    assert ean13_check_digit("690102807501") == "5"
    for valid in ("6901028075015", "6901028075763", "6901028317122", "6901028317177"):
        assert ean13_is_valid(valid)
    assert not ean13_is_valid("6901028221234")
    assert not ean13_is_valid("690102807501")
    assert not ean13_is_valid("69010280750１5")


def test_contract_shape() -> None:
    assert set(TABLE_LOAD_ORDER) == set(CONTRACT)
    assert CONTRACT["case_items"].primary_key == ("case_id", "line_no")
    assert CONTRACT["settings"].primary_key == ("province_code", "key", "valid_from")
    fks = {(fk.column, fk.key) for fk in CONTRACT["approvals"].foreign_keys}
    assert ("decided_by", "officers.officer_id") in fks


def test_same_table_in_every_format_gives_identical_rows(case_files: dict[str, Path]) -> None:
    results = {label: validate_table("cases", read_table(path)) for label, path in case_files.items()}
    assert read_table(case_files["bom"]).encoding == "utf-8-sig"
    assert read_table(case_files["gb18030"]).encoding == "gb18030"
    reference = results["utf8"].good
    for label, result in results.items():
        assert result.rejects.empty, (label, result.rejects.to_dict("records"))
        # Parquet has no header line: its rows are numbered from 1 (row index + 1).
        expected_lines = [1, 2] if label == "parquet" else [2, 3]
        assert list(result.good.index) == expected_lines
        pd.testing.assert_frame_equal(result.good.reset_index(drop=True), reference.reset_index(drop=True))
        assert list(result.extra_columns.columns) == ["note_from_bureau"]
        assert result.extra_columns["note_from_bureau"].iloc[0] == "复核"
    first = reference.loc[2]
    assert first["discovered_at"] == pd.Timestamp("2024-03-01 09:30", tz=SHANGHAI)
    assert first["decided_at"] == pd.Timestamp("2024-03-05 10:00", tz=SHANGHAI)  # 02:00Z
    assert first["fine_amount"] == 12500.5
    assert first["prior_offences_3y"] == 2
    assert bool(first["hearing_notified"]) is True
    assert first["party_name"] == "张三"
    assert reference["licence_no"].isna().tolist() == [False, True]


def test_csv_line_numbers_with_quoted_multiline_value(tmp_path: Path) -> None:
    path = tmp_path / "cases.csv"
    path.write_text(
        "case_id,unit_code,violation_code,status,discovered_at,address\n"
        'C1,410200,NON_DESIGNATED_SOURCE,filed,2024-03-01 09:00,"洛阳市\n西工区\n中州路1号"\n'  # lines 2-4
        "\n"  # line 5: blank
        "C2,410200,NON_DESIGNATED_SOURCE,nonsense,2024-03-02 09:00,\n"  # line 6: bad enum
        'C3,410200,NON_DESIGNATED_SOURCE,filed,2024-03-03 09:00,"a ""quoted"" name"\n',  # line 7
        encoding="utf-8",
    )
    raw = read_table(path)
    assert list(raw.line_no) == [2, 6, 7]
    result = validate_table("cases", raw)
    assert list(result.good.index) == [2, 7]
    assert result.good.loc[2, "address"] == "洛阳市\n西工区\n中州路1号"
    assert result.good.loc[7, "address"] == 'a "quoted" name'
    assert result.rejects[["line_no", "reason_code"]].values.tolist() == [[6, "unknown_enum"]]


def test_xlsx_rows_are_sheet_row_numbers(tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "case_officers.xlsx",
        ["case_id", "officer_id", "role"],
        [["C1", "O1", "lead"], [None, None, None], ["C1", "O2", "assistant"], ["C1", "O3", "boss"]],
    )
    result = validate_table("case_officers", read_table(path))
    assert list(result.good.index) == [2, 4]
    assert result.rejects[["line_no", "reason_code"]].values.tolist() == [[5, "unknown_enum"]]


@pytest.mark.parametrize("trailing_comma", [False, True])
def test_ragged_csv_row_is_rejected_with_its_line(tmp_path: Path, trailing_comma: bool) -> None:
    path = tmp_path / "units.csv"
    extra = "," if trailing_comma else ""  # a repairable row sends the reader down its exact path
    path.write_text(
        "unit_code,name,level\n410000,河南省局,province\n410100,郑州市局\n"
        f'410300,"洛阳市局\n（含新区）",city{extra}\n410400,平顶山市局,city\n',
        encoding="utf-8",
    )
    raw = read_table(path)
    assert list(raw.line_no) == [2, 4, 6]
    assert raw.data["name"].tolist() == ["河南省局", "洛阳市局\n（含新区）", "平顶山市局"]
    rejects = validate_table("units", raw).rejects
    assert rejects[["line_no", "reason_code"]].values.tolist() == [[3, "bad_row"]]
    assert json.loads(rejects["raw_values"].iloc[0]) == {"_raw": "410100,郑州市局"}


def test_each_rejection_reason_once_with_its_line(tmp_path: Path) -> None:
    header = ["case_id", "line_no", "barcode", "product_code", "quantity", "quantity_unit"]
    rows: list[Row] = [
        ["C1", "1", "6901028075015", "P1", "2", "carton"],  # 2 good
        ["", "2", None, "P1", "1", "carton"],  # 3 missing case_id
        ["C1", "abc", None, "P1", "1", "carton"],  # 4 bad int
        ["C1", "3", None, "P1", "1", "box"],  # 5 unknown enum
        ["C1", "4", "6901028221234", "P1", "1", "pack"],  # 6 bad check digit
        ["C1", "1", None, "P1", "5", "carton"],  # 7 duplicate of line 2
        ["C9", "1", None, "P1", "1", "carton"],  # 8 unknown case
    ]
    path = write_csv(tmp_path / "case_items.csv", header, rows)
    known = {"cases.case_id": {"C1", "C2"}, "products.product_code": {"P1"}}
    result = validate_table("case_items", read_table(path), known_keys=known)

    got = result.rejects[["line_no", "reason_code"]].values.tolist()
    assert got == [
        [3, "missing_required"],
        [4, "bad_int"],
        [5, "unknown_enum"],
        [6, "bad_ean13"],
        [7, "duplicate_key"],
        [8, "unknown_fk"],
    ]
    assert list(result.good.index) == [2]
    reasons = dict(zip(result.rejects["reason_code"], result.rejects["reason"], strict=True))
    assert reasons["missing_required"] == "必填字段为空: case_id / required value missing: case_id"
    assert "第 2 行" in reasons["duplicate_key"] and "line 2" in reasons["duplicate_key"]
    assert "cases.case_id" in reasons["unknown_fk"]
    raw_values = json.loads(result.rejects.loc[result.rejects["line_no"] == 6, "raw_values"].iloc[0])
    assert raw_values == dict(zip(header, rows[4], strict=True))
    assert (result.rejects["source_file"] == str(path)).all()

    prices = write_csv(
        tmp_path / "prices.csv",
        ["product_code", "price_type", "price_per_carton", "valid_from"],
        [["P1", "wholesale", "450", "2024-01-01"], ["P1", "retail_suggested", "500", "2024-02-30"]],
    )
    bad_date = validate_table("prices", read_table(prices)).rejects
    assert bad_date[["line_no", "reason_code"]].values.tolist() == [[3, "bad_date"]]


def test_duplicate_key_with_null_part(tmp_path: Path) -> None:
    # prices are keyed by (product, province, type, valid_from); a null province is the national price
    path = write_csv(
        tmp_path / "prices.csv",
        ["product_code", "province_code", "price_type", "price_per_carton", "valid_from"],
        [
            ["P1", None, "wholesale", "450", "2024-01-01"],
            ["P1", "410000", "wholesale", "460", "2024-01-01"],
            ["P1", None, "wholesale", "455", "2024-01-01"],
        ],
    )
    result = validate_table("prices", read_table(path))
    assert list(result.good.index) == [2, 3]
    (reason,) = result.rejects.loc[result.rejects["reason_code"] == "duplicate_key", "reason"]
    assert reason == (
        "主键重复: (P1, NULL, wholesale, 2024-01-01) 首次出现在第 2 行 / "
        "duplicate key: (P1, NULL, wholesale, 2024-01-01) first at line 2"
    )


def test_self_reference_and_parents_within_folder(tmp_path: Path) -> None:
    write_csv(
        tmp_path / "units.csv",
        ["unit_code", "name", "level", "parent_code"],
        [
            ["410300", "洛阳市烟草专卖局", "city", "410000"],  # parent listed below
            ["410000", "河南省烟草专卖局", "province", None],
            ["410322", "孟津区烟草专卖局", "county", "419999"],  # unknown parent
        ],
    )
    write_csv(
        tmp_path / "officers.csv",
        ["officer_id", "name", "unit_code"],
        [["O410300001", "王五", "410300"], ["O410322001", "赵六", "410322"]],
    )
    result = validate_folder(tmp_path)
    assert set(result.tables["units"].good.index) == {2, 3}
    assert result.tables["units"].rejects[["line_no", "reason_code"]].values.tolist() == [[4, "unknown_fk"]]
    # The county was rejected, so an officer of it is too.
    assert result.tables["officers"].rejects["line_no"].tolist() == [3]
    assert result.file_errors == []


def _corrupt_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "batch"
    folder.mkdir()
    write_csv(folder / "units.csv", ["unit_code", "name", "level"], [["410000", "河南省局", "province"]])
    write_csv(
        folder / "cases.csv",
        ["case_id", "unit_code", "violation_code", "status", "discovered_at"],
        [["C1", "410000", "NON_DESIGNATED_SOURCE", "filed", "2024-03-01 08:00"]],
    )
    xlsx = write_xlsx(folder / "officers.xlsx", ["officer_id", "name", "unit_code"], [["O1", "王", "410000"]])
    xlsx.write_bytes(xlsx.read_bytes()[: xlsx.stat().st_size // 2])  # truncated
    (folder / "products.csv").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    (folder / "prices.csv").write_bytes(b"")
    write_csv(folder / "approvals.csv", ["id", "case", "what"], [["A1", "C1", "filing"]])  # wrong header
    (folder / "readme.txt").write_text("not a table", encoding="utf-8")
    return folder


def test_corrupt_files_name_the_file_and_others_still_validate(tmp_path: Path) -> None:
    folder = _corrupt_folder(tmp_path)
    for name in ("officers.xlsx", "products.csv", "prices.csv", "approvals.csv"):
        with pytest.raises(TableReadError) as info:
            read_table(folder / name)
        assert name in str(info.value) and "无法读取文件" in str(info.value)
        assert "cannot read file" in str(info.value)

    result = validate_folder(folder)
    assert sorted(Path(e.file).name for e in result.file_errors) == [
        "approvals.csv",
        "officers.xlsx",
        "prices.csv",
        "products.csv",
    ]
    assert list(result.tables["units"].good.index) == [2]
    assert list(result.tables["cases"].good["case_id"]) == ["C1"]
    assert [Path(p).name for p in result.ignored_files] == ["readme.txt"]


def test_find_tables_conflicts_and_ignored(tmp_path: Path) -> None:
    write_csv(tmp_path / "units.csv", ["unit_code", "name", "level"], [["410000", "河南省局", "province"]])
    (tmp_path / "notes.docx").write_bytes(b"x")
    (tmp_path / "manifest.json").write_text('{"source": "test"}', encoding="utf-8")
    assert find_tables(tmp_path) == {"units": tmp_path / "units.csv"}
    assert scan_folder(tmp_path).ignored == [tmp_path / "notes.docx"]
    write_xlsx(tmp_path / "units.xlsx", ["unit_code", "name", "level"], [])
    with pytest.raises(TableReadError, match="units"):
        find_tables(tmp_path)


def test_zip_import_and_refusals(tmp_path: Path) -> None:
    good = tmp_path / "good.zip"
    with zipfile.ZipFile(good, "w") as z:
        z.writestr("export/units.csv", "unit_code,name,level\n410000,河南省局,province\n")
        z.writestr("export/manifest.json", json.dumps({"province_code": "410000"}))
    result = validate_folder(good)
    assert list(result.tables["units"].good["unit_code"]) == ["410000"]
    assert result.manifest == {"province_code": "410000"}
    assert result.tables["units"].source_file == "good.zip/units.csv"

    evil = tmp_path / "evil.zip"
    with zipfile.ZipFile(evil, "w") as z:
        z.writestr("units.csv", "unit_code,name,level\n")
        z.writestr("../evil.csv", "pwned")
    with pytest.raises(UnsafeArchiveError, match=r"\.\./evil\.csv"):
        validate_folder(evil)
    assert not (tmp_path.parent / "evil.csv").exists()

    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("units.csv", "unit_code,name,level\n" + "0" * 200_000)
    assert bomb.stat().st_size < 10_000
    with pytest.raises(UnsafeArchiveError, match="100000"):
        validate_folder(bomb, max_unzipped_bytes=100_000)


def test_streamed_validation_rejects_the_same_lines_as_the_whole_table(tmp_path: Path) -> None:
    """Chunks of 3 rows: duplicates across chunks, and a bad first copy, must end as in one pass."""
    header = ["case_id", "line_no", "product_code", "quantity", "quantity_unit"]
    rows: list[Row] = [
        ["C1", "1", "P1", "2", "carton"],  # 2 good
        ["C1", "2", "P1", "1", "carton"],  # 3 good
        ["C1", "3", "P1", "x", "carton"],  # 4 bad decimal: not a key's first copy
        ["C2", "1", "P1", "1", "pack"],  # 5 good                      (chunk 2)
        ["C1", "1", "P1", "9", "carton"],  # 6 duplicate of line 2
        ["C1", "3", "P1", "4", "carton"],  # 7 good: the bad line 4 does not count
        ["C9", "1", "P1", "1", "carton"],  # 8 unknown case              (chunk 3)
        ["C2", "1", "P1", "3", "pack"],  # 9 duplicate of line 5
        ["C1", "2", "P1", "1", "carton"],  # 10 duplicate of line 3
        ["C2", "2", "P1", "1", "stick"],  # 11 good                     (chunk 4)
    ]
    raw = read_table(write_csv(tmp_path / "case_items.csv", header, rows))
    known = {"cases.case_id": {"C1", "C2"}, "products.product_code": {"P1"}}
    staged: list[pd.DataFrame] = []
    streamed = stream_table("case_items", raw, staged.append, known_keys=known, chunk_rows=3)
    whole = validate_table("case_items", raw, known_keys=known)

    expected = [[4, "bad_decimal"], [6, "duplicate_key"], [8, "unknown_fk"], [9, "duplicate_key"]]
    expected.append([10, "duplicate_key"])
    assert streamed.rejects[["line_no", "reason_code"]].values.tolist() == expected
    pd.testing.assert_frame_equal(streamed.rejects, whole.rejects)
    firsts = streamed.rejects.loc[streamed.rejects["reason_code"] == "duplicate_key", "reason"].tolist()
    assert ["line 2" in firsts[0], "line 5" in firsts[1], "line 3" in firsts[2]] == [True] * 3
    assert "(C1, 1) 首次出现在第 2 行" in firsts[0]
    # the sink saw every row that passed the row-wise checks; the duplicates come back to be removed
    assert [len(f) for f in staged] == [2, 3, 2, 1]
    assert sorted(streamed.dropped_lines.tolist()) == [6, 9, 10]
    kept = pd.concat(staged, ignore_index=True)
    kept = kept[~kept["_line_no"].isin(streamed.dropped_lines)]
    assert kept["_line_no"].tolist() == [2, 3, 5, 7, 11] == list(whole.good.index)
    assert streamed.rows_good == 5
    assert kept["quantity"].tolist() == [2.0, 1.0, 1.0, 4.0, 1.0]
    pd.testing.assert_frame_equal(
        kept.drop(columns="_line_no").reset_index(drop=True), whole.good.reset_index(drop=True)
    )
