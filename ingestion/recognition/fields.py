"""Fields of a recognised document, each with a confidence (pattern certainty × OCR score of its line).

Field names (one row each in ``document_fields``; values are text):

- ``title``, ``doc_no`` (canonical 乐烟立〔2024〕第12号; on the cover the 卷宗编号), ``cover_no``,
  ``case_no``, ``issued_on`` (ISO date printed at the foot), ``party_name``, ``party_type``,
  ``licence_no``, ``cause``, ``legal_basis``, ``result``, ``retention``
- dates (ISO): ``discovered_on``, ``inspection_on``, ``inquiry_on``, ``filed_on``, ``decided_on``,
  ``closed_on``, ``served_on``, ``handler_opinion_on``, ``dept_opinion_on``, ``legal_review_on``,
  ``head_opinion_on``
- amounts (yuan, two decimals): ``fine_amount``, ``total_value``
- time limits stated: ``payment_days``, ``reconsideration_days``, ``litigation_months``
- ``officer.N.name`` / ``officer.N.certificate`` / ``officer.N.role``, ``officer_count``, ``signature_count``
- ``goods.N.line_no`` / ``.barcode`` / ``.spec`` / ``.quantity`` / ``.unit_price`` / ``.subtotal``,
  ``goods_count``, ``goods_total_quantity``, ``goods_total_value``
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ingestion.recognition.lines import Found, Line, labelled_values, split_lines
from ingestion.recognition.normalise import (
    DATE_RE,
    DOC_NO_RE,
    canonical_cover_no,
    canonical_doc_no,
    format_amount,
    format_number,
    parse_amount,
    parse_date,
)
from ingestion.recognition.tables import CONFIDENCE_GOODS_ROW, GoodsRow, find_goods, find_officers

CONFIDENCE_LABELLED = 0.99
CONFIDENCE_UNLABELLED = 0.6  # a value found by its shape, without its label
CONFIDENCE_FALLBACK = 0.5
CONFIDENCE_GUESSED = 0.3  # not read, inferred (a goods line number OCR missed)
OUT_OF_SEQUENCE_FACTOR = 0.5
TOP_LINES_FOR_NUMBER = 5

# printed label → field; the labels are the document forms' own words (zhifa.documents.templates)
TEXT_LABELS = {
    "案由": "cause",
    "当事人": "party_name",
    "当事人类型": "party_type",
    "许可证号": "licence_no",
    "法律依据": "legal_basis",
    "处理结果": "result",
    "保管期限": "retention",
}
SINGLE_TOKEN = {"cause", "party_name", "party_type", "licence_no", "retention"}
DATE_LABELS = {
    "发现时间": "discovered_on",
    "检查时间": "inspection_on",
    "询问时间": "inquiry_on",
    "立案日期": "filed_on",
    "处罚决定日期": "decided_on",
    "结案日期": "closed_on",
    "送达时间": "served_on",
}
OPINION_LABELS = {
    "承办人意见": "handler_opinion_on",
    "承办部门意见": "dept_opinion_on",
    "法制审核意见": "legal_review_on",
    "负责人意见": "head_opinion_on",
}
AMOUNT_LABELS = {"罚款金额": "fine_amount", "合计金额": "total_value", "案值": "total_value"}
# a fine written inside a sentence: 处罚决定：罚款690.43元；…
FINE_IN_TEXT = re.compile(r"罚款\s*(\d[\d,]*(?:\.\d+)?)\s*元")
LIMITS = {
    "payment_days": re.compile(r"(\d+)\s*日内将罚款缴"),
    "reconsideration_days": re.compile(r"(\d+)\s*日内申请行政复议"),
    "litigation_months": re.compile(r"(\d+)\s*个月内依法向人民法院提起行政诉讼"),
}
_DATE_ONLY = re.compile(rf"^\s*{DATE_RE.pattern}\s*$")


@dataclass(frozen=True)
class Field:
    name: str
    value: str
    confidence: float


def extract_fields(text: str, doc_type: str | None, line_scores: list[float] | None = None) -> list[Field]:
    """Every field found in ``text``; ``line_scores`` (OCR, one per line of ``text``) scale confidences.

    ``doc_type`` (``None`` when unknown) decides the fields only one type carries: ``cover_no``.
    """
    lines = split_lines(text, line_scores)
    out: list[Field] = []

    def put(name: str, found: Found | None) -> None:
        if found is not None and found.value != "":
            out.append(Field(name, found.value, found.confidence))

    if lines:
        put("title", Found(lines[0].raw, lines[0], CONFIDENCE_LABELLED))
    cover = _first(lines, "卷宗编号")
    if cover is not None:
        value = canonical_cover_no(cover.value)
        put("doc_no", Found(value, cover.line, cover.base))
        if doc_type in ("cover", None):
            put("cover_no", Found(value, cover.line, cover.base))
    else:
        put("doc_no", _doc_no(lines))
    case_no = _first(lines, "案件编号")
    if case_no is not None:
        put("case_no", Found(canonical_doc_no(case_no.value) or case_no.value, case_no.line, case_no.base))
    put("issued_on", _issued_on(lines))
    for label, name in TEXT_LABELS.items():
        found = _first(lines, label)
        if found is not None and name in SINGLE_TOKEN:
            found = Found((found.value.split() or [""])[0], found.line, found.base)
        put(name, found)
    for label, name in DATE_LABELS.items():
        put(name, _as_date(_first(lines, label)))
    for label, name in OPINION_LABELS.items():
        put(name, _opinion_date(lines, label))
    amounts: dict[str, Found] = {}
    for label, name in AMOUNT_LABELS.items():
        found = _as_amount(_first(lines, label))
        if found is not None and name not in amounts:
            amounts[name] = found
    if "fine_amount" not in amounts:
        found = _search(lines, FINE_IN_TEXT, CONFIDENCE_UNLABELLED)
        if found is not None:
            amounts["fine_amount"] = Found(_amount_text(found.value), found.line, found.base)
    for name, found in amounts.items():
        put(name, found)
    for name, pattern in LIMITS.items():
        put(name, _search(lines, pattern, CONFIDENCE_LABELLED))
    out += _officer_fields(lines)
    out += _goods_fields(lines)
    return out


def _first(lines: list[Line], label: str) -> Found | None:
    values = labelled_values(lines, label)
    if not values:
        return None
    value, line = values[0]
    return Found(value, line, CONFIDENCE_LABELLED)


def _search(lines: list[Line], pattern: re.Pattern[str], base: float) -> Found | None:
    for line in lines:
        m = pattern.search(line.folded)
        if m is not None:
            return Found(m.group(1), line, base)
    return None


def _doc_no(lines: list[Line]) -> Found | None:
    found = _first(lines, "文书编号")
    if found is not None:
        canonical = canonical_doc_no(found.value)
        return Found(canonical, found.line, found.base) if canonical else Found(found.value, found.line, 0.5)
    for line in lines[:TOP_LINES_FOR_NUMBER]:  # a number printed under the title without its label
        if "编号" in line.folded and "文书编号" not in line.folded:
            continue  # 案件编号 and the like name another document
        if DOC_NO_RE.search(line.folded):
            return Found(canonical_doc_no(line.folded) or "", line, CONFIDENCE_UNLABELLED)
    return None


def _issued_on(lines: list[Line]) -> Found | None:
    """The date standing alone on a line, last in the document (under the signatures and the seal)."""
    for line in reversed(lines):
        if _DATE_ONLY.match(line.folded):
            day = parse_date(line.folded)
            if day is not None:
                return Found(day.isoformat(), line, CONFIDENCE_LABELLED)
    for line in reversed(lines):
        day = parse_date(line.folded)
        if day is not None:
            return Found(day.isoformat(), line, CONFIDENCE_FALLBACK)
    return None


def _as_date(found: Found | None) -> Found | None:
    if found is None:
        return None
    day = parse_date(found.value)
    return None if day is None else Found(day.isoformat(), found.line, found.base)


def _opinion_date(lines: list[Line], label: str) -> Found | None:
    """承办人意见：建议立案调查 签名：张三 日期：2024年3月5日 → the date."""
    found = _first(lines, label)
    if found is None:
        return None
    _, _, after = found.value.replace("：", ":").rpartition("日期")
    return _as_date(Found(after, found.line, found.base))


def _as_amount(found: Found | None) -> Found | None:
    if found is None:
        return None
    value = parse_amount(found.value)
    return None if value is None else Found(format_amount(value), found.line, found.base)


def _amount_text(text: str) -> str:
    value = parse_amount(f"{text}元")
    return "" if value is None else format_amount(value)


def _officer_fields(lines: list[Line]) -> list[Field]:
    officers, signatures = find_officers(lines)
    out = []
    for n, officer in enumerate(officers, start=1):
        out.append(Field(f"officer.{n}.name", officer.name.value, officer.name.confidence))
        cert = officer.certificate
        out.append(Field(f"officer.{n}.certificate", cert.value, cert.confidence))
        if officer.role:
            out.append(Field(f"officer.{n}.role", officer.role, officer.name.confidence))
    if lines:
        out.append(Field("officer_count", str(len(officers)), _mean_confidence(out)))
        out.append(Field("signature_count", str(signatures), _mean_confidence(out)))
    return out


def _goods_fields(lines: list[Line]) -> list[Field]:
    rows, total = find_goods(lines)
    out = []
    for n, row in enumerate(rows, start=1):
        conf = round(CONFIDENCE_GOODS_ROW * row.line.score, 3)
        values = {
            "line_no": str(row.line_no),
            "barcode": row.barcode,
            "spec": row.spec,
            "quantity": None if row.quantity is None else format_number(row.quantity),
            "unit_price": None if row.unit_price is None else format_amount(row.unit_price),
            "subtotal": None if row.subtotal is None else format_amount(row.subtotal),
        }
        for key, value in values.items():
            if value is not None:
                out.append(
                    Field(
                        f"goods.{n}.{key}",
                        value,
                        _line_no_confidence(row, conf) if key == "line_no" else conf,
                    )
                )
    if rows or total:
        out.append(Field("goods_count", str(len(rows)), _mean_confidence(out) if out else 0.9))
    if total is not None:
        conf = round(CONFIDENCE_GOODS_ROW * total.line.score, 3)
        if total.quantity is not None:
            out.append(Field("goods_total_quantity", format_number(total.quantity), conf))
        if total.subtotal is not None:
            out.append(Field("goods_total_value", format_amount(total.subtotal), conf))
    return out


def _line_no_confidence(row: GoodsRow, conf: float) -> float:
    if not row.line_no_read:
        return CONFIDENCE_GUESSED
    if not row.in_sequence and row.line.score < 1.0:
        # OCR misreads lone digits (7 → 1); a scan's broken numbering needs a human to confirm
        return round(conf * OUT_OF_SEQUENCE_FACTOR, 3)
    return conf


def _mean_confidence(fields: list[Field]) -> float:
    return round(sum(f.confidence for f in fields) / len(fields), 3) if fields else 0.9
