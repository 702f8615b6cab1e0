"""Dossier recognition measured against the generator's ground truth, plus bad input.

Every PDF and DOCX of the demo world is recognised; OCR is slow (~1.5 s a page on 2 cores), so only a
fixed sample of the scanned PNGs is. The measured accuracies are printed with the test output.
"""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image
from pypdf import PdfReader, PdfWriter

from ingestion.readers import read_table
from ingestion.recognition import (
    ERROR_COLUMNS,
    FIELD_COLUMNS,
    classify,
    extract_text,
    recognise_bytes,
    recognise_file,
    recognise_folder,
)

PNG_SAMPLE = int(os.environ.get("ZHIFA_TEST_OCR_SAMPLE", "25"))
SOURCE_OF_FORMAT = {"pdf": "text_layer", "docx": "docx", "png": "ocr"}


@pytest.fixture(scope="module")
def truth(demo_world: Path) -> pd.DataFrame:
    return pd.read_parquet(demo_world / "ground_truth" / "document_files.parquet")


@pytest.fixture(scope="module")
def measured(demo_world: Path, truth: pd.DataFrame) -> dict[str, Any]:
    """Recognise all text-layer/DOCX files and a sample of scans; join the first value of each field."""
    scans = truth[truth.file_format == "png"]
    chosen = pd.concat(
        [
            truth[truth.file_format != "png"],
            scans.sample(min(PNG_SAMPLE, len(scans)), random_state=7),
        ]
    )
    result = recognise_folder(demo_world, chosen)
    fields = result.fields
    first = fields.drop_duplicates(["document_id", "field"]).pivot(
        index="document_id", columns="field", values="value"
    )
    per_doc = fields.drop_duplicates("document_id").set_index("document_id")
    joined = chosen.set_index("document_id").join(first, rsuffix="_read")
    joined["doc_type_detected"] = per_doc["doc_type_detected"]
    joined["text_source"] = per_doc["text_source"]
    return {"rows": joined, "fields": fields, "errors": result.errors}


def _exact(rows: pd.DataFrame, expected: str, read: str) -> pd.Series:
    """Both absent, or equal as text."""
    want = rows[expected].astype("string")
    got = rows[read].astype("string") if read in rows else pd.Series(pd.NA, index=rows.index, dtype="string")
    return (want.isna() & got.isna()) | (want == got).fillna(False)


def _rate(ok: pd.Series) -> float:
    return float(ok.mean()) if len(ok) else float("nan")


