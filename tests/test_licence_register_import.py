"""Importing an existing licence register (docs/contract-licences.md): a hand-written export with another
bureau's habits (Chinese headers, GBK, Chinese status words, extra columns) and one bad row per problem."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from ingestion.readers import read_table
from ingestion.validate import stream_table, validate_table
from tests.test_contract_readers import write_csv, write_xlsx

UNITS = {"units.unit_code": {"440200", "440203", "440204"}}
HEADER = ["许可证号", "有效期起", "有效期至", "发证机关", "区划代码", "零售户名称", "经营者", "身份证号",
          "经营地址", "经度", "纬度", "经营业态", "许可证状态", "注销日期", "办理类型", "备注"]  # fmt: skip
# line 2.. in the file; the comment names what the line tests
ROWS: list[list[str | None]] = [
    ["440203100001", "2020-01-01", "2024-12-31", "440203", "440203", "东风便利店", "张三", None,
     "东风路1号", "113.59", "24.80", "便利店", "过期", None, "新办", "老证"],        # 2 good, 中文 values
    ["440203100001", "2025-01-01", "2029-12-31", "440203", "440203", "东风便利店", "张三", None,
     "东风路1号", "113.59", "24.80", "便利店", "有效", None, "延续", None],          # 3 good renewal
    ["440203100001", "2027-06-01", "2032-05-31", "440203", "440203", "东风便利店", "张三", None,
     "东风路1号", None, None, None, "有效", None, "变更", None],                    # 4 overlaps line 3
    ["44020310001", "2024-01-01", "2028-12-31", "440203", "440203", "短号店", None, None,
     None, None, None, None, "有效", None, None, None],                             # 5 bad licence no
    ["449903100002", "2024-01-01", "2028-12-31", "440203", "449903", "外区店", None, None,
     None, None, None, None, "有效", None, None, None],                             # 6 unknown division
    ["440204200003", "2028-01-01", "2024-01-01", "440204", "440204", "倒日期店", None, None,
     None, None, None, None, "有效", None, None, None],                             # 7 dates reversed
    ["440204200004", "2023-03-01", "2028-02-29", "440204", "440204", "红星超市", None, None,
     None, None, None, "超市", "注销", "2025-06-30", "新办", None],                 # 8 good, cancelled
    ["440204200004", "2023-03-01", "2028-02-29", "440204", "440204", "红星超市", None, None,
     None, None, None, "超市", "注销", "2025-06-30", "新办", "重复导出"],           # 9 duplicate of 8
    ["440204100005", "2023-03-01", "2028-02-29", "440204", "440203", "错区店", None, None,
     None, None, None, None, "有效", None, None, None],                             # 10 division mismatch
    ["440204100006", "2023-03-01", "2028-02-29", "440204", "440204", "停业店", None, None,
     None, None, None, None, "暂停", None, None, None],                             # 11 suspended, no date
]  # fmt: skip
EXPECTED_REJECTS = {
    (4, "overlapping_period"),
    (5, "bad_licence"),
    (6, "unknown_fk"),
    (7, "dates_reversed"),
    (9, "duplicate_key"),
    (10, "division_mismatch"),
    (11, "required_when"),
}


def _check(result_good_lines: set[int], rejects: set[tuple[int, str]]) -> None:
    assert rejects == EXPECTED_REJECTS
    assert result_good_lines == {2, 3, 8}


@pytest.mark.parametrize("kind", ["csv-gbk", "xlsx"])
def test_register_with_other_habits_quarantines_each_bad_row(tmp_path: Path, kind: str) -> None:
    if kind == "xlsx":
        path = write_xlsx(tmp_path / "licences.xlsx", HEADER, [list(r) for r in ROWS])
    else:
        path = write_csv(tmp_path / "licences.csv", HEADER, ROWS, encoding="gb18030")
    raw = read_table(path)
    assert "备注" in raw.extra.columns and "licence_no" in raw.data.columns
    result = validate_table("licences", raw, known_keys=UNITS)
    rejects = {(int(r.line_no), str(r.reason_code)) for r in result.rejects.itertuples()}
    _check(set(result.good.index), rejects)
    good = result.good
    assert good.loc[2, "status"] == "expired" and good.loc[3, "decision_kind"] == "renewal"
    assert good.loc[8, "status_from"] == dt.date(2025, 6, 30)
    assert good.loc[8, "business_type"] == "supermarket"
    reasons = result.rejects.set_index("line_no")["reason"]
    assert "有效期重叠" in reasons[4] and "2027-06-01" in reasons[4] and "2029-12-31" in reasons[4]
    assert "status_from" in reasons[11]
    assert result.rejects["source_file"].eq(str(path)).all()

    # the streaming loader's path gives the same lines and reasons
    kept: list[int] = []
    streamed = stream_table(
        "licences", raw, lambda f: kept.extend(f["_line_no"].tolist()), known_keys=UNITS, chunk_rows=3
    )
    assert set(kept) - set(streamed.dropped_lines.tolist()) == {2, 3, 8}
    assert {(int(r.line_no), str(r.reason_code)) for r in streamed.rejects.itertuples()} == EXPECTED_REJECTS


def test_applications_dates_reversed_and_refusal_without_rule(tmp_path: Path) -> None:
    header = ["申请编号", "受理单位", "申请类型", "申请时间", "受理时间", "决定时间", "办理结果",
              "不予许可依据"]  # fmt: skip
    rows: list[list[str | None]] = [
        ["A1", "440203", "新办", "2025-03-03 09:00", "2025-03-04 10:00", "2025-03-20 10:00", "不予许可",
         "MIN_DISTANCE"],
        ["A2", "440203", "新办", "2025-03-03 09:00", "2025-03-02 10:00", None, "待办", None],
        ["A3", "440203", "延续", "2025-03-03 09:00", "2025-03-04 10:00", "2025-03-10 10:00", "不予许可",
         None],
    ]  # fmt: skip
    raw = read_table(write_csv(tmp_path / "licence_applications.csv", header, rows))
    result = validate_table("licence_applications", raw, known_keys=UNITS)
    assert {(int(r.line_no), str(r.reason_code)) for r in result.rejects.itertuples()} == {
        (3, "dates_reversed"),
        (4, "required_when"),
    }
    assert result.good.loc[2, "outcome"] == "refused" and result.good.loc[2, "kind"] == "new"
