"""Training (issue #19 §2) through the API: a manager assigns a course to officers of their subtree, the
officer marks it done with a score or a certificate; refusals are clear and write nothing; needs and
effects come from the published snapshot, scoped; the assignments reach raw.api_training_assignments."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from pathlib import Path
from typing import Any

import duckdb
from apitest_support import PHOTO
from fastapi.testclient import TestClient

from ingestion.api_store.extract import extract_review_tables
from ingestion.warehouse import connect
from zhifa.clock import today


def _assign(client: TestClient, who: dict[str, str], course: str, officers: list[str], days: int = 14) -> Any:
    due = (today() + timedelta(days=days)).isoformat()
    return client.post(
        "/training/assignments", json={"course_id": course, "officer_ids": officers, "due_date": due}, headers=who
    )


def _count(client: TestClient, who: dict[str, str]) -> int:
    return len(client.get("/training/assignments", headers=who).json())


def test_assign_complete_and_refusals(app: Any, client: TestClient, as_user: Any, tmp_path: Path) -> None:
    boss, li, wang, kaifeng = (as_user(u) for u in ("cityboss", "li", "wang", "kaifeng"))
    assert [c["course_id"] for c in client.get("/training/courses", headers=li).json()][:2] == ["TC01", "TC02"]
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
    assert [(a["officer_id"], a["course_id"], a["status"]) for a in mine] == [("O410122001", "TC04", "completed")]
    assert _count(client, kaifeng) == 0  # Kaifeng's subtree holds neither officer

    con = connect(tmp_path / "warehouse.duckdb")
    try:
        extract_review_tables(con, app.state.engine)
        rows = con.execute(
            "SELECT officer_id, course_id, status, score, assigned_by FROM raw.api_training_assignments "
            "ORDER BY officer_id"
        ).fetchall()
    finally:
        con.close()
    assert rows == [("O410122001", "TC04", "completed", 88.0, "cityboss"), ("O410122002", "TC04", "completed", None, "cityboss")]


RECOMMENDATIONS = [
    # level, subject, unit, course, title, rank, recommended, points, failed, evidence, examples
    ("officer", "O410122001", "410122", "TC04", "涉案物品核价实务", 1, True, 12.5, 6, "核价单价与价格目录一致（R034）6/10", "C1,C2"),
    ("unit", "410122", "410122", "TC04", "涉案物品核价实务", 1, True, 8.0, 6, "核价单价与价格目录一致（R034）6/40", "C1"),
    ("officer", "O410200001", "410200", "TC07", "告知、听证与法制审核", 1, True, 4.0, 3, "处罚前事先告知（R047）3/9", "C9"),
]  # fmt: skip


def _publish(snapshot: Path) -> None:
    snapshot.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(snapshot))
    con.execute("CREATE SCHEMA IF NOT EXISTS marts")
    con.execute(
        "CREATE TABLE marts.fct_training_recommendations (level VARCHAR, subject_id VARCHAR, unit_code VARCHAR, "
        "course_id VARCHAR, course_title VARCHAR, course_rank INTEGER, recommended BOOLEAN, need_points DOUBLE, "
        "n_failed INTEGER, evidence VARCHAR, example_case_ids VARCHAR, window_start DATE, as_of DATE)"
    )
    con.executemany(
        "INSERT INTO marts.fct_training_recommendations VALUES (?,?,?,?,?,?,?,?,?,?,?, DATE '2025-01-01', "
        "DATE '2025-12-31')",
        RECOMMENDATIONS,
    )
    con.close()


def test_needs_come_from_the_snapshot_in_scope(app: Any, client: TestClient, as_user: Any) -> None:
    boss = as_user("cityboss")
    assert client.get("/training/needs", headers=boss).json() == {"source": "none", "rows": []}
    assert client.get("/training/effect", headers=boss).json() == {"source": "none", "rows": []}
    _publish(app.state.settings.serve_warehouse_path)
    rows = client.get("/training/needs", headers=boss).json()["rows"]
    assert [(r["level"], r["subject_id"], r["course_id"]) for r in rows] == [
        ("officer", "O410122001", "TC04"),
        ("unit", "410122", "TC04"),
    ]  # Kaifeng's officer is outside Zhengzhou's subtree
    assert rows[0]["subject_name"] == "李明" and rows[0]["example_case_ids"] == "C1,C2"
    everyone = client.get("/training/needs", headers=as_user("admin")).json()["rows"]
    assert len(everyone) == 3
    # a snapshot without the effect mart (an older layout) answers "none", not an error
    assert client.get("/training/effect", headers=boss).json() == {"source": "none", "rows": []}
