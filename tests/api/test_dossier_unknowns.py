"""Issue #21 over HTTP: an unknown fact never fails a rule, a form of no known type lends no fact, and the
reviewer sees what was read where.

1. An in-progress dossier uploaded without its captured case (status unknown) is not vetoed by R090.
3. A 价格证明申请表 (a price-proof application: a form zhifa has no type for, titled like a 核价表) is
   unknown, says why, and its figures feed no valuation fact.
4. ``GET /dossiers/{id}`` lists, per file, the fields read with page, line and source text; another unit's
   reviewer still gets a 404.
Expected values come from the generator's ground truth and from the form written here, never from the
engine's output.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from docx import Document

from zhifa.reference import load_reference

UNIT = "410122"
IN_PROGRESS_DROPS = {"penalty_decision", "closing_report", "payment_receipt", "service_receipt"}


@pytest.fixture
def backend() -> str:
    return "sqlite"


def _files(world: Path) -> pd.DataFrame:
    return pd.read_parquet(world / "ground_truth" / "document_files.parquet")


def _text_case(world: Path, need: str) -> str:
    """A PDF/DOCX dossier holding a ``need`` document, of a violation no rule asks to transfer (so no
    transfer rule can veto it on known facts)."""
    files = _files(world)
    cases = pd.read_parquet(world / "ground_truth" / "cases.parquet").set_index("case_id")["violation_code"]
    types = load_reference().violation_types.set_index("violation_code")["must_transfer_to"].fillna("")
    text = files.groupby("case_id")["file_format"].agg(lambda f: set(f) <= {"pdf", "docx"})
    holds = files[files["doc_type"] == need]["case_id"]
    return next(c for c in sorted(holds) if text[c] and not str(types.get(cases[c], "")).strip())


def _upload(client: Any, headers: dict[str, str], case_id: str, parts: list[tuple[str, bytes]]) -> Any:
    files = [("files", (name, data, "application/octet-stream")) for name, data in parts]
    return client.post(
        "/dossiers", data={"case_id": case_id, "unit_code": UNIT}, files=files, headers=headers
    )


def _parts(world: Path, case_id: str, drop: set[str]) -> list[tuple[str, bytes]]:
    files = _files(world)
    rows = files[(files["case_id"] == case_id) & ~files["doc_type"].isin(drop)]
    return [(Path(p).name, (world / p).read_bytes()) for p in rows["file_path"]]


def test_an_in_progress_dossier_without_its_case_is_not_vetoed(
    client: Any, as_user: Any, demo_world: Path
) -> None:
    case_id = _text_case(demo_world, "inspection_record")
    r = _upload(client, as_user("li"), case_id, _parts(demo_world, case_id, IN_PROGRESS_DROPS))
    assert r.status_code == 201, r.text
    report = r.json()["report"]
    assert report["facts"]["case_status"] is None  # not captured here, no decision or closing report
    findings = {f["rule_id"]: f for f in report["findings"]}
    r090 = findings["R090"]
    assert (r090["outcome"], r090["veto"], r090["unknown_facts"]) == ("not_checked", False, ["case_status"])
    assert findings["R064"]["outcome"] == "not_checked"
    assert not report["veto"] and report["grade"] != "不合格", [f for f in report["failures"] if f["veto"]]
    # no failure rests on an unknown: every failed rule's required inputs were known
    for f in report["failures"]:
        assert f["unknown_facts"] == [], f


PRICE_FORM_TITLE = "涉案烟草专卖品价格证明申请表"
PRICE_FORM_AMOUNT = 3715.0


def price_proof_form() -> bytes:
    """A county bureau's price-proof application, written here as its clerks would (DOCX, label cells)."""
    doc = Document()
    doc.add_paragraph(PRICE_FORM_TITLE)
    doc.add_paragraph("申请单位：乐安县烟草专卖局")
    doc.add_paragraph("申请事项：请对下列涉案卷烟出具价格证明")
    table = doc.add_table(rows=4, cols=4)
    for row, cells in zip(
        table.rows,
        [("序号", "物品名称", "数量（条）", "金额（元）"), ("1", "黄鹤楼（软蓝）", "10", "2150"),
         ("2", "中华（硬）", "5", "1565"), ("合计", "", "15", "3715")],
        strict=True,
    ):  # fmt: skip
        for cell, text in zip(row.cells, cells, strict=True):
            cell.text = text
    doc.add_paragraph(f"合计金额：{PRICE_FORM_AMOUNT:.0f}元")
    doc.add_paragraph("附：涉案烟草专卖品核价表")
    doc.add_paragraph("申请日期：2024年3月5日")
    doc.add_paragraph("经办人：李明")
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def test_a_form_of_no_known_type_is_unknown_and_lends_no_fact(
    client: Any, as_user: Any, demo_world: Path
) -> None:
    case_id = _text_case(demo_world, "valuation_table")
    parts = [*_parts(demo_world, case_id, {"valuation_table"}), ("price_proof.docx", price_proof_form())]
    r = _upload(client, as_user("li"), case_id, parts)
    assert r.status_code == 201, r.text
    body = r.json()
    form = next(f for f in body["files"] if f["filename"] == "price_proof.docx")
    assert (form["status"], form["error_code"], form["doc_type"]) == ("error", "UNKNOWN_DOC_TYPE", None)
    assert "valuation_table" in form["error"] and "0." in form["error"]  # the best types and their scores
    facts = body["report"]["facts"]
    assert facts["has_valuation_table"] is False
    valuation = {k: v for k, v in facts.items() if k.startswith("valuation_")}
    assert valuation and all(v is None for v in valuation.values()), valuation
    assert PRICE_FORM_AMOUNT not in [v for v in facts.values() if isinstance(v, int | float)]
    # the reviewer still sees what was read on it
    assert {"title", "issued_on"} <= {f["field"] for f in form["fields"]}


