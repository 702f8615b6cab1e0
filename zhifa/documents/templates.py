"""Content of each enforcement document, built from a :class:`CaseContext`.

Every document carries, as labelled lines, the title, the document number, 案由, 当事人, the dates
(``2024年3月5日``), amounts (``1234.50元``) and the officers with their 执法证号 — the same text
whatever the output format, so a recogniser reading the PDF, DOCX or scan finds the same values.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from zhifa.documents.doctypes import cover_number, document_number, lookup
from zhifa.documents.model import CaseContext, DocumentContent
from zhifa.documents.text import (
    fmt_amount,
    fmt_date,
    fmt_datetime,
    fmt_number,
    fmt_percent,
    labelled,
    officer_line,
)
from zhifa.reference import load_reference

__all__ = ["build_document", "document_number"]

GOODS_HEADER = ["序号", "条码", "品牌规格", "数量（条）", "单价（元/条）", "金额（元）"]
SERVED_DEFAULT = "行政处罚决定书"


class _Draft:
    """The parts of a document while a template fills them in."""

    def __init__(self, ctx: CaseContext, doc_no: str | None, issued_at: date | None) -> None:
        self.ctx, self.doc_no, self.issued_at = ctx, doc_no, issued_at
        self.fields: list[tuple[str, str]] = []
        self.table: tuple[list[str], list[list[str]]] | None = None
        self.body: list[str] = []
        self.signatures: list[str] = []

    def field(self, label: str, value: str | None) -> None:
        self.fields.append((label, value or ""))

    def case_fields(self) -> None:
        """案由 and 当事人 head every document."""
        self.field("案由", self.ctx.cause)
        self.field("当事人", self.ctx.party_name)

    def party_fields(self) -> None:
        ctx = self.ctx
        self.field("当事人类型", ctx.party_type)
        self.field("证件号码", ctx.party_id_no)
        self.field("住址", ctx.address)
        self.field("许可证号", ctx.licence_no)

    def officers_field(self, label: str = "执法人员") -> None:
        value = "、".join(f"{name}（{labelled('执法证号', cert)}）" for name, cert in self.ctx.officers)
        self.field(label, value)

    def goods_table(self, with_prices: bool) -> None:
        header = GOODS_HEADER if with_prices else GOODS_HEADER[:4]
        rows = []
        for g in self.ctx.goods:
            row = [str(g.line_no), g.barcode or "", g.spec_name, fmt_number(g.quantity)]
            if with_prices:
                row += ["" if g.unit_price is None else f"{g.unit_price:.2f}", _money(g.subtotal)]
            rows.append(row)
        total_qty = fmt_number(sum(g.quantity for g in self.ctx.goods))
        rows.append(["合计", "", "", total_qty] + (["", _money(self.ctx.total_value)] if with_prices else []))
        self.table = (header, rows)

    def officer_signatures(self, role: str = "执法人员") -> None:
        self.signatures += [officer_line(name, cert, role) for name, cert in self.ctx.officers]

    def opinion(self, role: str, text: str, signer: str, at: date | None) -> None:
        """An approval step: opinion, signature and date on one line (handler → department → head)."""
        self.signatures.append(
            f"{labelled(role, text)} {labelled('签名', signer)} {labelled('日期', fmt_date(at))}"
        )

    def goods_summary(self) -> str:
        goods = self.ctx.goods
        items = "、".join(f"{g.spec_name}{fmt_number(g.quantity)}{g.unit}" for g in goods)
        return f"{items}，共计{fmt_number(sum(g.quantity for g in goods))}条" if goods else "（无）"


def _limit(ctx: CaseContext, given: int | None, key: str) -> str:
    """A time limit as printed: the case's own value, else the reference setting for its province."""
    value = given if given is not None else load_reference().setting(key, ctx.province_code)
    return fmt_number(float(value))


def _money(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}"


def _officer_names(ctx: CaseContext) -> str:
    return "、".join(name for name, _ in ctx.officers)


