"""Text of a dossier file: PDF text layer, DOCX paragraphs and tables, OCR for scans and image-only PDFs.

Whatever arrives — an encrypted PDF, a password-protected or damaged Word file, random bytes — the result
is an :class:`ExtractedText` whose ``errors`` say what went wrong in Chinese and English; no exception
leaves :func:`extract_text`.
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from PIL import Image, ImageOps, UnidentifiedImageError

from ingestion.recognition.ocr import OcrLine, ocr_page
from ingestion.recognition.positions import PageBox, pdf_line_boxes
from ingestion.recognition.sniff import is_encrypted_office, sniff

Source = Literal["text_layer", "docx", "ocr", "none"]
# a page with fewer characters than this in its text layer is treated as a scan
MIN_TEXT_LAYER_CHARS = 8
MIN_EMBEDDED_IMAGE_PX = 200  # smaller embedded images are logos and seals, not page scans


@dataclass
class ExtractedText:
    text: str  # lines separated by "\n"; table cells separated by spaces or tabs
    source: Source
    pages: int
    errors: list[str] = field(default_factory=list)
    line_scores: list[float] | None = None  # per line of ``text`` when OCR'd (recognition score 0..1)
    # per line of ``text``: its page and box where measured (PDF text layer, OCR); None for a DOCX
    line_boxes: list[PageBox | None] | None = None

    @property
    def ok(self) -> bool:
        return not self.errors and bool(self.text.strip())


def _error(zh: str, en: str) -> str:
    return f"{zh} / {en}"


def _failed(message: str, pages: int = 0) -> ExtractedText:
    return ExtractedText("", "none", pages, [message])


def extract_text(data: bytes | str | Path, filename: str | None = None) -> ExtractedText:
    """Text of one file given as bytes or a path; ``filename`` only names the file in messages."""
    name = filename
    try:
        if isinstance(data, (str, Path)):
            name = name or Path(data).name
            data = Path(data).read_bytes()
        return _extract(data, name or "")
    except Exception as exc:  # a reader library failing on hostile input must not stop a dossier
        logging.getLogger(__name__).warning("recognition failed for %s", name, exc_info=True)
        reason = f"{type(exc).__name__}: {exc}"
        return _failed(_error(f"无法读取文件 {name}", f"cannot read file {name}: {reason}"))


def _extract(data: bytes, name: str) -> ExtractedText:
    kind = sniff(data)
    if kind == "pdf":
        return _pdf(data)
    if kind == "docx":
        return _docx(data)
    if kind == "image":
        return _image(data)
    if kind == "empty":
        return _failed(_error(f"空文件：{name}", f"empty file: {name}"))
    if kind == "ole" and is_encrypted_office(data):
        return _failed(
            _error(f"Word 文件有密码保护，请去除密码后上传：{name}", f"password-protected Word file: {name}")
        )
    if kind == "ole":
        return _failed(
            _error(
                f"旧版 Word（.doc）格式不支持，请另存为 .docx：{name}",
                f"legacy .doc format not supported, save as .docx: {name}",
            )
        )
    if kind == "zip" and name.lower().endswith(".docx"):
        return _failed(_error(f"Word 文件已损坏：{name}", f"damaged Word file: {name}"))
    return _failed(
        _error(
            f"不是可识别的文书文件（支持 PDF、DOCX、PNG、JPEG）：{name}",
            f"not a document file (PDF, DOCX, PNG, JPEG are read): {name}",
        )
    )


def _pdf(data: bytes) -> ExtractedText:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):  # an owner password alone does not stop reading
            return _failed(
                _error("PDF 已加密，请提供未加密的文件", "encrypted PDF: upload an unencrypted copy")
            )
        pages = list(reader.pages)
    except PdfReadError as exc:
        return _failed(_error("PDF 文件已损坏", f"damaged PDF: {exc}"))
    lines: list[str] = []
    scores: list[float] = []
    boxes: list[PageBox | None] = []
    errors: list[str] = []
    ocr_pages = 0
    for number, page in enumerate(pages, start=1):
        text = _page_text(page)
        if len(text.strip()) >= MIN_TEXT_LAYER_CHARS:
            page_lines = [line.strip() for line in text.splitlines() if line.strip()]
            lines += page_lines
            scores += [1.0] * len(page_lines)
            boxes += pdf_line_boxes(page, number, page_lines)
            continue
        scanned = _page_scan_lines(page)
        if scanned is None:
            errors.append(
                _error(f"第{number}页没有文字也没有图像", f"page {number} has neither text nor image")
            )
            continue
        ocr_pages += 1
        lines += [line.text for line in scanned]
        scores += [line.score for line in scanned]
        boxes += [_ocr_box(line, number) for line in scanned]  # the page's largest image taken as the page
    # a PDF counts as OCR'd when most of its pages were
    source: Source = "ocr" if ocr_pages * 2 > len(pages) else "text_layer"
    return ExtractedText("\n".join(lines), source, len(pages), errors, scores if ocr_pages else None, boxes)


def _ocr_box(line: OcrLine, page: int) -> PageBox | None:
    return PageBox(page, *line.box) if line.box is not None else None


def _page_text(page: Any) -> str:
    """The page's text layer; layout mode keeps table cells of one row on one line."""
    try:
        return page.extract_text(extraction_mode="layout") or ""
    except Exception:  # layout mode trips over some fonts; plain mode still reads them
        return page.extract_text() or ""


