"""A published warehouse snapshot holding marts.fct_reviewer_calibration, for the calibration tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb

# reviewer, year, n, compared, mean, offset, pooled, low, high, agreement, flagged, direction, band
ROWS = [
    ("O410122001", 2026, 12, 10, 91.5, 6.2, 5.1, 2.3, 7.9, 0.4, True, "lenient", 3.0),
    ("O410122002", 2026, 9, 8, 84.0, -0.4, -0.3, -2.1, 1.5, 0.9, False, None, 3.0),
    ("O410200001", 2026, 7, 7, 78.0, -5.5, -4.8, -7.7, -1.9, 0.3, True, "harsh", 3.0),
    ("O410122001", 2025, 5, 4, 88.0, 1.0, 0.6, -1.9, 3.1, 0.8, False, None, 3.0),
]


def publish(snapshot: Path, rows: list[tuple[Any, ...]] = ROWS) -> None:
    snapshot.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(snapshot))
    con.execute("CREATE SCHEMA IF NOT EXISTS marts")
    con.execute(
        "CREATE OR REPLACE TABLE marts.fct_reviewer_calibration (reviewer_id VARCHAR, year INTEGER, "
        "n_reviews INTEGER, n_compared INTEGER, mean_score DOUBLE, mean_offset DOUBLE, offset_pooled DOUBLE, "
        "offset_low DOUBLE, offset_high DOUBLE, agreement DOUBLE, flagged BOOLEAN, direction VARCHAR, "
        "offset_band DOUBLE)"
    )
    con.executemany("INSERT INTO marts.fct_reviewer_calibration VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)", rows)
    con.close()
