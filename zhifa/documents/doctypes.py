"""The document types of a dossier (DOMAIN.md §7, docs/conventions.md) and how they are numbered."""

from __future__ import annotations

from typing import NamedTuple


class DocType(NamedTuple):
    title: str  # exact Chinese name printed on top
    kind: str | None  # kind characters of the document number (乐烟「立」〔2024〕第12号); None: not numbered
    external: bool  # issued to the party or another agency: carries the seal line and a service receipt


# One table for every code in docs/conventions.md, in filing order.
DOC_TYPES: dict[str, DocType] = {
    "cover": DocType("卷宗封面", None, False),
    "contents": DocType("卷内目录", None, False),
    "remarks": DocType("备考表", None, False),
    "report_record": DocType("举报记录", None, False),
    "inspection_record": DocType("现场检查笔录", None, False),
    "preservation_approval": DocType("先行登记保存批准书", "存批字", False),
    "preservation_notice": DocType("先行登记保存通知书", "存通字", True),
    "filing_report": DocType("立案报告表", "立", False),
    "sampling_list": DocType("抽样取证物品清单", "抽字", True),
    "appraisal_notice": DocType("鉴定结论告知书", "鉴告字", True),
    "preservation_handling": DocType("先行登记保存处理通知书", "存处字", True),
    "inquiry_notice": DocType("询问通知书", "询通字", True),
    "inquiry_record": DocType("询问笔录", None, False),
    "evidence_extraction": DocType("证据复制提取单", "证提字", False),
    "valuation_table": DocType("涉案烟草专卖品核价表", None, False),
    "extension_approval": DocType("延长审批表", "延字", False),
    "investigation_report": DocType("案件调查终结报告", None, False),
    "handling_approval": DocType("案件处理审批表", None, False),
    "collective_discussion": DocType("集体讨论记录", None, False),
    "prior_notice": DocType("行政处罚事先告知书", "罚告", True),
    "hearing_notice": DocType("听证告知书", "听告", True),
    "statement_record": DocType("陈述申辩记录", None, False),
    "hearing_record": DocType("听证笔录", None, False),
    "penalty_decision": DocType("行政处罚决定书", "罚", True),
    "service_receipt": DocType("送达回证", "送", False),
    "payment_receipt": DocType("罚没款收据", None, False),
    "confiscation_list": DocType("没收物品清单", "没字", True),
    "destruction_record": DocType("销毁记录", None, False),
    "closing_report": DocType("结案报告表", None, False),
    "transfer_letter": DocType("案件移送函", "移字", True),
    "withdrawal": DocType("撤销立案审批表", None, False),
    "major_case_report": DocType("重大案件报告表", None, False),
}


def lookup(code: str) -> DocType:
    try:
        return DOC_TYPES[code]
    except KeyError:
        raise ValueError(f"未知文书类型 / unknown document type: {code!r}") from None


def document_number(abbr: str, kind_char: str, year: int, serial: int, sub: int | None = None) -> str:
    """乐烟立〔2024〕第12号; with ``sub`` (the served document's position) 乐烟送〔2024〕第12-3号."""
    number = f"{serial}-{sub}" if sub is not None else f"{serial}"
    return f"{abbr}{kind_char}〔{year}〕第{number}号"


def cover_number(abbr: str, year: int, serial: int) -> str:
    """The dossier number on the cover: 2024年度乐烟第12号."""
    return f"{year}年度{abbr}第{serial}号"