def penalty_text(ctx: CaseContext) -> str:
    parts = []
    if ctx.fine_amount is not None:
        parts.append(f"罚款{fmt_amount(ctx.fine_amount)}")
    if ctx.confiscation_text:
        parts.append(ctx.confiscation_text)
    return "；".join(parts) or "不予行政处罚"


# --- templates: one function per document type -------------------------------------------------


def _cover(d: _Draft) -> None:
    ctx = d.ctx
    d.field("卷宗编号", d.doc_no or cover_number(ctx.unit_abbr, ctx.year, ctx.serial))
    d.field("案件编号", ctx.case_no)
    d.case_fields()
    d.officers_field("承办人")
    d.field("处理结果", penalty_text(ctx))
    d.field("立案日期", fmt_date(ctx.filed_at))
    d.field("结案日期", fmt_date(d.issued_at))  # the cover is completed when the case closes
    d.field("保管期限", str(load_reference().setting("archive_retention", ctx.province_code)))
    d.body.append(ctx.unit_name)


def _inspection_record(d: _Draft) -> None:
    ctx = d.ctx
    d.field("检查时间", fmt_datetime(ctx.discovered_at))
    d.field("检查地点", ctx.place)
    d.officers_field()
    d.case_fields()
    d.party_fields()
    d.body.append(
        f"执法人员{_officer_names(ctx)}向当事人出示执法证件，表明身份，说明来意，依法进行检查。"
        f"检查发现：{d.goods_summary()}。"
    )
    d.body.append("以上笔录经当事人核对无误。")
    d.goods_table(with_prices=False)
    d.officer_signatures()
    d.signatures += [labelled("当事人（签名）", ""), labelled("见证人（签名）", "")]


def _preservation_approval(d: _Draft) -> None:
    ctx = d.ctx
    d.case_fields()
    d.field("保存物品", d.goods_summary())
    d.field("保存地点", ctx.place)
    d.body.append(
        "因证据可能灭失或者以后难以取得，依据《中华人民共和国行政处罚法》第五十六条，拟对上述物品先行登记保存。"
    )
    d.goods_table(with_prices=False)
    d.opinion("承办人意见", "建议先行登记保存", _officer_names(ctx), ctx.discovered_at)
    d.opinion("负责人意见", "同意", "", ctx.discovered_at)
    d.officer_signatures()


def _preservation_notice(d: _Draft) -> None:
    ctx = d.ctx
    d.case_fields()
    d.party_fields()
    d.body.append(
        f"{ctx.party_name or ''}：因你（单位）{ctx.cause or ''}，依据《中华人民共和国行政处罚法》第五十六条，"
        f"本局决定对下列物品先行登记保存，并在{_limit(ctx, None, 'preservation_handling_days')}日内"
        "作出处理决定。保存期间，不得损毁、销毁或者转移。"
    )
    d.goods_table(with_prices=False)
    d.officer_signatures()
    d.signatures.append(labelled("当事人（签名）", ""))


def _filing_report(d: _Draft) -> None:
    ctx = d.ctx
    d.case_fields()
    d.party_fields()
    d.field("案件来源", "现场检查")
    d.field("发现时间", fmt_datetime(ctx.discovered_at))
    d.field("案值", fmt_amount(ctx.total_value))
    d.body.append(labelled("简要案情", ctx.facts_text or ""))
    d.opinion("承办人意见", "建议立案调查", _officer_names(ctx), ctx.handler_opinion_at)
    d.opinion("承办部门意见", "同意立案", "", ctx.dept_opinion_at)
    d.opinion("负责人意见", "同意立案", "", ctx.head_opinion_at)
    d.officer_signatures()


def _preservation_handling(d: _Draft) -> None:
    ctx = d.ctx
    d.case_fields()
    d.body.append(
        f"{ctx.party_name or ''}：本局于{fmt_date(ctx.discovered_at)}对你（单位）的下列物品先行登记保存，"
        f"经研究，作出如下处理决定：{ctx.confiscation_text or '依法移交处理'}。"
    )
    d.goods_table(with_prices=False)
    d.officer_signatures()


