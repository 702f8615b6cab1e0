"""From a real upload to a human review: a generated dossier with a planted defect is uploaded and machine
reviewed (another module), published into the pool, claimed, shown with its real findings pre-filled, and
reviewed; the score is checked against the machine report's own deductions."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from review_support import add_users, bearer, seed_setting


@pytest.fixture
def backend() -> str:
    return "sqlite"


def _zip(folder: Path, case_id: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for p in sorted(folder.iterdir()):
            zf.writestr(f"{case_id}/{p.name}", p.read_bytes())
    return buf.getvalue()


def test_uploaded_dossier_is_reviewed_by_a_human(
    app: Any, client: TestClient, as_user: Any, demo_world: Path, demo_truth: dict[str, Any]
) -> None:
    ids = add_users(app)
    text_cases = sorted(
        p.name
        for p in (demo_world / "files").iterdir()
        if next(p.iterdir()).suffix.lower() in (".pdf", ".docx")
    )
    case_id = next(c for c in text_cases if c in demo_truth["document_defects"])
    body = _zip(demo_world / "files" / case_id, case_id)
    r = client.post(
        "/dossiers",
        data={"case_id": case_id, "unit_code": "410122"},
        files=[("files", (f"{case_id}.zip", body, "application/zip"))],
        headers=as_user("li"),
    )
    assert r.status_code == 201, r.text
    dossier_id, report = r.json()["dossier"]["dossier_id"], r.json()["report"]
    failed = [f for f in report["findings"] if f["outcome"] == "failed"]
    assert failed, "the planted defect fails a rule"

    q = bearer(ids["quality"])
    [task] = client.post("/review-tasks", json={"dossier_ids": [dossier_id]}, headers=q).json()
    kf = bearer(ids["r_kf"])
    assert client.post(f"/review-tasks/{task['task_id']}/claim", headers=kf).status_code == 200
    detail = client.get(f"/review-tasks/{task['task_id']}", headers=kf).json()
    form = {f["rule_id"]: f for f in detail["findings"]}
    assert {f["rule_id"] for f in failed} == {r for r, f in form.items() if f["prefill"] == "confirm"}
    open_items = {
        f["rule_id"] for f in report["findings"] if f["outcome"] in ("failed", "human", "not_checked")
    }
    assert {r for r, f in form.items() if f["decision_needed"]} == open_items

    # confirm every machine failure, reject everything left open: the human score is the machine's
    decisions = [
        {
            "rule_id": rid,
            "decision": "confirm" if form[rid]["outcome"] == "failed" else "reject",
            "comment": "已核",
        }
        for rid in sorted(open_items)
    ]
    r = client.post(f"/review-tasks/{task['task_id']}/submit", json={"decisions": decisions}, headers=kf)
    assert r.status_code == 200, r.text
    review = r.json()["review"]
    expected = max(float(seed_setting("review_total_points")) - sum(f["deducted_points"] for f in failed), 0)
    assert review["total_score"] == pytest.approx(expected) == pytest.approx(report["score"])
    assert review["veto"] == any(f["veto"] for f in failed) == report["veto"]
    assert review["grade"] == report["grade"]
