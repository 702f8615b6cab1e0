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

from ingestion.recognition.labels import Labelled, Labels, labelled, load_labels, values_of
from ingestion.recognition.lines import Found, Line, split_lines
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
from ingestion.recognition.officers import find_officers
from ingestion.recognition.tables import CONFIDENCE_GOODS_ROW, GoodsRow, find_goods

CONFIDENCE_LABELLED = 0.99
CONFIDENCE_UNLABELLED = 0.6  # a value found by its shape, without its label
CONFIDENCE_FALLBACK = 0.5
CONFIDENCE_GUESSED = 0.3  # not read, inferred (a goods line number OCR missed)
OUT_OF_SEQUENCE_FACTOR = 0.5
TOP_LINES_FOR_NUMBER = 5

# the printed labels of every field are in ref_field_labels.csv (ingestion.recognition.labels)
TEXT_FIELDS = ("cause", "party_name", "party_type", "licence_no", "legal_basis", "result", "retention")
SINGLE_TOKEN = {"cause", "party_name", "party_type", "licence_no", "retention"}
DATE_FIELDS = (
    "discovered_on",
    "inspection_on",
    "inquiry_on",
    "filed_on",
    "decided_on",
    "closed_on",
    "served_on",
)
OPINION_FIELDS = ("handler_opinion_on", "dept_opinion_on", "legal_review_on", "head_opinion_on")
AMOUNT_FIELDS = ("fine_amount", "total_value")
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


def extract_fields(
    text: str,
    doc_type: str | None,
    line_scores: list[float] | None = None,
    labels: Labels | None = None,
) -> list[Field]:
    """Every field found in ``text``; ``line_scores`` (OCR, one per line of ``text``) scale confidences.

    ``doc_type`` (``None`` when unknown) decides the fields only one type carries: ``cover_no``.
    ``labels``: the printed labels of the fields (default: the seed ``ref_field_labels.csv``).
    """
    labels = labels or load_labels()
    lines = split_lines(text, line_scores)
    found = labelled(lines, labels)
    out: list[Field] = []

    def put(name: str, item: Found | None) -> None:
        if item is not None and item.value != "":
            out.append(Field(name, item.value, item.confidence))

    if lines:
        put("title", Found(lines[0].raw, lines[0], CONFIDENCE_LABELLED))
    cover = _first(found, "cover_no")
    if cover is not None:
        value = canonical_cover_no(cover.value)
        put("doc_no", Found(value, cover.line, cover.base))
        if doc_type in ("cover", None):
            put("cover_no", Found(value, cover.line, cover.base))
    else:
        put("doc_no", _doc_no(lines, found))
    case_no = _first(found, "case_no")
    if case_no is not None:
        put("case_no", Found(canonical_doc_no(case_no.value) or case_no.value, case_no.line, case_no.base))
    put("issued_on", _issued_on(lines))
    for name in TEXT_FIELDS:
        item = _first(found, name)
        if item is not None and name in SINGLE_TOKEN:
            item = Found((item.value.split() or [""])[0], item.line, item.base)
        put(name, item)
    for name in DATE_FIELDS:
        put(name, _first_date(found, name))
    for name in OPINION_FIELDS:
        put(name, _opinion_date(found, name))
    amounts: dict[str, Found] = {}
    for name in AMOUNT_FIELDS:
        item = next((a for a in map(_as_amount, _all(found, name)) if a is not None), None)
        if item is not None:
            amounts[name] = item
    if "fine_amount" not in amounts:
        item = _search(lines, FINE_IN_TEXT, CONFIDENCE_UNLABELLED)
        if item is not None:
            amounts["fine_amount"] = Found(_amount_text(item.value), item.line, item.base)
    for name, item in amounts.items():
        put(name, item)
    for name, pattern in LIMITS.items():
        put(name, _search(lines, pattern, CONFIDENCE_LABELLED))
    out += _officer_fields(lines, found, labels)
    out += _goods_fields(lines, labels)
    return out


def _all(found: list[Labelled], name: str) -> list[Found]:
    return [Found(item.value, item.line, CONFIDENCE_LABELLED) for item in values_of(found, name)]


def _first(found: list[Labelled], name: str) -> Found | None:
    return next(iter(_all(found, name)), None)


def _first_date(found: list[Labelled], name: str) -> Found | None:
    return next((d for d in map(_as_date, _all(found, name)) if d is not None), None)


def _search(lines: list[Line], pattern: re.Pattern[str], base: float) -> Found | None:
    for line in lines:
        m = pattern.search(line.folded)
        if m is not None:
            return Found(m.group(1), line, base)
    return None


def _doc_no(lines: list[Line], labelled_values: list[Labelled]) -> Found | None:
    found = _first(labelled_values, "doc_no")
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


def _opinion_date(found: list[Labelled], name: str) -> Found | None:
    """承办人意见：建议立案调查 签名：张三 日期：2024年3月5日 → the date."""
    for item in _all(found, name):
        _, _, after = item.value.replace("：", ":").rpartition("日期")
        day = _as_date(Found(after, item.line, item.base))
        if day is not None:
            return day
    return None


def _as_amount(found: Found | None) -> Found | None:
    if found is None:
        return None
    value = parse_amount(found.value)
    return None if value is None else Found(format_amount(value), found.line, found.base)


def _amount_text(text: str) -> str:
    value = parse_amount(f"{text}元")
    return "" if value is None else format_amount(value)


def _officer_fields(lines: list[Line], found: list[Labelled], labels: Labels) -> list[Field]:
    officers, signatures = find_officers(lines, found, labels)
    out = []
    for n, officer in enumerate(officers, start=1):
        out.append(Field(f"officer.{n}.name", officer.name.value, officer.name.confidence))
        cert = officer.certificate
        if cert is not None:
            out.append(Field(f"officer.{n}.certificate", cert.value, cert.confidence))
        if officer.role:
            out.append(Field(f"officer.{n}.role", officer.role, officer.name.confidence))
    if lines:
        out.append(Field("officer_count", str(len(officers)), _mean_confidence(out)))
        out.append(Field("signature_count", str(signatures), _mean_confidence(out)))
    return out


def _goods_fields(lines: list[Line], labels: Labels) -> list[Field]:
    rows, total = find_goods(lines, labels)
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
