"""Where a recognised field was read — page, line, position, source text — for the side-by-side review.

A field finder may say where it read a value (attributes ``page``, ``line`` — an index or a
:class:`~ingestion.recognition.lines.Line` — ``bbox`` and ``source`` on the field); what it does not say
is looked up here in the document's text: the line holding the value as printed (a date as 2024年3月5日, an
amount as 480.00元, a number as a whole token), preferring a line with one of the field's own labels.
Values the finders compute (officer counts, line checks) have no single line and stay without one. A
position (bbox: x, y, w, h as fractions of the page, top-left origin) is given only where the extractor
measured the line (a PDF's text layer, OCR; never a DOCX, which has no pages until Word lays it out); pages
only where measured or where the document has one page, never guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from ingestion.recognition.labels import load_labels
from ingestion.recognition.lines import Line, split_lines
from ingestion.recognition.normalise import AMOUNT_RE, DATE_RE, fold, parse_number
from ingestion.recognition.positions import PageBox

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True)
class LocatedField:
    field: str
    value: str
    confidence: float
    page: int | None  # 1-based
    line: int | None  # index of the line in the document's extracted text (0-based)
    bbox: PageBox | None  # the line's box on its page, where measured
    source_text: str | None  # the line as read

    def as_json(self) -> dict[str, Any]:
        return {
            "field": self.field,
            "value": self.value,
            "confidence": self.confidence,
            "page": self.page,
            "line": self.line,
            "bbox": self.bbox.as_json() if self.bbox is not None else None,
            "source_text": self.source_text,
        }


def _dates(text: str) -> set[str]:
    out = set()
    for m in DATE_RE.finditer(fold(text)):
        try:
            out.add(date(int(m.group(1)), int(m.group(2)), int(m.group(3))).isoformat())
        except ValueError:
            continue
    return out


def _holds(line: Line, value: str) -> bool:
    """The line prints ``value``: a date in words, an amount in yuan, a number as a token, or the text."""
    if _ISO_DATE.fullmatch(value):
        return value in _dates(line.raw)
    number = parse_number(value)
    if number is not None:
        amounts = {parse_number(m.group(1)) for m in AMOUNT_RE.finditer(line.folded)}
        tokens = {parse_number(t) for t in re.findall(r"\d[\d,]*(?:\.\d+)?", line.folded)}
        return number in amounts or number in tokens
    folded = fold(value).replace(" ", "")
    return len(folded) >= 2 and folded in line.folded.replace(" ", "")


def _line_of(field: Any, lines: list[Line], by_index: dict[int, Line]) -> Line | None:
    said = getattr(field, "line", None)
    if isinstance(said, Line):
        return said
    if isinstance(said, int):
        return by_index.get(said)
    value = str(field.value)
    if field.name == "title":
        return lines[0] if lines else None
    holding = [line for line in lines if _holds(line, value)]
    labels = list(load_labels().words(field.name))  # the printed labels of ref_field_labels.csv
    labelled = [line for line in holding if any(label in line.raw for label in labels)]
    found = labelled or holding
    return found[0] if found else None


def locate_fields(
    fields: list[Any], text: str, pages: int, line_boxes: list[PageBox | None] | None = None
) -> list[LocatedField]:
    """Each field with its page, line, position and source text (None where not known)."""
    lines = split_lines(text)
    by_index = {line.index: line for line in lines}
    out = []
    for f in fields:
        line = _line_of(f, lines, by_index)
        bbox = getattr(f, "bbox", None)
        if bbox is None and line is not None and line_boxes is not None and line.index < len(line_boxes):
            bbox = line_boxes[line.index]
        page = getattr(f, "page", None) or (bbox.page if bbox is not None else None)
        source = getattr(f, "source", None)
        out.append(
            LocatedField(
                field=f.name,
                value=str(f.value),
                confidence=float(f.confidence),
                page=int(page) if page is not None else (1 if pages == 1 and line is not None else None),
                line=line.index if line is not None else None,
                bbox=bbox,
                source_text=str(source) if source is not None else (line.raw if line is not None else None),
            )
        )
    return out