def test_accuracy_against_ground_truth(measured: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> None:
    rows: pd.DataFrame = measured["rows"]
    assert measured["errors"].empty, measured["errors"].to_string()
    scanned = rows.file_format == "png"
    checks = {
        "doc_type": rows.doc_type == rows.doc_type_detected,
        "doc_no": _exact(rows, "doc_no", "doc_no_read"),
        "issued_on": _exact(rows, "issued_on", "issued_on_read"),
        "party_name": _exact(rows, "party_name", "party_name_read"),
        "cause": _exact(rows, "cause", "cause_read"),
    }
    fine_rows = rows.fine_amount.notna()
    fine_read = pd.to_numeric(rows.get("fine_amount_read"), errors="coerce")
    checks["fine_amount"] = ((fine_read - rows.fine_amount).abs() < 0.005)[fine_rows]

    report = {}
    for name, ok in checks.items():
        report[name] = (_rate(ok[~scanned.loc[ok.index]]), _rate(ok[scanned.loc[ok.index]]))
    with capsys.disabled():
        print(
            f"\nrecognition accuracy: {int((~scanned).sum())} text-layer/DOCX files, "
            f"{int(scanned.sum())} scans (OCR)"
        )
        for name, (text, scan) in report.items():
            print(f"  {name:12s} text-layer/DOCX {text:7.2%}   scans {scan:7.2%}")

    assert _rate(checks["doc_type"]) >= 0.98
    for name in ("doc_no", "issued_on"):
        text, scan = report[name]
        assert text >= 0.95, (name, rows[~checks[name] & ~scanned][[name, f"{name}_read"]])
        assert scan >= 0.90, (name, rows[~checks[name] & scanned][[name, f"{name}_read"]])


def test_text_source_follows_the_file(measured: dict[str, Any]) -> None:
    rows: pd.DataFrame = measured["rows"]
    assert (rows.text_source == rows.file_format.map(SOURCE_OF_FORMAT)).all()


def test_document_fields_frame(measured: dict[str, Any]) -> None:
    fields: pd.DataFrame = measured["fields"]
    assert list(fields.columns) == FIELD_COLUMNS
    assert list(measured["errors"].columns) == ERROR_COLUMNS
    assert fields.confidence.between(0, 1).all()
    assert fields.doc_type_confidence.between(0, 1).all()
    scans = fields[fields.text_source == "ocr"]
    assert scans.confidence.mean() < fields[fields.text_source != "ocr"].confidence.mean()


def test_valuation_goods_lines_match_case_items(demo_world: Path, measured: dict[str, Any]) -> None:
    """Barcodes and unit prices read off text-layer valuation tables equal the exported case items."""
    items_file = next(demo_world.glob("case_items.*"))
    items = read_table(items_file, "case_items").data
    items = items.assign(line_no=pd.to_numeric(items.line_no, errors="coerce"))
    fields: pd.DataFrame = measured["fields"]
    goods = fields[
        (fields.doc_type_detected == "valuation_table")
        & (fields.text_source != "ocr")
        & fields.field.str.startswith("goods.")
    ]
    parts = goods.field.str.split(".", expand=True)
    table = (
        goods.assign(n=parts[1], key=parts[2])
        .pivot(index=["case_id", "n"], columns="key", values="value")
        .reset_index()
    )
    table = table.assign(line_no=pd.to_numeric(table.line_no))
    merged = table.merge(items, on=["case_id", "line_no"], how="left", suffixes=("", "_truth"))
    assert len(merged) > 50
    barcode_ok = merged.barcode == merged.barcode_truth
    price_truth = pd.to_numeric(merged.unit_price_truth, errors="coerce")
    price_ok = (pd.to_numeric(merged.unit_price) - price_truth).abs() < 0.005
    assert barcode_ok.mean() >= 0.98
    assert price_ok[price_truth.notna()].mean() >= 0.98
    quantity = pd.to_numeric(merged.quantity)
    subtotal_ok = (quantity * pd.to_numeric(merged.unit_price) - pd.to_numeric(merged.subtotal)).abs() < 0.01
    assert subtotal_ok.mean() >= 0.9  # planted VALUATION_SUBTOTAL_WRONG defects make a few disagree


def test_valuation_signatures_and_cover(measured: dict[str, Any]) -> None:
    rows: pd.DataFrame = measured["rows"]
    valuation = rows[rows.doc_type == "valuation_table"]
    assert set(valuation.signature_count.dropna()) <= {"1", "2"}
    assert (valuation.signature_count == "2").mean() > 0.8
    cover = rows[rows.doc_type == "cover"]
    assert (cover.retention == "永久").all()
    assert (cover.cover_no == cover.doc_no).mean() >= 0.95


def test_image_only_pdf_is_ocred(demo_world: Path, truth: pd.DataFrame) -> None:
    row = truth[(truth.file_format == "png") & (truth.doc_type == "penalty_decision")].iloc[0]
    buf = io.BytesIO()
    Image.open(demo_world / row.file_path).convert("L").save(buf, format="PDF", resolution=120)
    doc = recognise_bytes(buf.getvalue(), "scan.pdf")
    assert doc.errors == []
    assert doc.text_source == "ocr"
    assert doc.doc_type == "penalty_decision"
    assert doc.value("doc_no") == row.doc_no
    assert doc.value("issued_on") == row.issued_on


def test_upside_down_scan_is_turned_round(demo_world: Path, truth: pd.DataFrame) -> None:
    row = truth[(truth.file_format == "png") & (truth.doc_type == "filing_report")].iloc[0]
    buf = io.BytesIO()
    Image.open(demo_world / row.file_path).rotate(180).save(buf, format="PNG")
    doc = recognise_bytes(buf.getvalue(), "upside-down.png")
    assert doc.doc_type == "filing_report"
    assert doc.value("doc_no") == row.doc_no


# --- classification of noisy titles ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("行政处罚决定书\n文书编号：乐烟罚〔2024〕第12号", "penalty_decision"),
        ("行 政 处 罚 决 定 书\n文书编号：乐烟罚[2024]第12号", "penalty_decision"),
        ("行政处罚事先告知书\n案由：涉嫌…", "prior_notice"),
        ("先行登记保存处理通知书", "preservation_handling"),
        ("涉案烟草专卖品核价衰\n案由：涉嫌…", "valuation_table"),  # OCR misread of 表
        ("卷宗封面\n卷宗编号：2024年度乐烟第12号", "cover"),
    ],
)
def test_classify_titles(text: str, expected: str) -> None:
    doc_type, confidence = classify(text)
    assert doc_type == expected
    assert 0 < confidence <= 1