def test_the_dossier_lists_what_was_read_where_in_scope(client: Any, as_user: Any, demo_world: Path) -> None:
    case_id = _text_case(demo_world, "cover")
    truth = _files(demo_world)
    truth = truth[truth["case_id"] == case_id].set_index("doc_type")
    r = _upload(client, as_user("li"), case_id, _parts(demo_world, case_id, set()))
    assert r.status_code == 201, r.text
    dossier_id = r.json()["dossier"]["dossier_id"]
    got = client.get(f"/dossiers/{dossier_id}", headers=as_user("li"))
    assert got.status_code == 200
    files = {f["doc_type"]: f for f in got.json()["files"]}
    cover = {f["field"]: f for f in files["cover"]["fields"]}
    want = str(truth.loc["cover", "doc_no"])
    assert cover["cover_no"]["value"] == want
    assert want.replace(" ", "") in cover["cover_no"]["source_text"].replace(" ", "")
    assert isinstance(cover["cover_no"]["line"], int) and cover["cover_no"]["confidence"] > 0
    assert set(cover["cover_no"]) >= {"field", "value", "page", "line", "bbox", "source_text", "confidence"}
    # where on its page: a text-layer PDF gives the line's box as fractions of the page; a DOCX has no pages
    box, method = cover["cover_no"]["bbox"], files["cover"]["method"]
    if method == "text":
        assert cover["cover_no"]["page"] >= 1 and box["w"] > 0 and box["h"] > 0, box
        assert 0 <= box["x"] <= box["x"] + box["w"] <= 1 and 0 <= box["y"] <= box["y"] + box["h"] <= 1, box
    else:
        assert method == "docx" and box is None and cover["cover_no"]["page"] is None
    # a date printed in words on the penalty decision, found on its line
    decision = {f["field"]: f for f in files["penalty_decision"]["fields"]}
    issued = pd.Timestamp(truth.loc["penalty_decision", "issued_on"]).date()
    assert decision["issued_on"]["value"] == issued.isoformat()
    assert f"{issued.year}年{issued.month}月{issued.day}日" in decision["issued_on"]["source_text"].replace(
        " ", ""
    )
    assert decision["title"]["line"] == 0 and decision["title"]["page"] in (1, None)
    # scope: a sibling city's user does not see the dossier at all
    assert client.get(f"/dossiers/{dossier_id}", headers=as_user("kaifeng")).status_code == 404
