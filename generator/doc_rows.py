"""The ``documents`` table: every document of every case, built one document type at a time."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from generator.cases import CaseGenerator, Cases
from generator.rows import Seen, officer_list
from zhifa.documents.doctypes import cover_number, document_number
from zhifa.documents.doctypes import lookup as doc_type

# the step of the timeline on which each document is dated (offsets in days after it, if any)
ISSUED_ON: dict[str, tuple[str, float]] = {
    "report_record": ("discovered", -1),
    "inspection_record": ("discovered", 0),
    "preservation_approval": ("preservation", 0),
    "preservation_notice": ("preservation", 0),
    "filing_report": ("filed", 0),
    "preservation_handling": ("preservation_handling", 0),
    "inquiry_record": ("filed", 1),
    "appraisal_notice": ("filed", 1),
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
        # a closed case with a fine: the fine was paid or enforced (罚没款收据)
        "fine_paid": seen["closed"].notna().to_numpy() & (f.fine.fillna(0) > 0).to_numpy(),
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


class _Parts:
    """Documents collected one type at a time as arrays (Arrow for text); sorted and assembled at the end.

    A national world has ~3.6M documents: per-type DataFrames, concat and sort would copy them thrice, and
    Python strings for every id and number would take gigabytes.
    """

    def __init__(self, gen: CaseGenerator, f: pd.DataFrame) -> None:
        self.f = f
        self.officers = pa.array(officer_list(f), pa.large_string())
        self.heads = pa.array(f.unit_code.map(gen.unit_head).to_numpy(dtype=object), pa.large_string())
        self.codes: list[str] = []
        self.columns: dict[str, list[Any]] = {
            k: [] for k in ("case", "n", "code", "head", "issued", "doc_no")
        }

    def add(
        self, rows: np.ndarray, order: Any, code: str, issued: np.ndarray, numbers: list[str | None]
    ) -> None:
        c = self.columns
        c["case"].append(rows)
        c["n"].append(np.broadcast_to(np.asarray(order, dtype=np.int64), rows.shape))
        c["code"].append(np.full(len(rows), len(self.codes), dtype=np.int32))
        c["head"].append(np.full(len(rows), code in HEAD_SIGNS))
        c["issued"].append(issued.astype("datetime64[us]"))
        c["doc_no"].append(pa.array(numbers, pa.large_string()))
        self.codes.append(code)

    def frame(self) -> pd.DataFrame:
        c = self.columns
        case, n = np.concatenate(c.pop("case")), np.concatenate(c.pop("n"))
        order = np.lexsort((n, case))
        case = case[order]
        starts = np.flatnonzero(np.r_[True, case[1:] != case[:-1]])
        number = np.arange(len(case)) - np.repeat(starts, np.diff(np.r_[starts, len(case)])) + 1
        case_ids = pa.array(self.f.case_id.to_numpy(dtype=object), pa.large_string())
        prefix = pc.utf8_replace_slice(case_ids, 0, 1, "D")  # D + the case id's digits
        two_digits = pa.array([f"{k:02d}" for k in range(int(number.max(initial=0)) + 1)], pa.large_string())
        head = np.concatenate(c.pop("head"))[order]
        table = pa.table(
            dict(
                document_id=pc.binary_join_element_wise(
                    prefix.take(case), two_digits.take(number), pa.scalar("", pa.large_string())
                ),
                case_id=case_ids.take(case),
                doc_type=pa.array(self.codes, pa.large_string()).take(np.concatenate(c.pop("code"))[order]),
                doc_no=pa.concat_arrays(c.pop("doc_no")).take(order),
                issued_at=pa.array(np.concatenate(c.pop("issued"))[order]),
                signed_by=pc.if_else(head, self.heads.take(case), self.officers.take(case)),
            )
        )
        frame = table.to_pandas()
        frame["file_path"] = None
        frame["sha256"] = None
        return frame


def document_rows(gen: CaseGenerator, cases: Cases, seen: Seen) -> pd.DataFrame:
    """All documents of every case (the ``documents`` table), numbered per case in filing order."""
    f = cases.frame
    required = _required(gen, f, seen)
    # a price appraisal (价格鉴定) set the unit prices of these cases' goods without a catalog price
    appraised = f.appraised.to_numpy(bool) & seen["filed"].notna().to_numpy()
    required["appraisal_notice"] = required.get("appraisal_notice", np.zeros(len(f), bool)) | appraised
    required = dict(sorted(required.items(), key=lambda kv: gen.filing_order[kv[0]]))
    year = seen["filed"].fillna(f.discovered_at).dt.year.to_numpy()
    missing = f.missing_document.to_numpy()
    abbr = f.unit_code.map(gen.unit_abbr).to_numpy(dtype=object)
    parts = _Parts(gen, f)
    served: list[tuple[np.ndarray, pd.Series]] = []
    for code, needed in required.items():
        if code == "service_receipt":
            continue
        step, shift = ISSUED_ON.get(code, ("filed", 0))
        when = seen[step]
        if step == "archived":
            when = when.fillna(seen["closed"]).fillna(seen["filed"])
        issued = when + pd.Timedelta(days=shift)
        rows = np.flatnonzero(needed & (missing != code) & when.notna().to_numpy())
        parts.add(
            rows, gen.filing_order[code], code, issued.to_numpy()[rows], _numbers(f, abbr, rows, code, year)
        )
        if doc_type(code).external and code != "transfer_letter":
            served.append((rows, seen["served"] if code == "penalty_decision" else issued))
    if "service_receipt" in required:
        _receipts(f, parts, abbr, required["service_receipt"], served, year)
    return parts.frame()


def _receipts(
    f: pd.DataFrame,
    parts: _Parts,
    abbr: np.ndarray,
    wanted: np.ndarray,
    served: list[tuple[np.ndarray, pd.Series]],
    year: np.ndarray,
) -> None:
    """A 送达回证 for each external document, numbered by its position among the case's served ones."""
    sub = np.zeros(len(f), dtype=np.int64)
    serial = f.serial.to_numpy()
    for rows, on in served:
        sub[rows] += 1
        keep = rows[wanted[rows] & on.notna().to_numpy()[rows]]
        numbers: list[str | None] = [
            document_number(abbr[i], "送", int(year[i]), int(serial[i]), int(sub[i])) for i in keep.tolist()
        ]
        parts.add(keep, RECEIPT_ORDER + sub[keep], "service_receipt", on.to_numpy()[keep], numbers)