def test_unknown_text_is_not_classified() -> None:
    assert classify("今天天气很好\n我们去公园") == (None, 0.0)


def test_ocr_number_variants_are_canonical() -> None:
    from ingestion.recognition import extract_fields

    for written in (
        "乐烟罚[2024]第12号",
        "乐烟罚（2024）第12号",
        "乐烟罚【2024】第１２号",
        "乐烟罚(2024)第12号",
    ):
        fields = extract_fields(f"行政处罚决定书\n文书编号：{written}\n2024年3月5日", "penalty_decision")
        values = {f.name: f.value for f in fields}
        assert values["doc_no"] == "乐烟罚〔2024〕第12号", written
        assert values["issued_on"] == "2024-03-05"


# --- bad input: a per-file error, never an exception ----------------------------------------------


def _first_pdf(demo_world: Path, truth: pd.DataFrame) -> bytes:
    return (demo_world / truth[truth.file_format == "pdf"].file_path.iloc[0]).read_bytes()


def _encrypted(pdf: bytes, user_password: str) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    writer.encrypt(user_password=user_password, owner_password="owner-secret", algorithm="AES-256")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_encrypted_pdf_is_a_clear_error(demo_world: Path, truth: pd.DataFrame) -> None:
    doc = recognise_bytes(_encrypted(_first_pdf(demo_world, truth), "secret"), "locked.pdf")
    assert doc.doc_type is None and doc.fields == []
    assert any("加密" in e and "encrypted" in e for e in doc.errors)


def test_pdf_with_owner_password_only_is_read(demo_world: Path, truth: pd.DataFrame) -> None:
    row = truth[truth.file_format == "pdf"].iloc[0]
    doc = recognise_bytes(_encrypted((demo_world / row.file_path).read_bytes(), ""), "restricted.pdf")
    assert doc.errors == []
    assert doc.doc_type == row.doc_type


