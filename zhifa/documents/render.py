"""Render a :class:`DocumentContent` to PDF, DOCX or a scanned-looking PNG — byte-identical on every run.

- PDF: reportlab in invariant mode (no timestamps or random ids), the CJK font embedded and subset.
- DOCX: python-docx with fixed core properties, then the zip rewritten with fixed entry dates.
- PNG: see :mod:`zhifa.documents.scan`; randomness comes from the seed only.
"""

from __future__ import annotations

import io
from datetime import date, datetime

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Pt
from docx.text.paragraph import Paragraph
from docx.text.run import Run
from reportlab.pdfgen.canvas import Canvas

from zhifa.documents.fonts import pdf_font
from zhifa.documents.layout import PAGE_HEIGHT, PAGE_WIDTH, Text, layout
from zhifa.documents.model import DocumentContent
from zhifa.documents.scan import render_scan_png
from zhifa.documents.text import fmt_date, labelled
from zhifa.reproducible import normalise_zip

__all__ = ["render_docx", "render_pdf", "render_scan_png"]

# Word documents name the fonts a clerk's machine has; LibreOffice maps them to Noto CJK.
DOCX_BODY_FONT, DOCX_TITLE_FONT = "宋体", "黑体"
FIXED_TIME = datetime(2000, 1, 1)  # metadata time when a document has no issue date


def render_pdf(doc: DocumentContent) -> bytes:
    font = pdf_font()
    buf = io.BytesIO()
    canvas = Canvas(
        buf,
        pagesize=(PAGE_WIDTH, PAGE_HEIGHT),
        invariant=1,
        pageCompression=1,
        initialFontName=font,  # else every page also references a non-embedded Helvetica
        initialFontSize=11,
    )
    canvas.setTitle(doc.title)
    canvas.setCreator("zhifa")
    for page in layout(doc):
        for item in page:
            if isinstance(item, Text):
                canvas.setFont(font, item.size)
                y = PAGE_HEIGHT - item.y
                if item.anchor == "centre":
                    canvas.drawCentredString(item.x, y, item.text)
                elif item.anchor == "right":
                    canvas.drawRightString(item.x, y, item.text)
                else:
                    canvas.drawString(item.x, y, item.text)
            else:
                canvas.setLineWidth(0.6)
                canvas.line(item.x1, PAGE_HEIGHT - item.y1, item.x2, PAGE_HEIGHT - item.y2)
        canvas.showPage()
    canvas.save()
    return buf.getvalue()


def _set_run_font(run: Run, name: str, size: float, bold: bool = False) -> None:
    run.font.name = name
    run.font.size = Pt(size)
    run.font.bold = bold
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), name)


def _paragraph(
    document: DocxDocument,
    text: str,
    *,
    size: float = 12,
    align: WD_ALIGN_PARAGRAPH | None = None,
    indent: bool = False,
) -> Paragraph:
    para = document.add_paragraph()
    if align is not None:
        para.alignment = align
    if indent:
        para.paragraph_format.first_line_indent = Pt(size * 2)
    _set_run_font(para.add_run(text), DOCX_BODY_FONT, size)
    return para


def render_docx(doc: DocumentContent) -> bytes:
    document = Document()
    title = document.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _set_run_font(title.add_run(doc.title), DOCX_TITLE_FONT, 18, bold=True)
    if doc.doc_no and all(value != doc.doc_no for _, value in doc.fields):
        _paragraph(document, labelled("文书编号", doc.doc_no), align=WD_ALIGN_PARAGRAPH.CENTER)
    for label, value in doc.fields:
        _paragraph(document, labelled(label, value))
    if doc.table is not None:
        header, rows = doc.table
        table = document.add_table(rows=1 + len(rows), cols=len(header))
        table.style = "Table Grid"
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        for table_row, values in zip(table.rows, [header, *rows], strict=True):
            for cell, value in zip(table_row.cells, values, strict=False):  # row.cells once: cell() is O(n)
                _set_run_font(cell.paragraphs[0].add_run(value), DOCX_BODY_FONT, 10.5)
    for text in doc.body:
        _paragraph(document, text, indent=True)
    for text in doc.signatures:
        _paragraph(document, text)
    if doc.issuer:
        _paragraph(document, f"{doc.issuer}（印章）", align=WD_ALIGN_PARAGRAPH.RIGHT)
    if doc.issued_at:
        _paragraph(document, fmt_date(doc.issued_at), align=WD_ALIGN_PARAGRAPH.RIGHT)

    props = document.core_properties
    stamp = _as_datetime(doc.issued_at)
    props.title, props.author, props.last_modified_by = doc.title, doc.issuer or "zhifa", "zhifa"
    props.created, props.modified, props.last_printed = stamp, stamp, stamp
    props.revision = 1
    buf = io.BytesIO()
    document.save(buf)
    return normalise_zip(buf.getvalue())


def _as_datetime(day: date | None) -> datetime:
    return datetime(day.year, day.month, day.day) if day else FIXED_TIME