def _page_scan_lines(page: object) -> list[OcrLine] | None:
    """OCR of the largest image embedded in a page without a text layer."""
    images = []
    for embedded in getattr(page, "images", []):
        try:
            image = embedded.image
        except Exception:  # an image filter pypdf cannot decode: try the others
            continue
        if image is not None and min(image.size) >= MIN_EMBEDDED_IMAGE_PX:
            images.append(image)
    if not images:
        return None
    return ocr_page(max(images, key=lambda im: im.size[0] * im.size[1]))


def _docx(data: bytes) -> ExtractedText:
    from docx import Document

    try:
        document = Document(io.BytesIO(data))
    except Exception as exc:  # python-docx raises KeyError, ValueError, lxml errors … on damaged parts
        return _failed(_error("Word 文件已损坏", f"damaged Word file: {type(exc).__name__}"))
    lines = _docx_block(document.element.body, document)
    for number, section in enumerate(document.sections):
        # signatures and officers are often printed in the page footer
        footers = [section.footer]
        if section.different_first_page_header_footer:
            footers.insert(0, section.first_page_footer)
        for footer in footers:
            if number == 0 or not footer.is_linked_to_previous:
                lines += _docx_block(footer._element, footer)
    return ExtractedText("\n".join(line for line in lines if line), "docx", 1)


def _docx_block(element: Any, parent: Any) -> list[str]:
    """Lines of a body or footer: paragraphs, and table rows as cells joined by tabs. A merged cell is
    read once, in its first row and column (python-docx returns it again for every grid cell it covers)."""
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    lines: list[str] = []
    for child in element.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            lines.append(Paragraph(child, parent).text.strip())
        elif tag == "tbl":
            seen: dict[int, Any] = {}  # holds the elements, so that their ids stay theirs
            for row in Table(child, parent).rows:
                cells = []
                for cell in row.cells:
                    cells.append("" if id(cell._tc) in seen else cell.text.strip())
                    seen[id(cell._tc)] = cell._tc
                lines.append("\t".join(cells).strip())
    return lines


def _image(data: bytes) -> ExtractedText:
    try:
        image = Image.open(io.BytesIO(data))
        image.load()
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
        return _failed(_error("图像文件无法打开", f"cannot open image: {exc}"))
    lines = ocr_page(ImageOps.exif_transpose(image))  # phone photos store their orientation in EXIF
    if not lines:
        return ExtractedText("", "ocr", 1, [_error("图像中未识别到文字", "no text found on the image")])
    return ExtractedText(
        "\n".join(line.text for line in lines),
        "ocr",
        1,
        [],
        [line.score for line in lines],
        [_ocr_box(line, 1) for line in lines],
    )