def test_corrupt_docx_is_a_clear_error(demo_world: Path, truth: pd.DataFrame) -> None:
    data = (demo_world / truth[truth.file_format == "docx"].file_path.iloc[0]).read_bytes()
    truncated = recognise_bytes(data[: len(data) // 2], "broken.docx")
    assert truncated.fields == []
    assert any("Word" in e and "damaged" in e for e in truncated.errors)
    # a sound zip whose main part is damaged XML
    buf = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(buf, "w") as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            dst.writestr(info, body[:200] if info.filename == "word/document.xml" else body)
    damaged = recognise_bytes(buf.getvalue(), "damaged.docx")
    assert damaged.fields == [] and damaged.errors


@pytest.mark.parametrize(
    ("data", "name", "words"),
    [
        (np.random.default_rng(3).bytes(4096), "random.pdf", ("不是可识别的文书文件", "not a document")),
        (b"", "empty.docx", ("空文件", "empty file")),
        (b"   \n", "blank.png", ("空文件", "empty file")),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "truncated.png", ("图像", "image")),
        ("案由：涉嫌…".encode(), "note.txt", ("不是可识别的文书文件", "not a document")),
    ],
)
def test_bad_files_give_bilingual_errors(data: bytes, name: str, words: tuple[str, str]) -> None:
    extracted = extract_text(data, name)
    assert extracted.text == "" and not extracted.ok
    assert any(all(w in e for w in words) for e in extracted.errors), extracted.errors
    doc = recognise_bytes(data, name)
    assert doc.doc_type is None and doc.fields == [] and doc.errors


def test_folder_reports_bad_files_and_reads_the_rest(
    tmp_path: Path, demo_world: Path, truth: pd.DataFrame
) -> None:
    good = truth[truth.file_format == "pdf"].iloc[0]
    (tmp_path / "good.pdf").write_bytes((demo_world / good.file_path).read_bytes())
    (tmp_path / "junk.pdf").write_bytes(b"not a pdf at all")
    frame = pd.DataFrame(
        {
            "document_id": ["D1", "D2", "D3", "D4", "D5"],
            "case_id": ["C1"] * 5,
            "file_path": ["good.pdf", "junk.pdf", "missing.pdf", "../outside.pdf", None],
        }
    )
    result = recognise_folder(tmp_path, frame)
    assert set(result.fields.document_id) == {"D1"}
    assert set(result.errors.document_id) == {"D2", "D3", "D4"}
    assert set(result.fields.doc_type_detected) == {good.doc_type}
    assert recognise_file(tmp_path / "missing.pdf").errors


@settings(max_examples=150, deadline=None)
@given(
    prefix=st.sampled_from([b"", b"%PDF-1.4\n", b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"]),
    body=st.binary(max_size=2048),
)
def test_arbitrary_bytes_never_raise(prefix: bytes, body: bytes) -> None:
    extracted = extract_text(prefix + body, "upload.bin")
    assert extracted.errors or extracted.text


def test_goods_rows_with_cells_ocr_lost() -> None:
    from ingestion.recognition import extract_fields

    text = "\n".join(
        [
            "涉案烟草专卖品核价表",
            "序号 条码 品牌规格 数量（条） 单价（元/条） 金额（元）",
            "1 6901028296427 红双喜（硬43） 2 80.00 160.00",
            "6901028817622 延安（1935116） 190.00 190.00",  # line number and quantity not read
            "3 6901028075015 中华（硬） 2.5 610.00",  # unit price not read
            "合计 5.5 1875.00",
            "核价人：张三执法证号：41010620197234",
            "2024年4月18日",
        ]
    )
    fields = extract_fields(text, "valuation_table")
    values = {f.name: f.value for f in fields}
    confidence = {f.name: f.confidence for f in fields}
    assert [values[f"goods.{n}.barcode"] for n in (1, 2, 3)] == [
        "6901028296427",
        "6901028817622",
        "6901028075015",
    ]
    assert values["goods.2.line_no"] == "2" and confidence["goods.2.line_no"] < 0.5
    assert "goods.2.quantity" not in values
    assert (values["goods.2.unit_price"], values["goods.2.subtotal"]) == ("190.00", "190.00")
    assert values["goods.2.spec"] == "延安（1935116）"
    assert (values["goods.3.quantity"], values["goods.3.subtotal"]) == ("2.5", "610.00")
    assert "goods.3.unit_price" not in values
    assert (values["goods_count"], values["goods_total_quantity"], values["goods_total_value"]) == (
        "3",
        "5.5",
        "1875.00",
    )
    assert (values["officer.1.name"], values["officer.1.certificate"]) == ("张三", "41010620197234")
    assert values["signature_count"] == "1"
    assert values["issued_on"] == "2024-04-18"


def test_scanned_line_number_out_of_sequence_is_uncertain() -> None:
    from ingestion.recognition import extract_fields

    lines = [
        "序号 条码 品牌规格 数量（条） 单价（元/条） 金额（元）",
        "1 6901028296427 红双喜（硬43） 2 80.00 160.00",
        "1 6901028817622 延安（1935116） 1 190.00 190.00",  # OCR read 2 as 1
    ]
    for scores, uncertain in (([1.0, 1.0, 1.0], False), ([0.99, 0.99, 0.98], True)):
        conf = {f.name: f.confidence for f in extract_fields("\n".join(lines), "valuation_table", scores)}
        assert (conf["goods.2.line_no"] < 0.6) is uncertain
        assert conf["goods.1.line_no"] > 0.9
