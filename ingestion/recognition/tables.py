"""Goods tables: rows of 核价表, 物品清单 and the like, and their total row.

Rows are numbered in reading order in the field name: ``goods.2.barcode`` … (see
:mod:`ingestion.recognition.fields`); officers are read by :mod:`ingestion.recognition.officers`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher

from ingestion.recognition.labels import CELL_SPLIT, GOODS_PREFIX, Labels
from ingestion.recognition.lines import Line
from ingestion.recognition.normalise import fold, parse_number

CONFIDENCE_GOODS_ROW = 0.95
HEADER_SIMILARITY = 0.75  # a header cell this close to a column word names that column
MIN_HEADER_COLUMNS = 3
# the columns ref_field_labels names as goods.<column>; ``total`` is the word opening the total row
GOODS_COLUMNS = ("line_no", "barcode", "spec", "unit", "quantity", "unit_price", "subtotal", "total")

_INT = re.compile(r"^\d{1,3}$")
_BARCODE = re.compile(r"^\d{8,14}$")
_NUM = re.compile(r"^\d+(?:\.\d+)?$")
_MONEY = re.compile(r"^\d+\.\d\d$")  # prices and amounts print two decimals; quantities drop trailing 0s
_MAX_HEADER_CELL = 12
_UNIT_CHARS = 3  # 条, 盒, 千克: the unit column's cell
_TOTAL = "合计"


@dataclass(frozen=True)
class GoodsRow:
    line_no: int
    line_no_read: bool  # False: OCR missed the printed number; it is taken as the previous one + 1
    in_sequence: bool  # the number follows the previous row's
    barcode: str | None
    spec: str
    quantity: float | None
    unit_price: float | None
    subtotal: float | None
    line: Line


def find_goods(lines: list[Line], labels: Labels) -> tuple[list[GoodsRow], GoodsRow | None]:
    """Rows of the goods table and its total row, if any.

    The header is the first line naming at least three columns (ref_field_labels ``goods.*``: 序号, 品种规格,
    单位, 数量, 单价, 金额 …, compared by similarity); a second header line right under it (价格 over
    单价 / 金额) adds its columns.
    """
    words = {
        name.removeprefix(GOODS_PREFIX): printed
        for name, printed in labels.by_field.items()
        if name.startswith(GOODS_PREFIX)
    }
    totals = tuple(_squash(w) for w in words.pop("total", ()))
    start = next(
        (k for k, line in enumerate(lines) if len(_columns(line, words)) >= MIN_HEADER_COLUMNS), None
    )
    if start is None:
        return [], None
    columns = _columns(lines[start], words)
    header_end = start + 1
    while header_end < len(lines) and not re.search(r"\d", lines[header_end].folded):
        more = _columns(lines[header_end], words)
        if not more:
            break
        columns |= more
        header_end += 1
    with_prices = bool(columns & {"unit_price", "subtotal"})
    rows: list[GoodsRow] = []
    total = None
    for line in lines[header_end:]:
        tokens = line.folded.replace("\t", " ").split()
        if not tokens or len(_columns(line, words)) >= MIN_HEADER_COLUMNS:
            continue  # the header repeated on the next page
        if _squash(line.folded).startswith(totals or (_TOTAL,)):
            total = _total(tokens, line, with_prices)
            break
        row = _row(tokens, line, with_prices, "unit" in columns, rows[-1].line_no + 1 if rows else 1)
        if row is None:
            if rows:  # the table has ended without a total row
                break
            continue
        rows.append(row)
    return rows, total


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _columns(line: Line, words: dict[str, tuple[str, ...]]) -> set[str]:
    """The goods columns the cells of ``line`` name; none when a cell is too long to be a header."""
    cells = [_squash(c) for c in CELL_SPLIT.split(line.folded) if c.strip()]
    if len(cells) == 1:  # a PDF text layer may join narrow header cells with single blanks
        cells = line.folded.split()
    if not cells or any(len(c) > _MAX_HEADER_CELL for c in cells):
        return set()
    found = set()
    for cell in cells:
        bare = re.sub(r"\(.*?\)", "", cell) or cell  # 数量（条）, 单价（元）
        for column, names in words.items():
            if any(_similar(bare, fold(_squash(n))) for n in names):
                found.add(column)
    return found


def _similar(cell: str, word: str) -> bool:
    return word in cell or SequenceMatcher(None, cell, word).ratio() >= HEADER_SIMILARITY


def _row(tokens: list[str], line: Line, with_prices: bool, has_unit: bool, next_no: int) -> GoodsRow | None:
    if _INT.match(tokens[0]):
        line_no, read, rest = int(tokens[0]), True, tokens[1:]
    elif _BARCODE.match(tokens[0]):  # a lone digit is the box OCR most often misses
        line_no, read, rest = next_no, False, tokens
    else:
        return None
    if len(rest) < 2:
        return None
    barcode = rest.pop(0) if _BARCODE.match(rest[0]) else None
    tail: list[str] = []
    want = 3 if with_prices else 1
    while rest and len(tail) < want and _NUM.match(rest[-1]):
        tail.insert(0, rest.pop())
    if has_unit and len(rest) > 1 and len(rest[-1]) <= _UNIT_CHARS and not re.search(r"\d", rest[-1]):
        rest.pop()  # the unit column (条) between the name and the quantity
    if not rest or not tail:
        return None
    quantity, price, subtotal = _tail_values(tail, with_prices)
    spec = _original(line, " ".join(rest))
    return GoodsRow(line_no, read, line_no == next_no, barcode, spec, quantity, price, subtotal, line)


def _tail_values(tail: list[str], with_prices: bool) -> tuple[float | None, float | None, float | None]:
    """(quantity, unit price, subtotal) from the numbers ending a row; a value OCR lost stays ``None``."""
    numbers = [parse_number(t) for t in tail]
    if not with_prices:
        return numbers[0], None, None
    if len(numbers) == 3:
        return numbers[0], numbers[1], numbers[2]
    if len(numbers) == 2:
        if _MONEY.match(tail[0]) and _MONEY.match(tail[1]):
            return None, numbers[0], numbers[1]  # the quantity is missing
        return numbers[0], None, numbers[1]  # the price is missing
    return (None, None, numbers[0]) if _MONEY.match(tail[0]) else (numbers[0], None, None)


def _total(tokens: list[str], line: Line, with_prices: bool) -> GoodsRow:
    numbers = [parse_number(t) for t in tokens[1:] if _NUM.match(t)]
    quantity = numbers[0] if numbers else None
    subtotal = numbers[-1] if with_prices and len(numbers) >= 2 else None
    return GoodsRow(0, True, True, None, _TOTAL, quantity, None, subtotal, line)


def _original(line: Line, folded_part: str) -> str:
    """The spec name in the spelling the document printed (brackets as OCR or the text layer gave them)."""
    at = line.folded.find(folded_part)
    return line.raw[at : at + len(folded_part)] if at >= 0 else folded_part
