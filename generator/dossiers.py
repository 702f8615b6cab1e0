"""Document rows for every case, and real dossier files (PDF, DOCX, scanned PNG) for a sample of cases.

Some rendered dossiers carry planted document defects that machine review must find; the ground truth
records, per file, what it really shows (number, date, party, cause, amounts) for recognition tests.
"""

from __future__ import annotations

import hashlib
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from generator.cases import CaseGenerator, Cases
from generator.doc_rows import document_rows
from generator.rows import Seen
from zhifa.documents import CaseContext, GoodsLine, build_document, render_docx, render_pdf, render_scan_png

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
# Document defect planted in a dossier → the review rule (dbt_project/seeds/ref_review_rules.csv) that must
# catch it: the ground truth that the warehouse tests and the API's machine review are both held to.
DEFECT_RULE = {
    "CAUSE_INCONSISTENT": "R022",
    "CAUSE_WITHOUT_SHEYI": "R021",
    "PARTY_INCONSISTENT": "R013",
    "VALUATION_SUBTOTAL_WRONG": "R035",
    "VALUATION_ONE_SIGNATURE": "R036",
    "COVER_NO_MALFORMED": "R002",
}
DOCUMENT_DEFECTS = tuple(DEFECT_RULE)


@dataclass
class DossierJob:
    """One case's dossier to render: everything a worker process needs, drawn up front so the result does not
    depend on which worker renders it."""

    case_id: str
    fmt: str  # pdf | docx | png
    defect: str | None
    ctx: CaseContext
    fine: float | None
    docs: list[tuple[str, str, str | None, date, int]]  # document_id, doc_type, doc_no, issued on, scan seed


def plan_dossiers(
    gen: CaseGenerator, cases: Cases, seen: Seen, rng: np.random.Generator
) -> tuple[list[DossierJob], dict[str, list[str]]]:
    """Choose the closed cases rendered as files, with their formats, planted defects and scan seeds.

    Runs before the documents table exists, so rendering starts early: the chosen cases' documents are built
    here on their own, numbered exactly as in the full table (numbers are per case).
    """
    f = cases.frame
    closed = np.flatnonzero((seen["closed"].notna() & f.defect.isna()).to_numpy())
    n = min(gen.scale.dossier_file_cases, len(closed))
    chosen = closed[np.sort(rng.choice(len(closed), size=n, replace=False))]
    sample_seen = {step: when.iloc[chosen].reset_index(drop=True) for step, when in seen.items()}
    sample = Cases(f.iloc[chosen].reset_index(drop=True), cases.items.iloc[0:0])
    documents = document_rows(gen, sample, sample_seen)
    mine = documents[documents.doc_type.isin(RENDERED_TYPES)]
    per_case = {c: g for c, g in mine.groupby("case_id", sort=False)}
    jobs: list[DossierJob] = []
    doc_defects: dict[str, list[str]] = {}
    for k, row in enumerate(chosen.tolist()):
        one = f.iloc[[row]]
        case = one.iloc[0]
        fmt = "png" if k < gen.scale.scanned_file_cases else ("docx" if k % 4 == 1 else "pdf")
        defect = DOCUMENT_DEFECTS[k % len(DOCUMENT_DEFECTS)] if k % 5 in (1, 3) else None
        if defect:
            doc_defects[case.case_id] = [defect]
        docs = per_case.get(case.case_id, documents.iloc[0:0])
        planned = [
            (
                str(d.document_id),
                str(d.doc_type),
                _py(d.doc_no),
                pd.Timestamp(d.issued_at).date(),
                int(rng.integers(0, 2**31)) if fmt == "png" else 0,
            )
            for d in docs.itertuples(index=False)
        ]
        ctx = _context(gen, one, cases.items[cases.items.case == row])
        jobs.append(DossierJob(case.case_id, fmt, defect, ctx, _py(case.fine), planned))
    return jobs, doc_defects


