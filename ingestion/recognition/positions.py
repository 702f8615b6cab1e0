"""Where a line of a document stands on its page: page number and a box in page-relative units.

A box is ``x, y, w, h`` as fractions of the page's width and height, measured from the page's top-left
corner, so a viewer draws it at any zoom. The text layer of a PDF gives each line's box from its text
operators (the same grouping of operators into lines as pypdf's layout mode, so the n-th line printed is
the n-th group); OCR gives the union of the recogniser's boxes on a row. A DOCX has no pages until Word
lays it out, so its lines have no box.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class PageBox:
    page: int  # 1-based
    x: float
    y: float
    w: float
    h: float

    def as_json(self) -> dict[str, float]:
        return {"x": round(self.x, 4), "y": round(self.y, 4), "w": round(self.w, 4), "h": round(self.h, 4)}


def relative_box(
    page: int, x0: float, y0: float, x1: float, y1: float, width: float, height: float
) -> PageBox:
    """The box (x0, y0)–(x1, y1), top-left origin, of a page ``width`` × ``height``, clipped to the page."""
    left, right = sorted((min(max(x0 / width, 0.0), 1.0), min(max(x1 / width, 0.0), 1.0)))
    top, bottom = sorted((min(max(y0 / height, 0.0), 1.0), min(max(y1 / height, 0.0), 1.0)))
    return PageBox(page, left, top, right - left, bottom - top)


def pdf_line_boxes(page: Any, number: int, lines: list[str]) -> list[PageBox | None]:
    """A box for each of ``lines`` (the page's non-blank layout-mode lines, in order), or None for all of
    them when the page's text operators do not group into exactly those lines (nothing is guessed)."""
    try:
        groups, min_x = _text_groups(page)
    except Exception:  # a font or operator pypdf's layout code cannot follow: no positions, text still read
        logging.getLogger(__name__).debug("no text positions on page %s", number, exc_info=True)
        return [None] * len(lines)
    if len(groups) != len(lines):
        return [None] * len(lines)
    box = page.mediabox
    left, bottom = float(box.left), float(box.bottom)
    width, height = float(box.width), float(box.height)
    out: list[PageBox | None] = []
    for group in groups:
        x0 = min(g["tx"] for g in group) + min_x - left
        x1 = max(g["displaced_tx"] for g in group) + min_x - left
        base = min(g["ty"] for g in group) - bottom
        size = max(g["font_height"] for g in group)
        # ty is the baseline; a CJK glyph reaches about one font height above it and a fifth below
        out.append(
            relative_box(number, x0, height - base - size, x1, height - base + 0.2 * size, width, height)
        )
    return out


def _text_groups(page: Any) -> tuple[list[list[Any]], float]:
    """The page's text operators grouped into lines exactly as pypdf's layout mode groups them (blank lines
    left out), and the x that layout mode subtracted from every operator (it left-aligns the page)."""
    from pypdf._text_extraction import _layout_mode
    from pypdf._text_extraction._layout_mode._fixed_width_page import (
        recurse_to_target_op,
        set_font_operation,
    )
    from pypdf._text_extraction._layout_mode._text_state_manager import TextStateManager
    from pypdf.generic import ArrayObject, ContentStream, StreamObject

    if page.get("/Rotate", 0) or "/Contents" not in page:
        return [], 0.0
    contents = page["/Contents"].get_object()
    if not isinstance(contents, (ArrayObject, StreamObject)):
        return [], 0.0
    fonts = page._layout_mode_fonts()
    ops = iter(ContentStream(contents, page.pdf, "bytes").operations)
    # pypdf's text_show_operations, less its warnings: it does not say by how much it shifted the page
    state = TextStateManager()
    bt_groups: list[Any] = []
    for operands, op in ops:
        if op in (b"BT", b"q"):
            bt_groups += recurse_to_target_op(ops, state, b"ET" if op == b"BT" else b"Q", fonts, True)[0]
        elif op == b"Tf":
            set_font_operation(state, fonts, operands)
        else:
            state.set_state_param(op, operands)
    if not bt_groups:
        return [], 0.0
    min_x = min(g["tx"] for g in bt_groups)
    shifted = [
        dict(g, tx=g["tx"] - min_x, displaced_tx=g["displaced_tx"] - min_x)
        for g in sorted(bt_groups, key=lambda g: (g["ty"] * g["flip_sort"], -g["tx"]), reverse=True)
    ]
    groups = _layout_mode.y_coordinate_groups(shifted, None).values()  # type: ignore[arg-type]
    return [group for group in groups if "".join(g["text"] for g in group).strip()], min_x
