"""The dossier's files through a review task (the reviewer's side-by-side view, issue #17), SQLite and
PostgreSQL: the holder from another city reads the uploaded PDF byte for byte with the recognised fields
and their pages; anyone else, or any other file id, gets the same 404 as a missing task or file."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from office_support import uploaded_dossier
from review_support import add_users, bearer

from api.models import DossierFile


def stored_fields(app: Any, file_id: int) -> list[dict[str, Any]]:
    with app.state.sessionmaker() as s:
        row = s.get(DossierFile, file_id)
        assert row is not None
        return list(row.fields)


def test_holder_reads_the_files_others_find_nothing(app: Any, client: TestClient, as_user: Any) -> None:
    ids = add_users(app)
    up = uploaded_dossier(client, as_user("li"))
    other = uploaded_dossier(client, as_user("li"))
    r = client.post("/review-tasks", json={"dossier_ids": [up["dossier_id"]]}, headers=bearer(ids["quality"]))
    task_id = r.json()[0]["task_id"]
    kf, kf2 = bearer(ids["r_kf"]), bearer(ids["r_kf2"])
    # before the claim the task is nobody's: the reviewer of another city reads nothing
    assert client.get(f"/review-tasks/{task_id}/files", headers=kf).json()["code"] == "TASK_NOT_FOUND"
    assert client.post(f"/review-tasks/{task_id}/claim", headers=kf).status_code == 200

    r = client.get(f"/review-tasks/{task_id}/files", headers=kf)
    assert r.status_code == 200, r.text
    [listed] = r.json()
    [uploaded] = up["files"]
    assert (listed["file_id"], listed["filename"], listed["pages"]) == (
        uploaded["file_id"],
        "现场检查笔录.pdf",
        uploaded["pages"],
    )
    assert listed["fields"] == stored_fields(app, listed["file_id"])
    assert any(f["field"] == "party_name" and f["value"] == "张三" for f in listed["fields"])
    r = client.get(f"/review-tasks/{task_id}/files/{listed['file_id']}", headers=kf)
    assert r.status_code == 200 and r.content == up["pdf"]
    assert r.headers["content-type"] == "application/pdf"
    # the reviewer cannot reach the same dossier through /dossiers (outside their scope) …
    assert client.get(f"/dossiers/{up['dossier_id']}", headers=kf).status_code == 404
    # … nor another dossier's file through this task, nor this task as another reviewer
    [foreign_file] = other["files"]
    r = client.get(f"/review-tasks/{task_id}/files/{foreign_file['file_id']}", headers=kf)
    assert r.status_code == 404 and r.json()["code"] == "FILE_NOT_FOUND"
    r = client.get(f"/review-tasks/{task_id}/files/999999", headers=kf)
    assert r.status_code == 404 and r.json()["code"] == "FILE_NOT_FOUND"
    for path in (f"/review-tasks/{task_id}/files", f"/review-tasks/{task_id}/files/{listed['file_id']}"):
        r = client.get(path, headers=kf2)
        assert r.status_code == 404 and r.json()["code"] == "TASK_NOT_FOUND"
    # a manager of the dossier's unit reads them too
    assert client.get(f"/review-tasks/{task_id}/files", headers=as_user("cityboss")).status_code == 200
