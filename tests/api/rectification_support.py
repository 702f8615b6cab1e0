"""A reviewed dossier that opens a rectification (整改), made through the API as a reviewer makes it: a case
of two officers captured by ``li`` (410122), its dossier with machine findings, a pool task claimed and
submitted by ``r_kf`` (410200). Points come from the rule seed itself (review_support.seed_rules)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

from apitest_support import SECRET, case_body
from review_support import Finding, add_dossier, bearer, seed_rules


def module_app(sqlite_template: Path, home: Path) -> Iterator[Any]:
    """One store for a test module (SQLite; the SQL is plain): every test makes its own cases and tasks."""
    from api.main import create_app
    from zhifa.settings import Settings

    shutil.copyfile(sqlite_template, home / "api.sqlite3")
    url = f"sqlite:///{home / 'api.sqlite3'}"
    application = create_app(Settings(home=home, database_url=url, secret_key=SECRET))
    yield application
    application.state.engine.dispose()


FINDINGS = [
    Finding("R001", "failed"),
    Finding("R002", "failed"),
    Finding("R014", "human"),
    Finding("R010", "human"),  # a veto item the reviewer rejects
]
CONFIRMED = ("R001", "R002", "R014")
ADDED = "R003"


def expected_points(extra: Decimal) -> Decimal:
    rules = seed_rules()
    return sum((Decimal(rules[r]["deduct_points"]) for r in CONFIRMED), Decimal(0)) + extra


def reviewed(
    app: Any, client: Any, ids: dict[str, int], li: dict[str, str], extra: Decimal, reviewer: str = "r_kf"
) -> dict[str, Any]:
    """Submit a review of a new case's dossier deducting the confirmed findings plus ``extra`` points (an
    added item, none when 0); returns the submit answer with the case id."""
    r = client.post("/cases", json=case_body(), headers=li)
    assert r.status_code == 201, r.text
    case_id = r.json()["case_id"]
    dossier_id = add_dossier(app, case_id, "410122", uploader=ids["quality"], findings=FINDINGS)
    r = client.post("/review-tasks", json={"dossier_ids": [dossier_id]}, headers=bearer(ids["quality"]))
    assert r.status_code == 201, r.text
    task_id = r.json()[0]["task_id"]
    who = bearer(ids[reviewer])
    assert client.post(f"/review-tasks/{task_id}/claim", headers=who).status_code == 200
    body = {
        "decisions": [{"rule_id": rid, "decision": "confirm"} for rid in CONFIRMED]
        + [{"rule_id": "R010", "decision": "reject", "comment": "管辖正确"}],
        "additions": [{"rule_id": ADDED, "points": float(extra), "comment": "保管期限未写"}] if extra else [],
    }
    r = client.post(f"/review-tasks/{task_id}/submit", json=body, headers=who)
    assert r.status_code == 200, r.text
    return {**r.json(), "case_id": case_id, "dossier_id": dossier_id}
