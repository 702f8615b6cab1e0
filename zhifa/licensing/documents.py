"""The licensing documents (DOMAIN.md §10) as :class:`DocumentContent`, rendered by zhifa.documents like
every enforcement document: 受理通知书, 补正材料通知书 (every missing item at once), 实地核查记录,
准予许可决定书 / 不予许可决定书 (with reasons and remedies), 延期通知书."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from zhifa.documents.model import DocumentContent
from zhifa.documents.text import fmt_date, labelled
from zhifa.licensing.materials import KINDS

TITLES = {
    "acceptance_notice": "烟草专卖零售许可证申请受理通知书",
    "correction_notice": "补正材料通知书",
    "onsite_record": "烟草专卖零售许可证实地核查记录",
    "approval_decision": "准予烟草专卖零售许可决定书",
    "refusal_decision": "不予烟草专卖零售许可决定书",
    "extension_notice": "烟草专卖零售许可延期通知书",
}


@dataclass(frozen=True)
class ApplicationFacts:
    application_no: str
    kind: str
    applicant: str
    place_address: str
    unit_name: str
    received_on: date
    accepted_on: date | None = None
    due_on: date | None = None
    missing: tuple[str, ...] = ()
    decided_on: date | None = None
    licence_no: str | None = None
    valid_from: date | None = None
    valid_to: date | None = None
    reasons: str | None = None
    remedies: str | None = None
    extension_reason: str | None = None
    findings: tuple[str, ...] = field(default_factory=tuple)
    officers: tuple[str, ...] = ()
    checked_on: date | None = None
    gps: str | None = None
    photos: int = 0


def build(doc_type: str, f: ApplicationFacts, issued_on: date) -> DocumentContent:
    fields = [
        ("申请编号", f.application_no),
        ("申请事项", KINDS[f.kind]),
        ("申请人", f.applicant),
        ("经营地址", f.place_address),
    ]
    body: list[str] = []
    signatures: list[str] = []
    if doc_type == "acceptance_notice":
        body = [
            f"你（单位）于{fmt_date(f.received_on)}提出的申请，材料齐全、符合法定形式，本局决定予以受理。",
            f"本局将于{fmt_date(f.due_on)}前作出是否准予许可的决定。",
        ]
    elif doc_type == "correction_notice":
        body = [f"你（单位）于{fmt_date(f.received_on)}提出的申请，材料不齐全，请一次性补正以下材料："]
        body += [f"{i}. {name}" for i, name in enumerate(f.missing, start=1)]
        body.append("补齐上述材料后本局予以受理。")
    elif doc_type == "onsite_record":
        fields += [
            ("核查日期", fmt_date(f.checked_on)),
            ("定位", f.gps or ""),
            ("现场照片", f"{f.photos} 张"),
        ]
        body = [labelled("核查情况", "；".join(f.findings))]
        signatures = [f"核查人员：{name}" for name in f.officers] + ["申请人（签名）："]
    elif doc_type == "approval_decision":
        fields += [
            ("许可证号", f.licence_no or ""),
            ("有效期", f"{fmt_date(f.valid_from)}至{fmt_date(f.valid_to)}"),
        ]
        body = [f"你（单位）的申请符合法定条件，本局决定准予许可，核发烟草专卖零售许可证（{f.licence_no}）。"]
    elif doc_type == "refusal_decision":
        body = [
            labelled("不予许可的理由", f.reasons or ""),
            labelled("救济途径", f.remedies or ""),
        ]
    elif doc_type == "extension_notice":
        body = [
            labelled("延期理由", f.extension_reason or ""),
            f"经本局负责人批准，作出决定的期限延长至{fmt_date(f.due_on)}。",
        ]
    else:
        raise ValueError(f"unknown licensing document {doc_type!r}")
    return DocumentContent(
        doc_type=doc_type,
        title=TITLES[doc_type],
        doc_no=None,
        issued_at=issued_on,
        fields=fields,
        table=None,
        body=body,
        signatures=signatures,
        issuer=f.unit_name,
    )
