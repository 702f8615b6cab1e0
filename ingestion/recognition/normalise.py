"""OCR-tolerant reading of the values documents print: folding, dates, amounts, document numbers.

:func:`fold` maps each character to one character, so a match found in folded text can be sliced out of
the original text at the same positions (values keep the spelling the document printed).
"""

from __future__ import annotations

import re
from datetime import date

# full-width ASCII forms (：（）０-９ …) → ASCII, ideographic space → space; other OCR look-alikes of
# the characters labels and numbers are made of. Every entry maps one character to one character.
_FOLD = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}
_FOLD.update({0x3000: 0x20, 0xA0: 0x20, ord("﹕"): ord(":"), ord("∶"): ord(":"), ord("︰"): ord(":")})
_FOLD.update({ord(c): ord("-") for c in "—–－‐‑﹣"})

OPEN_BRACKETS = "〔[【(（{［〖「<《"
CLOSE_BRACKETS = "〕]】)）}］〗」>》"
_OPEN = re.escape(OPEN_BRACKETS)
_CLOSE = re.escape(CLOSE_BRACKETS)

# 2024年3月5日 — OCR sometimes reads 日 as 曰 or 目
DATE_RE = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*[日曰目]")
AMOUNT_RE = re.compile(r"(\d[\d,]*(?:\.\d+)?)\s*元")
# 乐烟立〔2024〕第12号 / 乐烟送〔2024〕第12-3号; brackets as OCR reads them, or lost altogether
DOC_NO_RE = re.compile(
    rf"(?P<prefix>[\u4e00-\u9fff]{{1,8}})\s*[{_OPEN}]?\s*(?P<year>\d{{4}})\s*[{_CLOSE}]?\s*"
    r"第?\s*(?P<num>\d+(?:\s*-\s*\d+)?)\s*号"
)
# 2024年度乐烟第12号
COVER_NO_RE = re.compile(r"(?P<year>\d{4})\s*年度\s*(?P<abbr>[\u4e00-\u9fff]{1,6}?)\s*第\s*(?P<num>\d+)\s*号")


def fold(text: str) -> str:
    """Same length as ``text``: full-width forms to ASCII, dash and colon variants unified."""
    return text.translate(_FOLD)


def parse_date(text: str) -> date | None:
    """The first valid ``2024年3月5日`` in ``text`` (folded first); ``None`` if there is none."""
    for m in DATE_RE.finditer(fold(text)):
        try:
            return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError:
            continue
    return None


def parse_amount(text: str) -> float | None:
    """``1,234.50元`` → 1234.5; ``None`` when no amount in yuan is written."""
    m = AMOUNT_RE.search(fold(text))
    return None if m is None else parse_number(m.group(1))


def parse_number(text: str) -> float | None:
    try:
        return float(fold(text).replace(",", "").strip())
    except ValueError:
        return None


def format_amount(value: float) -> str:
    """The canonical text of a yuan amount in ``document_fields``: two decimals, no unit."""
    return f"{value:.2f}"


def format_number(value: float) -> str:
    """Quantities: 10, 2.5."""
    return f"{value:.3f}".rstrip("0").rstrip(".")


def canonical_doc_no(text: str) -> str | None:
    """The document number in ``text`` in its canonical form 乐烟立〔2024〕第12号, else ``None``."""
    m = DOC_NO_RE.search(fold(text))
    if m is None:
        return None
    num = re.sub(r"\s+", "", m.group("num"))
    return f"{m.group('prefix')}〔{m.group('year')}〕第{num}号"


def canonical_cover_no(text: str) -> str:
    """2024年度乐烟第12号 when the text has that shape; otherwise the text as printed, spaces removed
    (a malformed cover number is evidence for the review, not something to repair)."""
    compact = re.sub(r"\s+", "", fold(text))
    m = COVER_NO_RE.search(compact)
    if m is None:
        return compact
    return f"{m.group('year')}年度{m.group('abbr')}第{m.group('num')}号"
