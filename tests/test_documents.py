"""Enforcement documents: every type renders to PDF, DOCX and a scanned PNG that show the case's values,
with the CJK font embedded, byte-identical on every run.

Expected values are written out here by hand (document numbers, amounts, dates), not taken from the code.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from typing import cast

import docx
import numpy as np
import pytest
from fontTools.ttLib import TTFont
from PIL import Image, ImageDraw, ImageFont
from pypdf import PdfReader
from pypdf.generic import DictionaryObject

from zhifa.documents import (
    CaseContext,
    DocumentContent,
    GoodsLine,
    build_document,
    cover_number,
    document_number,
    render_docx,
    render_pdf,
    render_scan_png,
)
from zhifa.documents.fonts import (
    FONT_FAMILY,
    FONT_FILE,
    build_truetype,
    cached_truetype,
    find_face,
    font_cache_dir,
)
from zhifa.settings import PROJECT_ROOT, SEEDS_DIR

CAUSE = "涉嫌未在当地烟草专卖批发企业进货"
PARTY = "张三"
DECISION_NO = "乐烟罚〔2024〕第12号"


def _codes_from_conventions() -> list[str]:
    text = (PROJECT_ROOT / "docs" / "conventions.md").read_text(encoding="utf-8")
    section = text.split("## Document type codes", 1)[1].split("\n## ", 1)[0]
    block = section.split("\n", 1)[1].split("`", 2)[1]  # the back-quoted list under the heading
    return re.findall(r"[a-z_]+", block)


ALL_CODES = _codes_from_conventions()
TITLES = {
    row["doc_type"]: row["name_zh"]
    for row in csv.DictReader((SEEDS_DIR / "ref_document_types.csv").open(encoding="utf-8"))
}


@pytest.fixture(scope="module")
def ctx() -> CaseContext:
    return CaseContext(
        unit_name="乐山市烟草专卖局",
        unit_abbr="乐烟",
        case_no="C511100202400012",
        cause=CAUSE,
        party_name=PARTY,
        party_type="个人",
        party_id_no="511102198001011234",
        address="乐山市市中区嘉定北路12号",
        licence_no="511102100123",
        officers=[("王五", "51110001"), ("赵六", "51110002")],
        discovered_at=datetime(2024, 3, 1, 9, 30),
        filed_at=datetime(2024, 3, 2, 10, 0),
        place="乐山市市中区嘉定北路12号张三烟酒店",
        goods=[
            GoodsLine(1, "6901028075015", "中华(硬)", 10, "条", 450.0, 4500.0),
            GoodsLine(2, "6901028317177", "玉溪(软)", 5.5, "条", 230.0, 1265.0),
        ],
        total_value=5765.0,
        legal_basis="《中华人民共和国烟草专卖法实施条例》第五十六条",
        facts_text="当事人从非指定渠道购进卷烟15.5条。",
        fine_amount=1729.5,
        fine_rate=0.3,
        decided_at=datetime(2024, 3, 20, 9, 0),
        served_at=datetime(2024, 3, 21, 15, 0),
        hearing_deadline_days=5,
        payment_days=15,
        handler_opinion_at=datetime(2024, 3, 2, 8, 0),
        dept_opinion_at=datetime(2024, 3, 3, 9, 0),
        head_opinion_at=datetime(2024, 3, 4, 10, 0),
        year=2024,
        serial=12,
    )


@pytest.fixture(scope="module")
def decision(ctx: CaseContext) -> DocumentContent:
    return build_document("penalty_decision", ctx, doc_no=DECISION_NO, issued_at=date(2024, 3, 20))


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def docx_text(data: bytes) -> str:
    document = docx.Document(io.BytesIO(data))
    parts = [p.text for p in document.paragraphs]
    parts += [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join(parts)


def test_numbers_follow_domain_examples() -> None:
    assert document_number("乐烟", "立", 2024, 12) == "乐烟立〔2024〕第12号"
    assert document_number("乐烟", "存通字", 2024, 12) == "乐烟存通字〔2024〕第12号"
    assert document_number("乐烟", "送", 2024, 12, sub=3) == "乐烟送〔2024〕第12-3号"
    assert cover_number("乐烟", 2024, 12) == "2024年度乐烟第12号"
    # the reviewer's pattern (DOMAIN §8) recognises the cover number
    assert re.fullmatch(r"(\d{4})年度(\S烟)第(\d{1,3})号", cover_number("乐烟", 2024, 12))


def test_conventions_list_all_types() -> None:
    assert len(ALL_CODES) == 33 and set(ALL_CODES) == set(TITLES)


@pytest.mark.parametrize("code", ALL_CODES)
def test_every_type_renders_in_every_format(ctx: CaseContext, code: str) -> None:
    doc = build_document(code, ctx, doc_no="乐烟X〔2024〕第12号", issued_at=date(2024, 3, 5))
    assert doc.title == TITLES[code]
    text = pdf_text(render_pdf(doc))
    assert text.splitlines()[0].strip() == TITLES[code]  # the title on top
    for expected in (f"案由：{CAUSE}", f"当事人：{PARTY}", "执法证号：51110001", "执法证号：51110002"):
        assert expected in text
    body = docx_text(render_docx(doc))
    assert TITLES[code] in body and f"案由：{CAUSE}" in body and f"当事人：{PARTY}" in body
    png = Image.open(io.BytesIO(render_scan_png(doc, seed=1)))
    assert png.format == "PNG" and png.width > 900


def test_unknown_type_is_refused(ctx: CaseContext) -> None:
    with pytest.raises(ValueError, match="unknown document type"):
        build_document("no_such_doc", ctx, doc_no=None, issued_at=None)


def test_penalty_decision_pdf(decision: DocumentContent) -> None:
    data = render_pdf(decision)
    text = pdf_text(data).replace("\n", "")  # paragraphs wrap across lines
    for expected in (
        "行政处罚决定书",
        f"文书编号：{DECISION_NO}",
        f"当事人：{PARTY}",
        f"案由：{CAUSE}",
        "1729.50元",
        "15日内",  # payment
        "60日内申请行政复议",
        "6个月内依法向人民法院提起行政诉讼",
        "乐山市烟草专卖局（印章）",
        "2024年3月20日",
    ):
        assert expected in text, expected
    # the font is embedded (TrueType program) and is Noto Sans CJK SC
    resources = cast(DictionaryObject, PdfReader(io.BytesIO(data)).pages[0]["/Resources"])
    fonts = cast(DictionaryObject, resources["/Font"])
    embedded = []
    for ref in fonts.values():
        font = cast(DictionaryObject, ref.get_object())
        descriptor = cast(DictionaryObject, font["/FontDescriptor"])
        assert "/FontFile2" in descriptor
        embedded.append(str(font["/BaseFont"]))
    assert embedded and all("NotoSansCJKsc" in name for name in embedded)


def test_penalty_decision_docx(decision: DocumentContent) -> None:
    text = docx_text(render_docx(decision))
    for expected in (
        "行政处罚决定书",
        DECISION_NO,
        f"当事人：{PARTY}",
        f"案由：{CAUSE}",
        "1729.50元",
        "2024年3月20日",
    ):
        assert expected in text, expected


def test_valuation_table_lines_and_signatures(ctx: CaseContext) -> None:
    doc = build_document("valuation_table", ctx, doc_no=None, issued_at=date(2024, 3, 5))
    text = pdf_text(render_pdf(doc))
    # 10 条 × 450 = 4500.00; 5.5 条 × 230 = 1265.00; total 5765.00
    for expected in ("6901028075015", "6901028317177", "4500.00", "1265.00", "5765.00", "15.5"):
        assert expected in text
    assert "核价人：王五 执法证号：51110001" in text and "复核人：赵六 执法证号：51110002" in text
    assert doc.table is not None and [row[0] for row in doc.table[1]] == ["1", "2", "合计"]


def test_filing_report_opinions_signed_and_dated(ctx: CaseContext) -> None:
    doc = build_document("filing_report", ctx, doc_no="乐烟立〔2024〕第12号", issued_at=date(2024, 3, 4))
    text = pdf_text(render_pdf(doc))
    handler, dept, head = (text.index(role) for role in ("承办人意见", "承办部门意见", "负责人意见"))
    assert handler < dept < head
    for day in ("2024年3月2日", "2024年3月3日", "2024年3月4日"):
        assert day in text
    assert "乐烟立〔2024〕第12号" in text


def test_inspection_record_shows_time_place_goods(ctx: CaseContext) -> None:
    text = pdf_text(render_pdf(build_document("inspection_record", ctx, doc_no=None, issued_at=None)))
    assert "检查时间：2024年3月1日9时30分" in text
    assert "张三烟酒店" in text and "中华(硬)" in text and "玉溪(软)" in text


def test_prior_notice_states_rights(ctx: CaseContext) -> None:
    text = pdf_text(render_pdf(build_document("hearing_notice", ctx, doc_no=None, issued_at=None)))
    assert "陈述和申辩" in text and "要求听证" in text and "5日内" in text


def test_time_limits_default_to_reference_settings(ctx: CaseContext) -> None:
    settings = {
        row["key"]: row["value"]
        for row in csv.DictReader((SEEDS_DIR / "ref_settings.csv").open(encoding="utf-8"))
        if not row["province_code"]
    }
    bare = replace(ctx, payment_days=None)
    text = "".join(build_document("penalty_decision", bare, doc_no=None, issued_at=None).body)
    assert f"起{settings['payment_days']}日内将罚款" in text


def test_cover_uses_given_number(ctx: CaseContext) -> None:
    doc = build_document("cover", ctx, doc_no="2024年度乐烟第12号", issued_at=None)
    text = pdf_text(render_pdf(doc))
    assert "卷宗编号：2024年度乐烟第12号" in text and "文书编号" not in text
    assert "保管期限：永久" in text


def test_long_goods_list_spans_pages(ctx: CaseContext) -> None:
    goods = [GoodsLine(k, f"69010280{k:05d}", f"规格{k}", 1, "条", 100.0, 100.0) for k in range(1, 81)]
    doc = build_document("valuation_table", replace(ctx, goods=goods), doc_no=None, issued_at=None)
    reader = PdfReader(io.BytesIO(render_pdf(doc)))
    assert len(reader.pages) > 1
    text = "\n".join(p.extract_text() for p in reader.pages)
    assert all(f"69010280{k:05d}" in text for k in range(1, 81))


def test_rendering_is_deterministic(decision: DocumentContent) -> None:
    assert render_pdf(decision) == render_pdf(decision)
    assert render_docx(decision) == render_docx(decision)
    assert render_scan_png(decision, seed=5) == render_scan_png(decision, seed=5)
    assert render_scan_png(decision, seed=5) != render_scan_png(decision, seed=6)


SC_FACE = 2  # the collection's faces run JP, KR, SC, TC, HK (`fc-list` shows SC at index=2)


def test_sc_face_is_found_by_family_name() -> None:
    assert find_face(FONT_FILE, FONT_FAMILY) == SC_FACE
    with pytest.raises(LookupError):
        find_face(FONT_FILE, "Noto Sans CJK XX")


def test_converted_font_matches_original_outlines() -> None:
    """The TrueType conversion draws the same glyphs, with the same advances, as the CFF original."""
    converted = ImageFont.truetype(str(cached_truetype(FONT_FILE, FONT_FAMILY, font_cache_dir())), 200)
    original = ImageFont.truetype(str(FONT_FILE), 200, index=SC_FACE)
    overlaps = []
    for char in "行政处罚决定书缴纳乐烟〔〕：12345.0元ABCxyz":  # one glyph at a time: advances round apart
        assert converted.getlength(char) == original.getlength(char), char
        inks = []
        for font in (converted, original):
            image = Image.new("L", (300, 300), 255)
            ImageDraw.Draw(image).text((20, 20), char, font=font, fill=0)
            inks.append(np.asarray(image) < 128)
        overlaps.append((inks[0] & inks[1]).sum() / (inks[0] | inks[1]).sum())
        assert abs(int(inks[0].sum()) - int(inks[1].sum())) <= 0.05 * inks[1].sum(), char
    # the two rasterisers hint differently, which moves edges by a pixel: thin glyphs score ~0.92
    assert min(overlaps) >= 0.9 and float(np.mean(overlaps)) >= 0.95


def test_converted_font_is_truetype_for_document_characters() -> None:
    font = TTFont(cached_truetype(FONT_FILE, FONT_FAMILY, font_cache_dir()))
    assert "glyf" in font and "CFF " not in font and font["name"].getDebugName(1) == FONT_FAMILY
    cmap = font.getBestCmap()
    for char in "0123456789AZaz行政处罚决定书缴纳〔〕《》：（），、。—”→□①×":
        assert ord(char) in cmap, char
    for char in "あ한ㄅ𠀀":  # kana, hangul, bopomofo, CJK extension B: outside the kept ranges
        assert ord(char) not in cmap, char
    # 20 992 code points in the CJK Unified Ideographs block; the SC face leaves only the newest unmapped
    assert sum(0x4E00 <= code <= 0x9FFF for code in cmap) > 20_900


def test_font_build_is_byte_identical(tmp_path: Path) -> None:
    cached = cached_truetype(FONT_FILE, FONT_FAMILY, font_cache_dir())  # built by an earlier run or test
    fresh = tmp_path / "fresh.ttf"
    build_truetype(FONT_FILE, FONT_FAMILY, fresh)
    assert fresh.read_bytes() == cached.read_bytes()


def test_scan_is_readable_by_ocr(decision: DocumentContent) -> None:
    from rapidocr_onnxruntime import RapidOCR

    image = np.asarray(Image.open(io.BytesIO(render_scan_png(decision, seed=11))).convert("RGB"))
    result, _ = RapidOCR()(image)
    text = "".join(line[1] for line in result or [])
    flat = re.sub(r"\s", "", text)
    assert "行政处罚决定书" in flat
    # brackets may be read as 〔〕, [] or （）: compare the number around them
    normalised = re.sub(r"[〔\[（(【]", "〔", re.sub(r"[〕\]）)】]", "〕", flat))
    assert "乐烟罚〔2024〕第12号" in normalised, flat


def test_font_cache_lives_under_zhifa_home() -> None:
    path = cached_truetype(FONT_FILE, FONT_FAMILY, font_cache_dir())
    assert (
        isinstance(path, Path) and path.is_relative_to(font_cache_dir()) and path.stat().st_size > 1_000_000
    )
