"""The archived dossier (归档卷宗): cover, contents (卷内目录) with page ranges, remarks sheet (备考表),
then the case's documents in filing order, merged into one PDF with page numbers and a bookmark per document.

Pure: bytes in, bytes out; the API decides what goes in (:mod:`api.capture.services.archive`).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date

from pypdf import PdfReader, PdfWriter
from reportlab.pdfgen.canvas import Canvas

from zhifa.documents.fonts import pdf_font
from zhifa.documents.layout import PAGE_HEIGHT, PAGE_WIDTH
from zhifa.documents.model import DocumentContent
from zhifa.documents.render import render_pdf
from zhifa.documents.text import fmt_date

CONTENTS_HEADER = ["序号", "文件名称", "文号", "日期", "页号"]


@dataclass(frozen=True)
class ArchivePart:
    """One document of the dossier, already a PDF."""

    title: str  # 行政处罚决定书
    doc_no: str | None
    issued_on: date | None
    pdf: bytes


@dataclass(frozen=True)
class ContentsRow:
    seq: int
    title: str
    doc_no: str | None
    issued_on: date | None
    first_page: int  # 1-based page of the merged dossier
    last_page: int


@dataclass(frozen=True)
class RemarksSheet:
    """What the 备考表 states besides the counts: who assembled the file, when, and what is not in it."""

    archived_by: str
    archived_on: date
    notes: list[str]


@dataclass(frozen=True)
class AssembledDossier:
    pdf: bytes
    contents: list[ContentsRow]
    front_pages: int  # cover + contents + remarks


def page_count(pdf: bytes) -> int:
    return len(PdfReader(io.BytesIO(pdf)).pages)


def _contents_rows(parts: list[ArchivePart], first_page: int) -> list[ContentsRow]:
    rows, page = [], first_page
    for seq, part in enumerate(parts, start=1):
        n = page_count(part.pdf)
        rows.append(ContentsRow(seq, part.title, part.doc_no, part.issued_on, page, page + n - 1))
        page += n
    return rows


def _contents_pdf(rows: list[ContentsRow], archive_no: str) -> bytes:
    table = [
        [
            str(r.seq),
            r.title,
            r.doc_no or "",
            fmt_date(r.issued_on) if r.issued_on else "",
            str(r.first_page) if r.first_page == r.last_page else f"{r.first_page}–{r.last_page}",
        ]
        for r in rows
    ]
    content = DocumentContent(
        doc_type="contents",
        title="卷内目录",
        doc_no=None,
        issued_at=None,
        fields=[("卷宗编号", archive_no)],
        table=(CONTENTS_HEADER, table),
        body=[],
        signatures=[],
    )
    return render_pdf(content)


def _remarks_pdf(sheet: RemarksSheet, documents: int, pages: int) -> bytes:
    content = DocumentContent(
        doc_type="remarks",
        title="备考表",
        doc_no=None,
        issued_at=sheet.archived_on,
        fields=[("本卷情况", f"本卷共 {documents} 件，{pages} 页"), ("立卷人", sheet.archived_by)],
        table=None,
        body=list(sheet.notes),
        signatures=[f"立卷人：{sheet.archived_by}", f"立卷时间：{fmt_date(sheet.archived_on)}"],
    )
    return render_pdf(content)


def _numbered(writer: PdfWriter) -> None:
    """Stamp the page number (bottom right, as a dossier is paginated by hand) on every page."""
    font, total = pdf_font(), len(writer.pages)
    buf = io.BytesIO()
    canvas = Canvas(buf, pagesize=(PAGE_WIDTH, PAGE_HEIGHT), invariant=1, initialFontName=font)
    for n in range(1, total + 1):
        canvas.setFont(font, 10)
        canvas.drawRightString(PAGE_WIDTH - 36, 24, f"第 {n} 页")
        canvas.showPage()
    canvas.save()
    stamps = PdfReader(io.BytesIO(buf.getvalue())).pages
    for page, stamp in zip(writer.pages, stamps, strict=True):
        page.merge_page(stamp)


def assemble(
    cover: bytes, parts: list[ArchivePart], archive_no: str, sheet: RemarksSheet
) -> AssembledDossier:
    """Cover, contents, remarks and ``parts`` (already in filing order) as one paginated, bookmarked PDF.

    The contents' length depends on its own page ranges only through its page count, so it is laid out
    again until that count is stable (one extra pass at most in practice)."""
    contents_pages = 1
    while True:
        front = page_count(cover) + contents_pages + 1  # the remarks sheet is one page
        rows = _contents_rows(parts, front + 1)
        contents = _contents_pdf(rows, archive_no)
        if page_count(contents) == contents_pages:
            break
        contents_pages = page_count(contents)
    total_pages = front + sum(r.last_page - r.first_page + 1 for r in rows)
    remarks = _remarks_pdf(sheet, len(parts), total_pages)
    if page_count(remarks) != 1:
        raise ValueError("the remarks sheet must fit on one page")
    writer = PdfWriter()
    for title, pdf in (("卷宗封面", cover), ("卷内目录", contents), ("备考表", remarks)):
        start = len(writer.pages)
        writer.append(PdfReader(io.BytesIO(pdf)))
        writer.add_outline_item(title=title, page_number=start)
    for row, part in zip(rows, parts, strict=True):
        writer.append(PdfReader(io.BytesIO(part.pdf)))
        writer.add_outline_item(title=f"{row.seq} {part.title}", page_number=row.first_page - 1)
    _numbered(writer)
    writer.add_metadata({"/Title": f"{archive_no} 卷宗", "/Creator": "zhifa"})
    out = io.BytesIO()
    writer.write(out)
    return AssembledDossier(out.getvalue(), rows, front)