def render_dossier(job: DossierJob, out: Path) -> list[dict[str, Any]]:
    """Write one case's files; return the file truth of each (plus its sha256)."""
    ctx, defect = job.ctx, job.defect
    victim = job.docs[len(job.docs) // 2][1] if job.docs else None
    results = []
    for document_id, code, doc_no, issued_on, seed in job.docs:
        doc_ctx = _with_defect(ctx, defect, code, victim)
        if defect == "COVER_NO_MALFORMED" and code == "cover":
            doc_no = f"{ctx.year}年{ctx.unit_abbr}{ctx.serial}号"  # 度 and 第 missing
        content = build_document(code, doc_ctx, doc_no=doc_no, issued_at=issued_on)
        if defect == "VALUATION_ONE_SIGNATURE" and code == "valuation_table":
            content.signatures = content.signatures[:1]
        data = (
            render_pdf(content)
            if job.fmt == "pdf"
            else render_docx(content)
            if job.fmt == "docx"
            else render_scan_png(content, seed=seed)
        )
        rel = f"files/{job.case_id}/{document_id}_{code}.{job.fmt}"
        (out / rel).parent.mkdir(parents=True, exist_ok=True)
        (out / rel).write_bytes(data)
        truth = dict(
            document_id=document_id,
            case_id=job.case_id,
            doc_type=code,
            file_path=rel,
            file_format=job.fmt,
            doc_no=doc_no,
            issued_on=issued_on.isoformat(),
            party_name=doc_ctx.party_name,
            cause=doc_ctx.cause,
            fine_amount=job.fine if code in ("prior_notice", "penalty_decision") else None,
        )
        results.append({**truth, "sha256": hashlib.sha256(data).hexdigest()})
    return results


class DossierRenderer:
    """Renders the planned dossiers in worker processes while the caller goes on building and writing tables.

    Rendering (fonts, PDF, PNG compression) is the largest single cost of a national world and needs nothing
    but its jobs, so it overlaps with everything else. ``workers=0`` renders in this process on ``collect``.
    Worker processes are spawned, not forked: a script calling ``generate_world`` needs the usual
    ``if __name__ == "__main__":`` guard.
    """

    def __init__(self, jobs: list[DossierJob], out: Path, workers: int) -> None:
        self._jobs, self._out = jobs, out
        self._pool = (
            ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"))
            if workers > 0 and jobs
            else None
        )
        self._futures = [self._pool.submit(render_dossier, job, out) for job in jobs] if self._pool else []

    def collect(
        self, documents: pd.DataFrame, progress: Any = None
    ) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
        """Wait for every file (in plan order); fill documents.file_path/sha256; return the file truth."""
        file_paths = documents.file_path.to_numpy(dtype=object, copy=True)
        hashes = documents.sha256.to_numpy(dtype=object, copy=True)
        truth_files: list[dict[str, Any]] = []
        done: dict[int, list[dict[str, Any]]] = {}
        try:
            # workers take jobs from the front; this process, idle otherwise, takes the ones nobody started
            for k in reversed(range(len(self._jobs))):
                if self._pool is not None and not self._futures[k].cancel():
                    break
                done[k] = render_dossier(self._jobs[k], self._out)
            for k in range(len(self._jobs)):
                truth_files.extend(done[k] if k in done else self._futures[k].result())
                if progress is not None:
                    progress(1)
        finally:
            if self._pool is not None:
                self._pool.shutdown(cancel_futures=True)
        rows = pd.Index(documents.document_id).get_indexer([t["document_id"] for t in truth_files])
        assert (rows >= 0).all(), "a rendered document is missing from the documents table"
        file_paths[rows] = [t["file_path"] for t in truth_files]
        hashes[rows] = [t["sha256"] for t in truth_files]
        return documents.assign(file_path=file_paths, sha256=hashes), [
            {k: v for k, v in t.items() if k != "sha256"} for t in truth_files
        ]


def _py(value: Any) -> Any:
    """Plain Python values for the document model (no NaN, NaT or numpy scalars)."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    return value.item() if hasattr(value, "item") else value


UNIT_ZH = {"kg": "千克", "stick": "支"}  # else a machine, counted in 台 (no contract unit)


def _context(gen: CaseGenerator, one: pd.DataFrame, items: pd.DataFrame) -> CaseContext:
    case = one.iloc[0]
    filed = _py(gen.times(one, "filed").iloc[0])
    assert filed is not None
    goods = [
        GoodsLine(
            line_no=int(i.line_no),
            barcode=_py(i.barcode),
            spec_name=i.spec_name_raw,
            # cigarettes in cartons; goods without a catalog price in the unit their price is stated in
            quantity=round(float(i.cartons if i.catalog else i.quantity), 2),
            unit="条" if i.catalog else UNIT_ZH.get(str(i.quantity_unit), "台"),
            unit_price=float(i.unit_price),
            subtotal=float(i.value),
        )
        for i in items.itertuples(index=False)
    ]
    violation = gen.ref.violation(case.violation_code)
    officers = [o for o in (case.lead, _py(case.assistant)) if o is not None]
    total = float(case.computed_amount)
    return CaseContext(
        unit_name=gen.unit_name[case.unit_code],
        unit_abbr=gen.unit_abbr[case.unit_code],
        case_no=gen.case_numbers(one)[0],
        cause="涉嫌" + str(violation["name_zh"]),
        party_name=case.party_name,
        party_type="单位" if case.party_type == "entity" else "个人",
        party_id_no=case.party_id_no,
        address=case.address,
        licence_no=_py(case.licence_no),
        officers=[(gen.officer_name[o], gen.officer_cert[o]) for o in officers],
        discovered_at=_py(case.discovered_at),
        filed_at=filed,
        place=case.address,
        goods=goods,
        total_value=total,
        legal_basis=str(violation["legal_basis"]),
        facts_text=f"当事人{case.party_name}{violation['name_zh']}，涉案烟草专卖品案值{total:.2f}元。",
        fine_amount=_py(case.fine),
        fine_rate=_py(case.rate),
        decided_at=_py(gen.times(one, "decided").iloc[0]),
        served_at=_py(gen.times(one, "served").iloc[0]),
        hearing_deadline_days=5,
        payment_days=15,
        handler_opinion_at=filed - timedelta(hours=6),
        dept_opinion_at=filed - timedelta(hours=4),
        head_opinion_at=filed,
        year=filed.year,
        serial=int(case.serial),
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
