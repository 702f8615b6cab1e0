"""The ``documents`` table: every document of every case, built one document type at a time."""

from __future__ import annotations

import numpy as np
import pandas as pd

from zhifa.documents.doctypes import cover_number, document_number
from zhifa.documents.doctypes import lookup as doc_type
from zhifa.generator.cases import CaseGenerator, Cases
from zhifa.generator.rows import Seen, officer_list

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
HEAD_SIGNS = ("preservation_approval", "filing_report")  # signed by the unit head, not the case officers
RECEIPT_ORDER = 1000  # service receipts follow the documents they serve


def _conditions(f: pd.DataFrame, seen: Seen) -> dict[str, np.ndarray]:
    """The ``required_when`` conditions each case meets (ref_document_types.csv)."""
    decided = seen["decided"].notna().to_numpy()
    every = np.ones(len(f), dtype=bool)
    return {
        "always": every,
        "preservation": every,
        "decided": decided,
        "hearing_right": decided & f.hearing.to_numpy(bool),
        "extension": (f.extension > 0).to_numpy() & seen["extension"].notna().to_numpy(),
        "collective_discussion": decided & f.collective.to_numpy(bool),
        "transferred": seen["transferred"].notna().to_numpy(),
        "withdrawn": seen["withdrawn"].notna().to_numpy(),
        "report_source": (f.source == "report").to_numpy(),
        "closed": seen["closed"].notna().to_numpy(),
    }


def _required(gen: CaseGenerator, f: pd.DataFrame, seen: Seen) -> dict[str, np.ndarray]:
    """Per document type, which cases need it: one reference question per combination of conditions."""
    cond = _conditions(f, seen)
    names = list(cond)
    combo = np.zeros(len(f), dtype=np.int64)
    for bit, name in enumerate(names):
        combo |= cond[name].astype(np.int64) << bit
    needed: dict[str, list[int]] = {}
    for c in np.unique(combo).tolist():
        met = {name for bit, name in enumerate(names) if c >> bit & 1}
        for code in gen.ref.required_documents(met):
            needed.setdefault(code, []).append(c)
    ordered = sorted(needed, key=gen.filing_order.__getitem__)
    return {code: np.isin(combo, needed[code]) for code in ordered}


def _numbers(
    f: pd.DataFrame, abbr: np.ndarray, rows: np.ndarray, code: str, year: np.ndarray
) -> list[str | None]:
    abbrs = abbr[rows].tolist()
    serial = f.serial.to_numpy()[rows].tolist()
    kind = doc_type(code).kind
    years = year[rows].tolist()
    if kind:
        return [document_number(a, kind, y, s) for a, y, s in zip(abbrs, years, serial, strict=True)]
    if code == "cover":
        return [cover_number(a, y, s) for a, y, s in zip(abbrs, years, serial, strict=True)]
    return [None] * len(rows)


def document_rows(gen: CaseGenerator, cases: Cases, seen: Seen) -> pd.DataFrame:
    """All documents of every case (the ``documents`` table), numbered per case in filing order."""
    f = cases.frame
    required = _required(gen, f, seen)
    year = seen["filed"].fillna(f.discovered_at).dt.year.to_numpy()
    missing = f.missing_document.to_numpy()
    officers = np.array(officer_list(f), dtype=object)
    abbr = f.unit_code.map(gen.unit_abbr).to_numpy(dtype=object)
    parts: list[pd.DataFrame] = []
    served: list[tuple[str, np.ndarray, pd.Series]] = []
    for code, needed in required.items():
        if code == "service_receipt":
            continue
        step, shift = ISSUED_ON.get(code, ("filed", 0))
        when = seen[step]
        if step == "archived":
            when = when.fillna(seen["closed"]).fillna(seen["filed"])
        issued = when + pd.Timedelta(days=shift)
        rows = np.flatnonzero(needed & (missing != code) & when.notna().to_numpy())
        parts.append(
            _part(gen, f, officers, rows, code, issued.to_numpy()[rows], _numbers(f, abbr, rows, code, year))
        )
        parts[-1]["_n"] = gen.filing_order[code]
        info = doc_type(code)
        if info.external and code != "transfer_letter":
            on = seen["served"] if code == "penalty_decision" else issued
            served.append((code, rows, on))
    if "service_receipt" in required:
        parts.extend(_receipts(gen, f, officers, required["service_receipt"], served, year))
    docs = pd.concat(parts, ignore_index=True).sort_values(["_case", "_n"], kind="stable")
    n = docs.groupby("_case", sort=False).cumcount().to_numpy() + 1
    docs.insert(
        0, "document_id", [f"D{c[1:]}{k:02d}" for c, k in zip(docs.case_id.tolist(), n.tolist(), strict=True)]
    )
    return docs.drop(columns=["_case", "_n"]).reset_index(drop=True)


def _receipts(
    gen: CaseGenerator,
    f: pd.DataFrame,
    officers: np.ndarray,
    wanted: np.ndarray,
    served: list[tuple[str, np.ndarray, pd.Series]],
    year: np.ndarray,
) -> list[pd.DataFrame]:
    """A 送达回证 for each external document, numbered by its position among the case's served ones."""
    sub = np.zeros(len(f), dtype=np.int64)
    abbr = f.unit_code.map(gen.unit_abbr).to_numpy(dtype=object)
    serial = f.serial.to_numpy()
    parts = []
    for _, rows, on in served:
        sub[rows] += 1
        keep = rows[wanted[rows] & on.notna().to_numpy()[rows]]
        numbers: list[str | None] = [
            document_number(abbr[i], "送", int(year[i]), int(serial[i]), int(sub[i])) for i in keep.tolist()
        ]
        part = _part(gen, f, officers, keep, "service_receipt", on.to_numpy()[keep], numbers)
        part["_n"] = RECEIPT_ORDER + sub[keep]
        parts.append(part)
    return parts


def _part(
    gen: CaseGenerator,
    f: pd.DataFrame,
    officers: np.ndarray,
    rows: np.ndarray,
    code: str,
    issued: np.ndarray,
    numbers: list[str | None],
) -> pd.DataFrame:
    if code in HEAD_SIGNS:
        signed = [gen.unit_head[u] for u in f.unit_code.to_numpy(dtype=object)[rows].tolist()]
    else:
        signed = officers[rows]
    return pd.DataFrame(
        dict(
            case_id=f.case_id.to_numpy()[rows],
            doc_type=code,
            doc_no=numbers,
            issued_at=issued,
            signed_by=signed,
            file_path=None,
            sha256=None,
            _case=rows,
        )
    )
