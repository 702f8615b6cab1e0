"""The quality team's tests: a published snapshot holding marts.fct_reviewer_calibration, and a dossier whose
re-review differs from its first review by more than the allowed gap (an arbitration task)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
from fastapi.testclient import TestClient
from review_support import Finding, add_dossier, bearer, seed_setting

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


FINDINGS = [Finding("R001", "failed"), Finding("R002", "failed"), Finding("R014", "human")]
ARBITERS = [("q_kf", "410200", ["quality"]), ("q_zz", "410100", ["quality"])]


def reviewed(client: TestClient, who: dict[str, str], task: int, extra: float) -> dict[str, Any]:
    assert client.post(f"/review-tasks/{task}/claim", headers=who).status_code == 200
    body = {
        "decisions": [
            {"rule_id": "R001", "decision": "confirm"},
            {"rule_id": "R002", "decision": "confirm"},
            {"rule_id": "R014", "decision": "reject", "comment": "证据齐全"},
        ],
        "additions": [{"rule_id": "R042", "points": extra, "comment": f"扣 {extra} 分"}] if extra else [],
    }
    r = client.post(f"/review-tasks/{task}/submit", json=body, headers=who)
    assert r.status_code == 200, r.text
    return dict(r.json())


def publish_task(client: TestClient, quality: dict[str, str], dossier: int, mode: str) -> int:
    r = client.post("/review-tasks", json={"dossier_ids": [dossier], "mode": mode}, headers=quality)
    assert r.status_code == 201, r.text
    return int(r.json()[0]["task_id"])


def arbitration_task(app: Any, client: Any, ids: dict[str, int], case_id: str) -> tuple[int, int, Any, Any]:
    """(dossier, arbitration task, first review, re-review): r_kf reviews, r_kf2 deducts gap + 1.5 more."""
    h = {name: bearer(i) for name, i in ids.items()}
    gap = float(seed_setting("rereview_score_gap"))
    dossier = add_dossier(app, case_id, "410122", uploader=ids["quality"], findings=FINDINGS)
    first = reviewed(client, h["r_kf"], publish_task(client, h["quality"], dossier, "pool"), 0)["review"]
    out = reviewed(client, h["r_kf2"], publish_task(client, h["quality"], dossier, "re_review"), gap + 1.5)
    assert out["arbitration_task_id"] is not None
    return dossier, int(out["arbitration_task_id"]), first, out["review"]
