"""Repeated parts of a document: officers with certificate numbers, signature lines, goods table rows.

Repeated values are numbered in reading order in the field name: ``officer.1.name``,
``officer.1.certificate``, ``goods.2.barcode`` … (see :mod:`ingestion.recognition.fields`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ingestion.recognition.lines import Found, Line
from ingestion.recognition.normalise import parse_number

CONFIDENCE_SIGNATURE = 0.98
CONFIDENCE_LISTED = 0.95
CONFIDENCE_GOODS_ROW = 0.95

_NAME = r"[\u4e00-\u9fff·]{2,5}?"
_CERT = r"\s*执法证号\s*[:;]\s*(?P<cert>\d{6,20})"
# 核价人：张三 执法证号：41010120190053 — a signature line (OCR may drop the space)
SIGNATURE_RE = re.compile(rf"(?P<role>[\u4e00-\u9fff]{{2,6}})\s*[:;]\s*(?P<name>{_NAME}){_CERT}")
# 张三（执法证号：41010120190053） — officers listed in a field
LISTED_RE = re.compile(rf"(?P<name>{_NAME})\s*\({_CERT}\s*\)?")

_INT = re.compile(r"^\d{1,3}$")
_BARCODE = re.compile(r"^\d{8,14}$")
_NUM = re.compile(r"^\d+(?:\.\d+)?$")
_MONEY = re.compile(r"^\d+\.\d\d$")  # prices and amounts print two decimals; quantities drop trailing 0s
_HEADER_WORDS = ("序号", "品牌规格", "条码")
_TOTAL_WORD = "合计"


@dataclass(frozen=True)
class Officer:
    name: Found
    certificate: Found
    role: str | None


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


def find_officers(lines: list[Line]) -> tuple[list[Officer], int]:
    """Distinct officers (by certificate number, in order of appearance) and the signature-line count."""
    officers: dict[str, Officer] = {}
    signatures = 0
    for line in lines:
        for m in SIGNATURE_RE.finditer(line.folded):
            signatures += 1
            _add(officers, line, m, CONFIDENCE_SIGNATURE, m.group("role"))
        for m in LISTED_RE.finditer(line.folded):
            _add(officers, line, m, CONFIDENCE_LISTED, None)
    return list(officers.values()), signatures


def _add(officers: dict[str, Officer], line: Line, m: re.Match[str], base: float, role: str | None) -> None:
    cert = m.group("cert")
    if cert in officers:
        return
    name = line.raw[m.start("name") : m.end("name")]
    officers[cert] = Officer(Found(name, line, base), Found(cert, line, base), role)


def find_goods(lines: list[Line]) -> tuple[list[GoodsRow], GoodsRow | None]:
    """Rows of the goods table (序号 条码 品牌规格 数量 [单价 金额]) and its 合计 row, if any."""
    start = next((k for k, line in enumerate(lines) if _is_header(line)), None)
    if start is None:
        return [], None
    with_prices = "单价" in lines[start].folded or "金额" in lines[start].folded
    rows: list[GoodsRow] = []
    total = None
    for line in lines[start + 1 :]:
        tokens = line.folded.replace("\t", " ").split()
        if not tokens or _is_header(line):
            continue
        if tokens[0].startswith(_TOTAL_WORD):
            total = _total(tokens, line, with_prices)
            break
        row = _row(tokens, line, with_prices, rows[-1].line_no + 1 if rows else 1)
        if row is None:
            if rows:  # the table has ended without a 合计 row
                break
            continue
        rows.append(row)
    return rows, total


def _is_header(line: Line) -> bool:
    return sum(word in line.folded for word in _HEADER_WORDS) >= 2


def _row(tokens: list[str], line: Line, with_prices: bool, next_no: int) -> GoodsRow | None:
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
    return GoodsRow(0, True, True, None, _TOTAL_WORD, quantity, None, subtotal, line)


def _original(line: Line, folded_part: str) -> str:
    """The spec name in the spelling the document printed (brackets as OCR or the text layer gave them)."""
    at = line.folded.find(folded_part)
    return line.raw[at : at + len(folded_part)] if at >= 0 else folded_part
