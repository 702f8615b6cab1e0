"""Training (issue #19 §2) through the API: a manager assigns a course to officers of their subtree, the
officer marks it done with a score or a certificate; refusals are clear and write nothing; needs and
effects come from the published snapshot, scoped; the assignments reach raw.api_training_assignments."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from pathlib import Path
from typing import Any

from apitest_support import PHOTO
from fastapi.testclient import TestClient
from training_support import publish

from ingestion.api_store.extract import extract_review_tables
from ingestion.warehouse import connect
from zhifa.clock import today


def _assign(client: TestClient, who: dict[str, str], course: str, officers: list[str], days: int = 14) -> Any:
    due = (today() + timedelta(days=days)).isoformat()
    return client.post(
        "/training/assignments",
        json={"course_id": course, "officer_ids": officers, "due_date": due},
        headers=who,
    )


def _count(client: TestClient, who: dict[str, str]) -> int:
    return len(client.get("/training/assignments", headers=who).json())


def test_assign_complete_and_refusals(app: Any, client: TestClient, as_user: Any, tmp_path: Path) -> None:
    boss, li, wang, kaifeng = (as_user(u) for u in ("cityboss", "li", "wang", "kaifeng"))
    assert [c["course_id"] for c in client.get("/training/courses", headers=li).json()][:2] == [
        "TC01",
        "TC02",
    ]
    r = _assign(client, boss, "TC04", ["O410122001", "O410122002"])
    assert r.status_code == 201, r.text
    assert {(a["officer_id"], a["status"], a["unit_code"]) for a in r.json()} == {
        ("O410122001", "assigned", "410122"),
        ("O410122002", "assigned", "410122"),
    }
    refusals = [
        (_assign(client, boss, "TC04", ["O410122001"]), 409, "TRAINING_ALREADY_ASSIGNED"),
        # an officer of another city reads as missing, and the first officer's row is not left behind
        (_assign(client, boss, "TC05", ["O410122001", "O410200001"]), 404, "OFFICER_NOT_FOUND"),
        (_assign(client, li, "TC05", ["O410122002"]), 403, "FORBIDDEN"),
        (_assign(client, boss, "TC99", ["O410122002"]), 422, "TRAINING_COURSE_UNKNOWN"),
        (_assign(client, boss, "TC05", ["O410122002"], days=-1), 422, "TRAINING_DUE_PAST"),
        (_assign(client, boss, "TC05", ["O410122002"], days=367), 422, "TRAINING_DUE_FAR"),  # setting: 366
        (_assign(client, boss, "TC05", ["O410122002", "O410122002"]), 422, "TRAINING_OFFICER_REPEATED"),
    ]
    for response, status, code in refusals:
        assert (response.status_code, response.json()["code"]) == (status, code), response.text
    assert _count(client, boss) == 2

    done = "/training/courses/{}/completion"
    r = client.post(done.format("TC09"), data={"score": "90"}, headers=li)  # never assigned to li
    assert (r.status_code, r.json()["code"]) == (409, "TRAINING_NOT_ASSIGNED")
    assert "未分配" in r.json()["message"]
    r = client.post(done.format("TC04"), headers=li)
    assert (r.status_code, r.json()["code"]) == (422, "TRAINING_EVIDENCE_MISSING")
    assert client.post(done.format("TC04"), data={"score": "101"}, headers=li).status_code == 422
    r = client.post(done.format("TC04"), data={"score": "88"}, headers=li)
    assert r.status_code == 200 and (r.json()["status"], r.json()["score"]) == ("completed", 88.0)
    r = client.post(done.format("TC04"), data={"score": "95"}, headers=li)  # done once: not again
    assert (r.status_code, r.json()["code"]) == (409, "TRAINING_NOT_ASSIGNED")
    text_file = {"certificate": ("证书.txt", b"not a certificate", "text/plain")}
    r = client.post(done.format("TC04"), files=text_file, headers=wang)
    assert (r.status_code, r.json()["code"]) == (422, "CERTIFICATE_TYPE")
    png = PHOTO.read_bytes()
    r = client.post(done.format("TC04"), files={"certificate": ("证书.png", png, "image/png")}, headers=wang)
    assert r.status_code == 200 and r.json()["certificate_sha256"] == hashlib.sha256(png).hexdigest()
    assert (r.json()["score"], r.json()["status"]) == (None, "completed")

    mine = client.get("/training/assignments", params={"mine": True}, headers=li).json()
    assert [(a["officer_id"], a["course_id"], a["status"]) for a in mine] == [
        ("O410122001", "TC04", "completed")
    ]
    assert _count(client, kaifeng) == 0  # Kaifeng's subtree holds neither officer
    listed = client.get("/training/officers", headers=boss).json()
    assert [o["officer_id"] for o in listed] == ["O410122001", "O410122002", "O410122003"]  # not Kaifeng's

    con = connect(tmp_path / "warehouse.duckdb")
    try:
        extract_review_tables(con, app.state.engine)
        rows = con.execute(
            "SELECT officer_id, course_id, status, score, assigned_by FROM raw.api_training_assignments "
            "ORDER BY officer_id"
        ).fetchall()
    finally:
        con.close()
    assert rows == [
        ("O410122001", "TC04", "completed", 88.0, "cityboss"),
        ("O410122002", "TC04", "completed", None, "cityboss"),
    ]


def test_needs_come_from_the_snapshot_in_scope(app: Any, client: TestClient, as_user: Any) -> None:
    boss = as_user("cityboss")
    assert client.get("/training/needs", headers=boss).json() == {"source": "none", "rows": []}
    assert client.get("/training/effect", headers=boss).json() == {"source": "none", "rows": []}
    publish(app.state.settings.serve_warehouse_path, effect=False)
    rows = client.get("/training/needs", headers=boss).json()["rows"]
    assert [(r["level"], r["subject_id"], r["course_id"]) for r in rows] == [
        ("officer", "O410122001", "TC04"),
        ("unit", "410122", "TC04"),
    ]  # Kaifeng's officer is outside Zhengzhou's subtree
    assert rows[0]["subject_name"] == "李明" and rows[0]["example_case_ids"] == "C1,C2"
    own = client.get("/training/needs", headers=as_user("li")).json()["rows"]
    assert [(r["level"], r["subject_id"]) for r in own] == [("officer", "O410122001")]
    assert client.get("/training/needs", headers=as_user("wang")).json()["rows"] == []  # not li's needs
    everyone = client.get("/training/needs", headers=as_user("admin")).json()["rows"]
    assert len(everyone) == 3
    # a snapshot without the effect mart (an older layout) answers "none", not an error
    assert client.get("/training/effect", headers=boss).json() == {"source": "none", "rows": []}
