"""Reviewer calibration for the quality team (issue #17): rows of marts.fct_reviewer_calibration from the
published snapshot, kept to reviewers of the caller's unit subtree; without a snapshot the page says so."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from quality_support import publish


def test_calibration_in_scope(app: Any, client: TestClient, as_user: Any, backend: str) -> None:
    r = client.get("/quality/calibration", headers=as_user("cityboss"))
    assert r.status_code == 200 and r.json() == {"source": "none", "rows": []}
    publish(app.state.settings.serve_warehouse_path)
    city = client.get("/quality/calibration", headers=as_user("cityboss")).json()
    assert city["source"] == "warehouse"
    assert [(r["reviewer_id"], r["year"]) for r in city["rows"]] == [
        ("O410122001", 2026),
        ("O410122002", 2026),
        ("O410122001", 2025),
    ]  # the other city's reviewer is not in Zhengzhou's subtree
    first = city["rows"][0]
    assert (first["reviewer_name"], first["direction"], first["offset_low"], first["offset_high"]) == (
        "李明",
        "lenient",
        2.3,
        7.9,
    )
    everyone = client.get("/quality/calibration", params={"year": 2026}, headers=as_user("admin")).json()
    assert [(r["reviewer_id"], r["direction"]) for r in everyone["rows"]] == [
        ("O410122001", "lenient"),
        ("O410122002", None),
        ("O410200001", "harsh"),
    ]
    r = client.get("/quality/calibration", headers=as_user("li"))
    assert r.status_code == 403 and r.json()["code"] == "ROLE_REQUIRED"
    assert client.get("/quality/calibration", params={"year": 1}, headers=as_user("admin")).status_code == 422