def _inquiry_record(d: _Draft) -> None:
    ctx = d.ctx
    d.field("询问时间", fmt_datetime(ctx.discovered_at))
    d.field("询问地点", ctx.place)
    d.officers_field("询问人")
    d.case_fields()
    d.field("被询问人", ctx.party_name)
    d.party_fields()
    d.body += [
        f"问：我们是{ctx.unit_name}的执法人员，这是我们的执法证件，你是否看清楚？",
        "答：看清楚了。",
        "问：你有权进行陈述和申辩，有申请执法人员回避的权利，是否申请回避？",
        "答：不申请。",
        f"问：请说明检查中发现的卷烟情况。答：{d.goods_summary()}。",
        "以上笔录我已看过，与我说的相符。",
    ]
    d.officer_signatures("询问人")
    d.signatures.append(labelled("被询问人（签名）", ""))


def _valuation_table(d: _Draft) -> None:
    ctx = d.ctx
    d.case_fields()
    d.field("核价依据", "卷烟零售指导价格")
    d.field("合计金额", fmt_amount(ctx.total_value))
    d.goods_table(with_prices=True)
    roles = ("核价人", "复核人")
    for role, (name, cert) in zip(roles, ctx.officers, strict=False):
        d.signatures.append(officer_line(name, cert, role))


def _investigation_report(d: _Draft) -> None:
    ctx = d.ctx
    d.case_fields()
    d.party_fields()
    d.officers_field("调查人员")
    d.field("立案日期", fmt_date(ctx.filed_at))
    d.field("案值", fmt_amount(ctx.total_value))
    d.body += [
        labelled("违法事实", ctx.facts_text or ""),
        labelled("证据", "现场检查笔录、先行登记保存通知书、询问笔录、涉案烟草专卖品核价表"),
        labelled("法律依据", ctx.legal_basis or ""),
        labelled("处理建议", f"{penalty_text(ctx)}（罚款比例{fmt_percent(ctx.fine_rate)}）"),
    ]
    d.officer_signatures()


def _handling_approval(d: _Draft) -> None:
    ctx = d.ctx
    d.case_fields()
    d.party_fields()
    d.body += [labelled("案情摘要", ctx.facts_text or ""), labelled("法律依据", ctx.legal_basis or "")]
    d.opinion("承办人意见", penalty_text(ctx), _officer_names(ctx), ctx.handler_opinion_at)
    d.opinion("承办部门意见", "同意", "", ctx.dept_opinion_at)
    d.opinion("法制审核意见", "事实清楚，证据确凿，适用依据正确，程序合法", "", ctx.dept_opinion_at)
    d.opinion("负责人意见", "同意", "", ctx.head_opinion_at)
    d.officer_signatures()


def _rights_paragraph(ctx: CaseContext, hearing: bool) -> str:
    days = f"{_limit(ctx, ctx.hearing_deadline_days, 'hearing_request_days')}日内"
    text = (
        "根据《中华人民共和国行政处罚法》第四十四条、第四十五条，"
        f"你（单位）有权在收到本告知书之日起{days}进行陈述和申辩"
    )
    if hearing:
        text += f"；依据第六十三条、第六十四条，你（单位）有权在收到本告知书之日起{days}要求听证"
    return text + "。逾期视为放弃上述权利。"


def _notice(d: _Draft, hearing: bool) -> None:
    ctx = d.ctx
    d.case_fields()
    d.party_fields()
    d.body += [
        f"{ctx.party_name or ''}：经调查，{ctx.facts_text or ''}",
        labelled("违法事实与理由", f"你（单位）的行为涉及{(ctx.cause or '').removeprefix('涉嫌')}"),
        labelled("法律依据", ctx.legal_basis or ""),
        labelled("拟作出的行政处罚", penalty_text(ctx)),
        _rights_paragraph(ctx, hearing),
    ]
    d.officer_signatures()


