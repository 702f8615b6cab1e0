"""Document rows for every case, and real dossier files (PDF, DOCX, scanned PNG) for a sample of cases.

Some rendered dossiers carry planted document defects that machine review must find; the ground truth
records, per file, what it really shows (number, date, party, cause, amounts) for recognition tests.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from zhifa.documents import CaseContext, GoodsLine, build_document, render_docx, render_pdf, render_scan_png
from zhifa.documents.doctypes import cover_number, document_number
from zhifa.documents.doctypes import lookup as doc_type
from zhifa.generator.cases import Case, CaseGenerator

# the step of the timeline on which each document is dated (offsets in days after it, if any)
ISSUED_ON: dict[str, tuple[str, float]] = {
    "report_record": ("discovered", -1),
    "inspection_record": ("discovered", 0),
    "preservation_approval": ("preservation", 0),
    "preservation_notice": ("preservation", 0),
    "filing_report": ("filed", 0),
    "preservation_handling": ("preservation_handling", 0),
    "inquiry_record": ("filed", 1),
    "valuation_table": ("filed", 2),
    "extension_approval": ("extension", 0),
    "investigation_report": ("prior_notice", -2),
    "handling_approval": ("prior_notice", -1),
    "collective_discussion": ("legal_review", 0),
    "prior_notice": ("prior_notice", 0),
    "hearing_notice": ("prior_notice", 0),
    "penalty_decision": ("decided", 0),
    "payment_receipt": ("executed", 0),
    "closing_report": ("closed", 0),
    "transfer_letter": ("transferred", 0),
    "withdrawal": ("withdrawn", 0),
    "cover": ("archived", 0),
    "contents": ("archived", 0),
    "remarks": ("archived", 0),
}
RENDERED_TYPES = (
    "cover",
    "inspection_record",
    "preservation_notice",
    "filing_report",
    "inquiry_record",
    "valuation_table",
    "investigation_report",
    "handling_approval",
    "prior_notice",
    "hearing_notice",
    "penalty_decision",
    "closing_report",
)
DOCUMENT_DEFECTS = (
    "CAUSE_INCONSISTENT",
    "CAUSE_WITHOUT_SHEYI",
    "PARTY_INCONSISTENT",
    "VALUATION_SUBTOTAL_WRONG",
    "VALUATION_ONE_SIGNATURE",
    "COVER_NO_MALFORMED",
)


def _conditions(gen: CaseGenerator, case: Case, seen: dict[str, datetime | None]) -> set[str]:
    cond = {"always", "preservation"}
    decided = seen.get("decided") is not None
    cond |= {
        name
        for name, on in (
            ("decided", decided),
            ("hearing_right", decided and case.flags.get("hearing")),
            ("extension", bool(case.flags.get("extension")) and seen.get("extension") is not None),
            ("collective_discussion", decided and case.flags.get("collective")),
            ("transferred", seen.get("transferred") is not None),
            ("withdrawn", seen.get("withdrawn") is not None),
            ("report_source", case.source == "report"),
            ("closed", seen.get("closed") is not None),
        )
        if on
    }
    return cond


def document_rows(
    gen: CaseGenerator, cases: list[Case]
) -> tuple[pd.DataFrame, dict[str, list[dict[str, Any]]]]:
    """All documents of every case (the ``documents`` table), plus per case the list kept for rendering."""
    rows: list[dict[str, Any]] = []
    per_case: dict[str, list[dict[str, Any]]] = {}
    for case in cases:
        seen = {step: case.at(step) if gen.reached(case, step) else None for step in case.off}
        seen["discovered"] = case.discovered_at
        wanted = gen.ref.required_documents(_conditions(gen, case, seen))
        missing = case.flags.get("missing_document")
        year = (seen.get("filed") or case.discovered_at).year
        abbr = gen.unit_abbr[case.unit_code]
        docs: list[dict[str, Any]] = []
        for code in sorted(wanted, key=gen.filing_order.__getitem__):
            if code == missing or code == "service_receipt":
                continue
            step, shift = ISSUED_ON.get(code, ("filed", 0))
            when = seen.get(step)
            if step == "archived" and when is None:
                when = seen.get("closed") or seen.get("filed")
            if when is None:
                continue
            kind = doc_type(code).kind
            docs.append(
                dict(
                    doc_type=code,
                    issued_at=when + timedelta(days=shift),
                    doc_no=document_number(abbr, kind, year, case.serial)
                    if kind
                    else (cover_number(abbr, year, case.serial) if code == "cover" else None),
                )
            )
        served = [d for d in docs if doc_type(d["doc_type"]).external and d["doc_type"] != "transfer_letter"]
        if "service_receipt" in wanted:
            for sub, doc in enumerate(served, start=1):
                when = seen.get("served") if doc["doc_type"] == "penalty_decision" else doc["issued_at"]
                if when is not None:
                    docs.append(
                        dict(
                            doc_type="service_receipt",
                            issued_at=when,
                            doc_no=document_number(abbr, "送", year, case.serial, sub),
                        )
                    )
        for n, doc in enumerate(docs, start=1):
            signers = (
                case.officers
                if doc["doc_type"] not in ("preservation_approval", "filing_report")
                else [gen.unit_head[case.unit_code]]
            )
            rows.append(
                dict(
                    document_id=f"D{case.case_id[1:]}{n:02d}",
                    case_id=case.case_id,
                    doc_type=doc["doc_type"],
                    doc_no=doc["doc_no"],
                    issued_at=doc["issued_at"].strftime("%Y-%m-%dT%H:%M:%S"),
                    signed_by=";".join(signers),
                    file_path=None,
                    sha256=None,
                )
            )
            doc["document_id"] = rows[-1]["document_id"]
        per_case[case.case_id] = docs
    return pd.DataFrame(rows), per_case


def render_dossiers(
    gen: CaseGenerator,
    cases: list[Case],
    documents: pd.DataFrame,
    per_case: dict[str, list[dict[str, Any]]],
    out: Path,
    rng: np.random.Generator,
    progress: Any = None,
) -> tuple[pd.DataFrame, list[dict[str, Any]], dict[str, list[str]]]:
    """Render files for a sample of closed cases; fill documents.file_path/sha256; return file truth."""
    closed = [c for c in cases if gen.reached(c, "closed") and not c.defects]
    n = min(gen.scale.dossier_file_cases, len(closed))
    chosen = [closed[int(i)] for i in sorted(rng.choice(len(closed), size=n, replace=False))]
    truth_files: list[dict[str, Any]] = []
    doc_defects: dict[str, list[str]] = {}
    index = {d: i for i, d in enumerate(documents.document_id)}
    file_paths: list[str | None] = list(documents.file_path)
    hashes: list[str | None] = list(documents.sha256)
    for k, case in enumerate(chosen):
        fmt = "png" if k < gen.scale.scanned_file_cases else ("docx" if k % 4 == 1 else "pdf")
        defect = DOCUMENT_DEFECTS[k % len(DOCUMENT_DEFECTS)] if k % 5 in (1, 3) else None
        if defect:
            doc_defects[case.case_id] = [defect]
        ctx = _context(gen, case)
        docs = [d for d in per_case[case.case_id] if d["doc_type"] in RENDERED_TYPES]
        victim = docs[len(docs) // 2]["doc_type"] if docs else None
        for doc in docs:
            doc_ctx = _with_defect(ctx, defect, doc["doc_type"], victim)
            doc_no = doc["doc_no"]
            if defect == "COVER_NO_MALFORMED" and doc["doc_type"] == "cover":
                doc_no = f"{ctx.year}年{ctx.unit_abbr}{ctx.serial}号"  # 度 and 第 missing
            content = build_document(
                doc["doc_type"], doc_ctx, doc_no=doc_no, issued_at=doc["issued_at"].date()
            )
            if defect == "VALUATION_ONE_SIGNATURE" and doc["doc_type"] == "valuation_table":
                content.signatures = content.signatures[:1]
            data = (
                render_pdf(content)
                if fmt == "pdf"
                else render_docx(content)
                if fmt == "docx"
                else render_scan_png(content, seed=int(rng.integers(0, 2**31)))
            )
            rel = f"files/{case.case_id}/{doc['document_id']}_{doc['doc_type']}.{fmt}"
            (out / rel).parent.mkdir(parents=True, exist_ok=True)
            (out / rel).write_bytes(data)
            i = index[doc["document_id"]]
            file_paths[i], hashes[i] = rel, hashlib.sha256(data).hexdigest()
            truth_files.append(
                dict(
                    document_id=doc["document_id"],
                    case_id=case.case_id,
                    doc_type=doc["doc_type"],
                    file_path=rel,
                    file_format=fmt,
                    doc_no=doc_no,
                    issued_on=doc["issued_at"].date().isoformat(),
                    party_name=doc_ctx.party_name,
                    cause=doc_ctx.cause,
                    fine_amount=case.fine
                    if doc["doc_type"] in ("prior_notice", "penalty_decision")
                    else None,
                )
            )
        if progress is not None:
            progress(1)
    documents = documents.assign(file_path=file_paths, sha256=hashes)
    return documents, truth_files, doc_defects


def _context(gen: CaseGenerator, case: Case) -> CaseContext:
    filed = case.at("filed")
    assert filed is not None
    goods = [
        GoodsLine(
            line_no=i["line_no"],
            barcode=i["barcode"],
            spec_name=i["spec_name_raw"],
            quantity=round(i["cartons"], 2),
            unit="条",
            unit_price=i["unit_price"],
            subtotal=i["value"],
        )
        for i in case.items
    ]
    violation = gen.ref.violation(case.violation_code)
    return CaseContext(
        unit_name=gen.unit_name[case.unit_code],
        unit_abbr=gen.unit_abbr[case.unit_code],
        case_no=gen.case_no(case),
        cause="涉嫌" + str(violation["name_zh"]),
        party_name=case.party["party_name"],
        party_type="单位" if case.party_type == "entity" else "个人",
        party_id_no=case.party["party_id_no"],
        address=case.party["address"],
        licence_no=case.licence_no,
        officers=[(gen.officer_name[o], gen.officer_cert[o]) for o in case.officers],
        discovered_at=case.discovered_at,
        filed_at=filed,
        place=case.party["address"],
        goods=goods,
        total_value=case.computed_amount,
        legal_basis=str(violation["legal_basis"]),
        facts_text=f"当事人{case.party['party_name']}{violation['name_zh']}，涉案烟草专卖品案值{case.computed_amount:.2f}元。",
        fine_amount=case.fine,
        fine_rate=case.rate,
        decided_at=case.at("decided"),
        served_at=case.at("served"),
        hearing_deadline_days=5,
        payment_days=15,
        handler_opinion_at=filed - timedelta(hours=6),
        dept_opinion_at=filed - timedelta(hours=4),
        head_opinion_at=filed,
        year=filed.year,
        serial=case.serial,
    )


def _with_defect(ctx: CaseContext, defect: str | None, code: str, victim: str | None) -> CaseContext:
    if defect == "CAUSE_INCONSISTENT" and code == victim and ctx.cause:
        return replace(ctx, cause=ctx.cause + "案")
    if defect == "CAUSE_WITHOUT_SHEYI" and ctx.cause:
        return replace(ctx, cause=ctx.cause.removeprefix("涉嫌"))
    if defect == "PARTY_INCONSISTENT" and code == victim and ctx.party_name:
        return replace(ctx, party_name=ctx.party_name[0] + "某" + ctx.party_name[1:])
    if defect == "VALUATION_SUBTOTAL_WRONG" and code == "valuation_table" and ctx.goods:
        first = replace(ctx.goods[0], subtotal=round((ctx.goods[0].subtotal or 0) + 100.0, 2))
        return replace(ctx, goods=[first, *ctx.goods[1:]])
    return ctx
