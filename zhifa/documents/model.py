"""What a rendered enforcement document (执法文书) is made of, independent of the output format."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime


@dataclass
class GoodsLine:
    """One line of seized goods, e.g. 10 条 of 中华(硬) at 450.00 元."""

    line_no: int
    barcode: str | None  # carton (条) EAN-13
    spec_name: str  # 规格, e.g. "黄鹤楼(软蓝)"
    quantity: float
    unit: str  # "条"
    unit_price: float | None
    subtotal: float | None


@dataclass(kw_only=True)
class CaseContext:
    """Everything a document may show about a case; ``None`` means the field is absent."""

    unit_name: str  # 乐山市烟草专卖局
    unit_abbr: str  # 乐烟
    case_no: str | None = None
    cause: str | None = None  # 案由, e.g. "涉嫌未在当地烟草专卖批发企业进货"
    party_name: str | None = None
    party_type: str | None = None  # 个人 / 单位
    party_id_no: str | None = None
    address: str | None = None
    licence_no: str | None = None
    officers: list[tuple[str, str]] = field(default_factory=list)  # (name, certificate no)
    discovered_at: datetime | None = None
    filed_at: datetime | None = None
    place: str | None = None
    goods: list[GoodsLine] = field(default_factory=list)
    total_value: float | None = None
    legal_basis: str | None = None
    facts_text: str | None = None
    fine_amount: float | None = None
    fine_rate: float | None = None  # fine ÷ base, e.g. 0.3
    confiscation_text: str | None = None
    decided_at: datetime | None = None
    served_at: datetime | None = None
    # time limits printed in the text; None: the reference setting (ref_settings.csv) for the province
    hearing_deadline_days: int | None = None  # hearing_request_days
    payment_days: int | None = None  # payment_days
    handler_opinion_at: datetime | None = None
    dept_opinion_at: datetime | None = None
    head_opinion_at: datetime | None = None
    year: int  # for the cover "2024年度乐烟第12号"
    serial: int
    province_code: str | None = None  # whose reference settings apply; None: national defaults
    reconsideration_days: int | None = None  # reconsideration_days (复议)
    litigation_months: int | None = None  # litigation_months (诉讼)


@dataclass
class DocumentContent:
    """A document ready to render: the same content goes to PDF, DOCX and the scanned image."""

    doc_type: str
    title: str
    doc_no: str | None
    issued_at: date | None
    fields: list[tuple[str, str]]  # (label, value) lines, e.g. ("案由", "涉嫌…")
    table: tuple[list[str], list[list[str]]] | None  # (header, rows), e.g. the goods list
    body: list[str]  # paragraphs
    signatures: list[str]  # signature lines ("执法人员：张三 执法证号：…")
    issuer: str | None = None  # unit name printed above the date on external documents (seal line)