def _penalty_decision(d: _Draft) -> None:
    ctx = d.ctx
    d.case_fields()
    d.party_fields()
    payment_days = _limit(ctx, ctx.payment_days, "payment_days")
    review_days = _limit(ctx, ctx.reconsideration_days, "reconsideration_days")
    lawsuit_months = _limit(ctx, ctx.litigation_months, "litigation_months")
    surcharge = fmt_percent(float(load_reference().setting("late_payment_surcharge_rate", ctx.province_code)))
    d.body += [
        labelled("违法事实", ctx.facts_text or ""),
        labelled("证据", "现场检查笔录、询问笔录、涉案烟草专卖品核价表等"),
        labelled("法律依据", ctx.legal_basis or ""),
        labelled("处罚决定", penalty_text(ctx)),
        labelled("罚款金额", fmt_amount(ctx.fine_amount)),
        f"请自收到本决定书之日起{payment_days}日内将罚款缴至指定银行。"
        f"到期不缴纳罚款的，每日按罚款数额的{surcharge}加处罚款。",
        f"如不服本决定，可以在收到本决定书之日起{review_days}日内申请行政复议，"
        f"或者在{lawsuit_months}个月内依法向人民法院提起行政诉讼。",
    ]
    d.officer_signatures()


def _service_receipt(d: _Draft, served: str) -> None:
    ctx = d.ctx
    d.case_fields()
    d.field("送达文书名称及文号", served)
    d.field("受送达人", ctx.party_name)
    d.field("送达地点", ctx.address)
    d.field("送达方式", "直接送达")
    d.field("送达时间", fmt_datetime(ctx.served_at))
    d.signatures.append(labelled("受送达人（签名）", ""))
    d.officer_signatures("送达人")


def _closing_report(d: _Draft) -> None:
    ctx = d.ctx
    d.case_fields()
    d.field("立案日期", fmt_date(ctx.filed_at))
    d.field("处罚决定日期", fmt_date(ctx.decided_at))
    d.field("处理结果", penalty_text(ctx))
    d.field("执行情况", f"罚款{fmt_amount(ctx.fine_amount)}已缴纳" if ctx.fine_amount else "已执行完毕")
    d.opinion("承办人意见", "建议结案", _officer_names(ctx), ctx.handler_opinion_at)
    d.opinion("负责人意见", "同意结案", "", ctx.head_opinion_at)
    d.officer_signatures()


def _generic(d: _Draft) -> None:
    d.case_fields()
    d.field("案件编号", d.ctx.case_no)
    d.field("立案日期", fmt_date(d.ctx.filed_at))
    d.officer_signatures()


_TEMPLATES: dict[str, Callable[[_Draft], None]] = {
    "cover": _cover,
    "inspection_record": _inspection_record,
    "preservation_approval": _preservation_approval,
    "preservation_notice": _preservation_notice,
    "filing_report": _filing_report,
    "preservation_handling": _preservation_handling,
    "inquiry_record": _inquiry_record,
    "valuation_table": _valuation_table,
    "investigation_report": _investigation_report,
    "handling_approval": _handling_approval,
    "prior_notice": lambda d: _notice(d, hearing=False),
    "hearing_notice": lambda d: _notice(d, hearing=True),
    "penalty_decision": _penalty_decision,
    "closing_report": _closing_report,
}


def build_document(
    doc_type: str,
    ctx: CaseContext,
    *,
    doc_no: str | None,
    issued_at: date | None,
    served_document: str | None = None,
) -> DocumentContent:
    """The content of document ``doc_type`` for a case; unknown codes raise ``ValueError``.

    ``served_document`` names what a service receipt (送达回证) serves, e.g.
    "行政处罚决定书（乐烟罚〔2024〕第12号）"; it defaults to the penalty decision.
    """
    kind = lookup(doc_type)
    draft = _Draft(ctx, doc_no, issued_at)
    if doc_type == "service_receipt":
        _service_receipt(draft, served_document or SERVED_DEFAULT)
    else:
        _TEMPLATES.get(doc_type, _generic)(draft)
    return DocumentContent(
        doc_type=doc_type,
        title=kind.title,
        doc_no=doc_no,
        issued_at=issued_at,
        fields=draft.fields,
        table=draft.table,
        body=draft.body,
        signatures=draft.signatures,
        issuer=ctx.unit_name if kind.external else None,
    )
