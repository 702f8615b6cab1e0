"""Where a recognised field stands on its page (issue #21 §4, #17 workbench): a box in page-relative units
(x, y, w, h as fractions of the page, top-left origin) measured from a PDF's text layer or from OCR, checked
against where the text was drawn; a DOCX has no pages, so its fields have none."""

from __future__ import annotations

import io

import pytest
from PIL import Image, ImageDraw
from reportlab.pdfgen import canvas

from ingestion.recognition import extract_text, recognise_bytes
from ingestion.recognition.ocr import ocr_page
from zhifa.documents.fonts import image_font, pdf_font, text_width

PAGE_W, PAGE_H = 595.0, 842.0  # A4 in points
LINES = [("行政处罚决定书", 220.0, 760.0, 18.0), ("当事人：乐安县盛盛副食店", 90.0, 700.0, 12.0),
         ("罚款金额：1350.00元", 300.0, 420.0, 12.0)]  # fmt: skip


def _pdf() -> bytes:
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=(PAGE_W, PAGE_H))
    c.drawString(40, 800, "page one")  # the left-most text is not at x = 0: layout mode shifts by it
    c.showPage()
    font = pdf_font()
    for text, x, y, size in LINES:
        c.setFont(font, size)
        c.drawString(x, y, text)
    c.save()
    return buf.getvalue()


def test_text_layer_lines_carry_their_page_and_box() -> None:
    extracted = extract_text(_pdf(), "decision.pdf")
    rows = extracted.text.splitlines()
    assert extracted.line_boxes is not None and len(extracted.line_boxes) == len(rows)
    for text, x, y, size in LINES:
        box = extracted.line_boxes[rows.index(text)]
        assert box is not None and box.page == 2, (text, box)
        # where reportlab drew it: baseline y from the bottom, width from the font's advances
        assert box.x == pytest.approx(x / PAGE_W, abs=0.5 / PAGE_W)
        assert box.w == pytest.approx(text_width(text, size) / PAGE_W, abs=2 / PAGE_W)
        baseline = 1 - y / PAGE_H
        assert box.y < baseline - 0.6 * size / PAGE_H and box.y + box.h > baseline, (text, box)
        assert box.h < 1.5 * size / PAGE_H


def test_fields_of_a_pdf_point_at_their_line() -> None:
    doc = recognise_bytes(_pdf(), "decision.pdf")
    located = {f.field: f for f in doc.located_fields()}
    party = located["party_name"]
    assert party.value == "乐安县盛盛副食店" and party.page == 2 and party.bbox is not None
    assert party.bbox.x == pytest.approx(90 / PAGE_W, abs=0.01)
    assert party.as_json()["bbox"] == {k: round(getattr(party.bbox, k), 4) for k in "xywh"}


def _scan(
    lines: list[tuple[str, int, int]],
) -> tuple[Image.Image, dict[str, tuple[float, float, float, float]]]:
    image = Image.new("RGB", (1000, 700), "white")
    draw = ImageDraw.Draw(image)
    font = image_font(30)
    truth = {}
    for text, x, y in lines:
        draw.text((x, y), text, fill="black", font=font)
        truth[text] = draw.textbbox((x, y), text, font=font)
    return image, truth


SCAN_LINES = [
    ("行政处罚决定书", 380, 60),
    ("当事人：乐安县盛盛副食店", 120, 200),
    ("罚款金额：1350.00元", 420, 480),
]


def _covers(
    box: tuple[float, float, float, float], truth: tuple[float, float, float, float], size: tuple[int, int]
) -> None:
    x, y, w, h = box[0] * size[0], box[1] * size[1], box[2] * size[0], box[3] * size[1]
    left, top, right, bottom = truth
    # the recogniser's box holds the drawn text, with at most about a character height to spare
    assert x <= left + 4 and y <= top + 4 and x + w >= right - 4 and y + h >= bottom - 4, (box, truth)
    assert x >= left - 40 and y >= top - 30 and x + w <= right + 40 and y + h <= bottom + 30, (box, truth)


@pytest.mark.parametrize("turned", [False, True], ids=["upright", "upside-down"])
def test_ocr_lines_carry_their_box(turned: bool) -> None:
    image, truth = _scan(SCAN_LINES)
    if turned:  # a sheet scanned upside down: read turned round, boxes put back on the page as given
        image = image.rotate(180)
        truth = {t: (1000 - r, 700 - b, 1000 - le, 700 - tp) for t, (le, tp, r, b) in truth.items()}
    lines = {line.text.replace(" ", ""): line for line in ocr_page(image)}
    for text, _, _ in SCAN_LINES:
        line = lines[text]
        assert line.box is not None
        _covers(line.box, truth[text], image.size)


def test_docx_fields_have_no_page_and_no_box() -> None:
    from docx import Document

    document = Document()
    for text in ("行政处罚决定书", "当事人：乐安县盛盛副食店", "罚款金额：1350.00元"):
        document.add_paragraph(text)
    buf = io.BytesIO()
    document.save(buf)
    doc = recognise_bytes(buf.getvalue(), "decision.docx")
    located = {f.field: f for f in doc.located_fields()}
    assert located["party_name"].value == "乐安县盛盛副食店"
    # Word lays the pages out, not the file: the page is not known, so it is not said
    assert all(f.page is None and f.bbox is None for f in located.values())
    assert located["party_name"].source_text == "当事人：乐安县盛盛副食店"
