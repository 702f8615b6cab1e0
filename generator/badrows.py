"""Deliberately bad rows, one per contract breach CONTRACT.md lists, planted as extra rows.

Each bad row is an additional row (nothing references it), so rejecting it never cascades to good rows.
The ``_bad_reason`` column marks it until the writer records its file and line in the ground truth.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

Row = dict[str, Any]
BAD_COLUMN = "_bad_reason"


def _set(**changes: Any) -> Callable[[Row], Row]:
    return lambda row: {**row, **changes}


# table → list of (reason code as ingestion.validate names it, how to spoil a copy of a good row)
PLANTS: dict[str, list[tuple[str, Callable[[Row], Row]]]] = {
    "units": [("missing_required", lambda r: {**r, "unit_code": "419999", "name": None})],
    "officers": [
        ("unknown_fk", lambda r: {**r, "officer_id": r["officer_id"] + "X", "unit_code": "999999"}),
        ("bad_date", lambda r: {**r, "officer_id": r["officer_id"] + "Y", "cert_valid_to": "2024-13-45"}),
    ],
    "products": [
        ("bad_ean13", lambda r: {**r, "product_code": "P99991", "carton_barcode": "6901028221234"}),
        ("duplicate_key", _set()),
    ],
    "prices": [
        ("unknown_fk", _set(product_code="P99998")),
        ("unknown_enum", _set(price_type="出厂价")),
    ],
    "cases": [
        ("duplicate_key", lambda r: {**r, "fine_amount": 1.0}),
        ("unknown_enum", lambda r: {**r, "case_id": r["case_id"] + "B", "status": "closedd"}),
        (
            "bad_timestamp",
            lambda r: {**r, "case_id": r["case_id"] + "T", "discovered_at": "2024/02/30 25:00"},
        ),
        ("missing_required", lambda r: {**r, "case_id": r["case_id"] + "M", "unit_code": None}),
    ],
    "case_items": [
        ("bad_ean13", lambda r: {**r, "line_no": 901, "barcode": "6901028221234"}),
        ("unknown_fk", _set(case_id="C000000000000000")),
        ("bad_decimal", lambda r: {**r, "line_no": 902, "quantity": "十条"}),
        ("unknown_enum", lambda r: {**r, "line_no": 903, "quantity_unit": "箱"}),
    ],
    "case_officers": [("unknown_fk", _set(officer_id="O999999999"))],
    "approvals": [("unknown_enum", lambda r: {**r, "approval_id": r["approval_id"] + "K", "kind": "other"})],
    "documents": [
        ("unknown_fk", lambda r: {**r, "document_id": r["document_id"] + "F", "case_id": "C000000000000001"})
    ],
    "videos": [("unknown_enum", lambda r: {**r, "video_id": r["video_id"] + "S", "step": "patrol"})],
    "reviews": [
        ("missing_required", lambda r: {**r, "review_id": r["review_id"] + "N", "total_score": None})
    ],
    "review_items": [("unknown_fk", _set(review_id="R000000000"))],
}


def plant_bad_rows(tables: dict[str, pd.DataFrame], rng: np.random.Generator) -> dict[str, pd.DataFrame]:
    """Replaces each table in ``tables`` (so the clean copy can be freed at once) and returns the dict."""
    for name in list(tables):
        frame = tables.pop(name).assign(**{BAD_COLUMN: None})
        for reason, spoil in PLANTS.get(name, []):
            idx = int(rng.integers(0, len(frame)))
            bad = spoil({**frame.iloc[idx].to_dict(), BAD_COLUMN: reason})
            lo = idx + 1 if reason == "duplicate_key" else 0  # a duplicate comes after the row it repeats
            at = int(rng.integers(lo, len(frame) + 1))
            frame = pd.concat([frame.iloc[:at], pd.DataFrame([bad]), frame.iloc[at:]], ignore_index=True)
        tables[name] = frame
    return tables
