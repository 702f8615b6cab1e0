"""Page layout shared by the PDF and the scanned-image renderers.

A :class:`DocumentContent` becomes pages of positioned text and rules, in points from the top-left
corner of an A4 sheet; each renderer only draws them. Numbers, amounts and dates are never split
across lines, so a recogniser finds them whole.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from zhifa.documents.fonts import text_width
from zhifa.documents.model import DocumentContent
from zhifa.documents.text import fmt_date, labelled

PAGE_WIDTH, PAGE_HEIGHT = 595.28, 841.89  # A4 in points
MARGIN_X, MARGIN_TOP, MARGIN_BOTTOM = 64.0, 64.0, 56.0
TITLE_SIZE, TEXT_SIZE, TABLE_SIZE = 20.0, 11.0, 9.5
LINE_GAP = 1.65  # line height as a multiple of the font size
CELL_PAD = 3.0

# Unbreakable runs: Latin words and numbers with their unit (1234.50元, 10条, 2024年3月5日9时30分).
_TOKEN = re.compile(
    r"\d{4}年\d{1,2}月\d{1,2}日(?:\d{1,2}时\d{2}分)?"  # dates and times
    r"|\S{0,4}〔\d{4}〕第[\d-]+号"  # document numbers
    r"|[0-9A-Za-z.\-_/%+:]+[元条件支盒%]?"
    r"|.",
    re.S,
)
_NO_LINE_START = set("，。、；：？！）》〕」』”’%")

Anchor = Literal["left", "centre", "right"]


@dataclass(frozen=True)
class Text:
    x: float
    y: float  # baseline, from the top
    text: str
    size: float
    anchor: Anchor = "left"


@dataclass(frozen=True)
class Rule:
    x1: float
    y1: float
    x2: float
    y2: float


Page = list[Text | Rule]


def wrap(text: str, size: float, width: float, indent: float = 0.0) -> list[str]:
    """Greedy line breaking; punctuation never starts a line."""
    lines: list[str] = []
    line, used, limit = "", 0.0, width - indent
    for token in _TOKEN.findall(text):
        w = text_width(token, size)
        if line and used + w > limit and token[0] not in _NO_LINE_START:
            lines.append(line)
            line, used, limit = "", 0.0, width
        line += token
        used += w
    return [*lines, line] if line or not lines else lines


class _Flow:
    """Places lines top-down and starts a new page when the current one is full."""

    def __init__(self) -> None:
        self.pages: list[Page] = [[]]
        self.y = MARGIN_TOP

    def need(self, height: float) -> None:
        if self.y + height > PAGE_HEIGHT - MARGIN_BOTTOM and self.pages[-1]:
            self.pages.append([])
            self.y = MARGIN_TOP

    def line(self, text: str, size: float, anchor: Anchor = "left", x: float | None = None) -> None:
        height = size * LINE_GAP
        self.need(height)
        self.y += height
        if x is None:
            x = {"left": MARGIN_X, "centre": PAGE_WIDTH / 2, "right": PAGE_WIDTH - MARGIN_X}[anchor]
        self.pages[-1].append(Text(x, self.y, text, size, anchor))

    def paragraph(self, text: str, size: float, indent_chars: int = 0) -> None:
        indent = indent_chars * size
        for k, part in enumerate(wrap(text, size, PAGE_WIDTH - 2 * MARGIN_X, indent)):
            self.line(part, size, x=MARGIN_X + (indent if k == 0 else 0))

    def table(self, header: list[str], rows: list[list[str]]) -> None:
        widths = _column_widths([header, *rows], PAGE_WIDTH - 2 * MARGIN_X)
        for k, row in enumerate([header, *rows]):
            cells = [wrap(cell, TABLE_SIZE, w - 2 * CELL_PAD) for cell, w in zip(row, widths, strict=False)]
            box = TABLE_SIZE * LINE_GAP
            height = max(len(c) for c in cells) * box + CELL_PAD
            self.need(height)
            if k == 0 or not self.pages[-1] or self.y == MARGIN_TOP:
                self._rule(self.y)
            x = MARGIN_X
            for lines, w in zip(cells, widths, strict=False):
                for n, part in enumerate(lines):
                    baseline = self.y + CELL_PAD / 2 + n * box + box / 2 + TABLE_SIZE * 0.35
                    self.pages[-1].append(Text(x + CELL_PAD, baseline, part, TABLE_SIZE))
                self.pages[-1].append(Rule(x, self.y, x, self.y + height))
                x += w
            self.pages[-1].append(Rule(x, self.y, x, self.y + height))
            self.y += height
            self._rule(self.y)
        self.y += TEXT_SIZE * 0.5

    def _rule(self, y: float) -> None:
        self.pages[-1].append(Rule(MARGIN_X, y, PAGE_WIDTH - MARGIN_X, y))


def _column_widths(rows: list[list[str]], total: float) -> list[float]:
    """Natural widths scaled to the page; wide columns give way first."""
    n = max(len(r) for r in rows)
    natural = [
        max(text_width(r[c], TABLE_SIZE) if c < len(r) else 0.0 for r in rows) + 2 * CELL_PAD + 2
        for c in range(n)
    ]
    if sum(natural) <= total:
        extra = (total - sum(natural)) / n
        return [w + extra for w in natural]
    floor = total / n * 0.6
    shrinkable = sum(max(w - floor, 0.0) for w in natural)
    excess = sum(natural) - total
    return [w - (max(w - floor, 0.0) / shrinkable) * excess for w in natural]


def layout(doc: DocumentContent) -> list[Page]:
    """The pages of a document: title, number line, labelled fields, table, body, signatures, date."""
    flow = _Flow()
    flow.line(doc.title, TITLE_SIZE, "centre")
    if doc.doc_no and all(value != doc.doc_no for _, value in doc.fields):  # the cover shows it as a field
        flow.line(labelled("文书编号", doc.doc_no), TEXT_SIZE, "centre")
    flow.y += TEXT_SIZE * 0.5
    for label, value in doc.fields:
        flow.paragraph(labelled(label, value), TEXT_SIZE)
    if doc.table is not None:
        flow.y += TEXT_SIZE * 0.5
        flow.table(*doc.table)
    for text in doc.body:
        flow.paragraph(text, TEXT_SIZE, indent_chars=2)
    if doc.signatures:
        flow.y += TEXT_SIZE * 0.8
    for text in doc.signatures:
        flow.paragraph(text, TEXT_SIZE)
    if doc.issuer or doc.issued_at:
        flow.y += TEXT_SIZE
    if doc.issuer:
        flow.line(f"{doc.issuer}（印章）", TEXT_SIZE, "right")
    if doc.issued_at:
        flow.line(fmt_date(doc.issued_at), TEXT_SIZE, "right")
    return flow.pages
