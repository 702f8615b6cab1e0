"""The machine-review report: as JSON (:func:`report`) and as XLSX, DOCX or PDF (:func:`render`).

DOCX and PDF reuse the enforcement-document renderer (zhifa.documents: embedded Noto CJK font, fixed
metadata), so a report prints like the other forms; XLSX is written by openpyxl and made byte-reproducible
by zhifa.reproducible.
"""

from __future__ import annotations

import io
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from api.models import Dossier, DossierFile, MachineReview
from api.review.schemas_dossiers import DossierFileOut, FileError, Finding, MachineReport
from zhifa.clock import local_date
from zhifa.documents import render_docx, render_pdf
from zhifa.documents.model import DocumentContent
from zhifa.reproducible import normalise_zip

OUTCOME_ZH = {
    "passed": "通过",
    "failed": "不通过",
    "not_checked": "无法判断（需人工）",
    "human": "人工评查项",
}
TITLE = "案卷机器评查报告"


def needs_human(outcome: str, rule_needs_human: bool) -> bool:
    """Human-only rules, rules the data could not decide, and failures a reviewer must confirm."""
    return outcome in ("human", "not_checked") or (rule_needs_human and outcome == "failed")


def report(dossier: Dossier, review: MachineReview, files: list[DossierFile]) -> MachineReport:
    findings = [Finding.model_validate(f) for f in review.findings]
    failures = [f for f in findings if f.outcome == "failed"]
    human = [
        f
        for f in findings
        if f.outcome in ("human", "not_checked") or (f.needs_human and f.outcome == "failed")
    ]
    return MachineReport(
        dossier_id=dossier.dossier_id,
        case_id=dossier.case_id,
        unit_code=dossier.unit_code,
        review_id=review.review_id,
        rule_set_version=review.rule_set_version,
        reviewed_at=review.created_at,
        duration_ms=review.duration_ms,
        score=float(review.total_score),
        grade=review.grade,
        veto=review.veto,
        total_deducted=round(sum(f.deducted_points for f in failures), 2),
        n_rules=len(findings),
        n_checked=review.n_checked,
        n_failed=review.n_failed,
        n_needs_human=review.n_needs_human,
        failures=failures,
        needs_human=human,
        passed=[f.rule_id for f in findings if f.outcome == "passed"],
        findings=findings,
        file_errors=[
            FileError(file_id=f.file_id, filename=f.filename, error_code=f.error_code, error=f.error)
            for f in files
            if f.status == "error" or f.error
        ],
        files=[DossierFileOut.model_validate(f) for f in files],
        facts=review.facts,
    )


def render(rep: MachineReport, fmt: str) -> bytes:
    if fmt == "xlsx":
        return _xlsx(rep)
    content = _content(rep)
    return render_docx(content) if fmt == "docx" else render_pdf(content)


def _points(value: float) -> str:
    return f"{value:g}"


def _evidence_text(f: Finding) -> str:
    if f.evidence is None:
        return ""
    parts = [f.evidence.sentence]
    for d in f.evidence.documents:
        expected = f"（应为 {d.expected}）" if d.expected else ""
        parts.append(f"{d.document} {d.field}={d.value if d.value is not None else ''}{expected}")
    if f.evidence.error:
        parts.append(f.evidence.error)
    return "；".join(p for p in parts if p)


def _summary(rep: MachineReport) -> list[tuple[str, str]]:
    return [
        ("案件编号", rep.case_id),
        ("承办单位", rep.unit_code),
        ("评查规则集版本", str(rep.rule_set_version)),
        ("评查时间", rep.reviewed_at.isoformat(timespec="seconds")),
        ("得分", _points(rep.score)),
        ("等级", rep.grade),
        ("一票否决", "是" if rep.veto else "否"),
        ("扣分合计", _points(rep.total_deducted)),
        ("检查项", f"{rep.n_checked} / {rep.n_rules}"),
        ("不通过", str(rep.n_failed)),
        ("需人工评查", str(rep.n_needs_human)),
    ]


def _content(rep: MachineReport) -> DocumentContent:
    rows = [[f.rule_id, f.name_zh, _points(f.deducted_points), "是" if f.veto else ""] for f in rep.failures]
    body = ["一、不通过项及证据"]
    body += [
        f"{f.rule_id} {f.name_zh}（扣 {_points(f.deducted_points)} 分）：{_evidence_text(f)}"
        for f in rep.failures
    ]
    body.append("二、需人工评查项")
    body += [f"{f.rule_id} {f.name_zh}：{OUTCOME_ZH[f.outcome]}" for f in rep.needs_human]
    if rep.file_errors:
        body.append("三、无法识别的文件")
        body += [f"{e.filename}：{e.error or e.error_code}" for e in rep.file_errors]
    return DocumentContent(
        doc_type="machine_review_report",
        title=TITLE,
        doc_no=None,
        issued_at=local_date(rep.reviewed_at),
        fields=_summary(rep),
        table=(["规则", "名称", "扣分", "否决"], rows) if rows else None,
        body=body,
        signatures=[],
    )


def _sheet_rows(rep: MachineReport) -> list[list[Any]]:
    return [
        [
            f.rule_id,
            f.rule_version,
            f.category,
            f.name_zh,
            OUTCOME_ZH[f.outcome],
            f.deducted_points,
            "是" if f.veto else "",
            "是" if f.needs_human else "",
            _evidence_text(f),
        ]
        for f in rep.findings
    ]


def _xlsx(rep: MachineReport) -> bytes:
    book = Workbook()
    summary = book.create_sheet("概要", 0)
    book.remove(book.worksheets[1])
    summary.append([TITLE])
    summary["A1"].font = Font(bold=True, size=14)
    for label, value in _summary(rep):
        summary.append([label, value])
    summary.column_dimensions["A"].width = 18
    summary.column_dimensions["B"].width = 30
    sheet = book.create_sheet("评查项")
    sheet.append(["规则", "版本", "类别", "名称", "结果", "扣分", "否决", "需人工", "证据"])
    for row in _sheet_rows(rep):
        sheet.append(row)
    for col, width in zip("ABCDEFGHI", (8, 6, 12, 30, 16, 8, 6, 8, 80), strict=True):
        sheet.column_dimensions[col].width = width
    for cell in sheet["I"]:
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    files = book.create_sheet("文件")
    files.append(["文件", "文书类型", "识别方式", "状态", "错误"])
    for f in rep.files:
        files.append([f.filename, f.doc_type or "", f.method or "", f.status, f.error or ""])
    buf = io.BytesIO()
    book.save(buf)
    return normalise_zip(buf.getvalue(), pin_core_times=True)
