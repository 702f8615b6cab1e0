"""Enforcement documents (执法文书): content from a case, rendered to PDF, DOCX and scanned PNG.

Used by the demo-world generator (dossier files) and the case-capture API (one-click documents)::

    doc = build_document("penalty_decision", ctx, doc_no=document_number("乐烟", "罚", 2024, 12),
                         issued_at=date(2024, 3, 5))
    pdf, docx, png = render_pdf(doc), render_docx(doc), render_scan_png(doc, seed=7)
"""

from zhifa.documents.doctypes import DocType, cover_number, doc_types, document_number, lookup
from zhifa.documents.model import CaseContext, DocumentContent, GoodsLine
from zhifa.documents.render import render_docx, render_pdf, render_scan_png
from zhifa.documents.templates import build_document

__all__ = [
    "CaseContext",
    "DocType",
    "DocumentContent",
    "GoodsLine",
    "build_document",
    "cover_number",
    "doc_types",
    "document_number",
    "lookup",
    "render_docx",
    "render_pdf",
    "render_scan_png",
]
