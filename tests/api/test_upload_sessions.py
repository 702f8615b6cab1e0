"""Resumable uploads (issue #16 §5) on the real app, SQLite and PostgreSQL: chunks at the server's offset,
a chunk whose request died leaves nothing behind, the checksum decides, the file is stored once and byte for
byte, sessions are their officer's own and expire."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from pathlib import Path
from typing import Any

import time_machine
from apitest_support import PHOTO
from fastapi.testclient import TestClient
from office_support import deviation_case
from sqlalchemy import func, select

from api.models import Upload
from zhifa.clock import now

DATA = PHOTO.read_bytes() + bytes(range(256)) * 40  # a real PNG, padded past one chunk


def url(case_id: str, rest: str = "") -> str:
    return f"/cases/{case_id}/upload-sessions{rest}"


def open_session(
    client: TestClient, h: dict[str, str], case_id: str, data: bytes = DATA, **extra: Any
) -> Any:
    r = client.post(url(case_id), json={"filename": "现场照片.png", "size": len(data), **extra}, headers=h)
    assert r.status_code == 201, r.text
    return r.json()


def put(client: TestClient, h: dict[str, str], case_id: str, sid: str, offset: int, chunk: bytes) -> Any:
    return client.put(
        url(case_id, f"/{sid}"),
        params={"offset": offset},
        content=chunk,
        headers={**h, "Content-Type": "application/octet-stream"},
    )


def blobs(app: Any) -> list[Path]:
    root: Path = app.state.settings.uploads_dir
    return [p for p in root.glob("??/*") if p.is_file()]


def uploads_of(app: Any, case_id: str) -> int:
    with app.state.sessionmaker() as s:
        return int(s.scalar(select(func.count()).select_from(Upload).where(Upload.case_id == case_id)) or 0)


def test_chunks_resume_and_complete_once(app: Any, client: TestClient, as_user: Any) -> None:
    li = as_user("li")
    case_id = deviation_case(client, li)["case_id"]
    started = open_session(client, li, case_id)
    sid, third = started["session_id"], len(DATA) // 3
    assert started["received"] == 0 and started["chunk_max_bytes"] > 0
    assert put(client, li, case_id, sid, 0, DATA[:third]).json()["received"] == third

    # a chunk whose request died after writing part of its bytes: the server's offset did not move
    partial = app.state.settings.uploads_dir / ".partial" / sid
    with partial.open("ab") as fh:
        fh.write(b"garbage of a dead request")
    assert client.get(url(case_id, f"/{sid}"), headers=li).json()["received"] == third
    head = client.head(url(case_id, f"/{sid}"), headers=li)
    assert (head.headers["Upload-Offset"], head.headers["Upload-Length"]) == (str(third), str(len(DATA)))

    # a chunk at the wrong offset is refused and names the offset the server holds
    r = put(client, li, case_id, sid, 0, DATA[:third])
    assert (
        r.status_code == 409 and r.json()["code"] == "OFFSET_MISMATCH" and str(third) in r.json()["message"]
    )
    assert put(client, li, case_id, sid, third, DATA[third : 2 * third]).status_code == 200
    # complete before the end, and beyond the declared size
    r = client.post(url(case_id, f"/{sid}/complete"), json={"sha256": "0" * 64}, headers=li)
    assert r.status_code == 409 and r.json()["code"] == "UPLOAD_INCOMPLETE"
    r = put(client, li, case_id, sid, 2 * third, DATA[2 * third :] + b"x")
    assert r.status_code == 422 and r.json()["code"] == "BEYOND_SIZE"
    assert put(client, li, case_id, sid, 2 * third, DATA[2 * third :]).json()["received"] == len(DATA)
    assert blobs(app) == []  # no final file until complete

    wrong = hashlib.sha256(DATA + b"!").hexdigest()
    r = client.post(url(case_id, f"/{sid}/complete"), json={"sha256": wrong}, headers=li)
    assert r.status_code == 422 and r.json()["code"] == "CHECKSUM_MISMATCH"
    assert blobs(app) == [] and uploads_of(app, case_id) == 0

    digest = hashlib.sha256(DATA).hexdigest()
    r = client.post(url(case_id, f"/{sid}/complete"), json={"sha256": digest}, headers=li)
    assert r.status_code == 201, r.text
    done = r.json()
    assert (done["sha256"], done["size"], done["media_type"]) == (digest, len(DATA), "image/png")
    [blob] = blobs(app)
    assert blob.read_bytes() == DATA and not partial.exists()
    got = client.get(f"/cases/{case_id}/uploads/{done['upload_id']}/content", headers=li).content
    assert got == DATA
    again = client.post(url(case_id, f"/{sid}/complete"), json={"sha256": digest}, headers=li)
    assert again.status_code == 200 and again.json()["upload_id"] == done["upload_id"]
    assert uploads_of(app, case_id) == 1
    r = put(client, li, case_id, sid, len(DATA), b"more")
    assert r.status_code == 409 and r.json()["code"] == "UPLOAD_COMPLETE"
    # the same bytes uploaded again are one stored file
    second = open_session(client, li, case_id)["session_id"]
    assert put(client, li, case_id, second, 0, DATA).status_code == 200
    assert (
        client.post(url(case_id, f"/{second}/complete"), json={"sha256": digest}, headers=li).status_code
        == 201
    )
    assert len(blobs(app)) == 1 and uploads_of(app, case_id) == 2


def test_the_same_key_reopens_the_same_session(client: TestClient, as_user: Any) -> None:
    li = as_user("li")
    case_id = deviation_case(client, li)["case_id"]
    body = {"filename": "a.png", "size": len(DATA)}
    first = client.post(url(case_id), json=body, headers={**li, "Idempotency-Key": "k-1"})
    again = client.post(url(case_id), json=body, headers={**li, "Idempotency-Key": "k-1"})
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["session_id"] == again.json()["session_id"]
    other = client.post(url(case_id), json={**body, "size": 5}, headers={**li, "Idempotency-Key": "k-1"})
    assert other.status_code == 422 and other.json()["code"] == "IDEMPOTENCY_KEY_REUSED"


def test_limits_and_bad_input(app: Any, client: TestClient, as_user: Any) -> None:
    li = as_user("li")
    case_id = deviation_case(client, li)["case_id"]
    limits = app.state.api_settings
    r = client.post(
        url(case_id), json={"filename": "big.mp4", "size": limits.max_upload_bytes + 1}, headers=li
    )
    assert r.status_code == 413 and r.json()["code"] == "TOO_LARGE"
    r = client.post(url(case_id), json={"filename": "../x.png", "size": 10}, headers=li)
    assert r.status_code == 422 and r.json()["code"] == "UNSAFE_FILENAME"
    r = client.post(url(case_id), json={"filename": "v.mp4", "size": 10, "kind": "video"}, headers=li)
    assert r.status_code == 422 and r.json()["code"] == "VIDEO_METADATA_REQUIRED"
    assert client.post(url(case_id), json={"filename": "a.png", "size": 0}, headers=li).status_code == 422
    sid = open_session(client, li, case_id)["session_id"]
    app.state.api_settings = limits.model_copy(update={"upload_chunk_max_bytes": 1024})
    try:
        r = put(client, li, case_id, sid, 0, DATA[:1025])
        assert r.status_code == 413 and r.json()["code"] == "CHUNK_TOO_LARGE"
    finally:
        app.state.api_settings = limits
    assert put(client, li, case_id, sid, 0, b"").status_code == 422
    assert client.get(url(case_id, "/not-a-session"), headers=li).status_code == 422
    # bytes of no accepted type: refused at complete, nothing stored
    text = b"just some text, not a photo" * 10
    sid = open_session(client, li, case_id, text)["session_id"]
    assert put(client, li, case_id, sid, 0, text).status_code == 200
    r = client.post(
        url(case_id, f"/{sid}/complete"), json={"sha256": hashlib.sha256(text).hexdigest()}, headers=li
    )
    assert r.status_code == 415 and blobs(app) == [] and uploads_of(app, case_id) == 0


def test_sessions_are_their_officers_own(client: TestClient, as_user: Any) -> None:
    li, wang, kaifeng = as_user("li"), as_user("wang"), as_user("kaifeng")
    case_id = deviation_case(client, li)["case_id"]
    sid = open_session(client, li, case_id)["session_id"]
    missing = client.get(url(case_id, "/" + "0" * 32), headers=li)
    assert missing.status_code == 404 and missing.json()["code"] == "UPLOAD_SESSION_NOT_FOUND"
    # a colleague of the same unit: the session does not exist for him
    assert client.get(url(case_id, f"/{sid}"), headers=wang).json() == missing.json()
    assert put(client, wang, case_id, sid, 0, DATA).json() == missing.json()
    # another city: the case does not exist
    for r in (
        client.get(url(case_id, f"/{sid}"), headers=kaifeng),
        put(client, kaifeng, case_id, sid, 0, DATA),
        client.post(url(case_id), json={"filename": "a.png", "size": 3}, headers=kaifeng),
    ):
        assert r.status_code == 404 and r.json()["code"] == "CASE_NOT_FOUND"
    assert client.get(url(case_id, f"/{sid}")).status_code == 401


def test_abandoned_sessions_expire_with_their_bytes(app: Any, client: TestClient, as_user: Any) -> None:
    li = as_user("li")
    case_id = deviation_case(client, li)["case_id"]
    sid = open_session(client, li, case_id)["session_id"]
    assert put(client, li, case_id, sid, 0, DATA[:100]).status_code == 200
    partial = app.state.settings.uploads_dir / ".partial" / sid
    assert partial.stat().st_size == 100
    hours = app.state.api_settings.upload_session_hours
    with time_machine.travel(now() + timedelta(hours=hours, minutes=1), tick=False):
        li = as_user("li")  # a token of that later time
        r = client.get(url(case_id, f"/{sid}"), headers=li)
        assert r.status_code == 404 and r.json()["code"] == "UPLOAD_SESSION_NOT_FOUND"
        assert put(client, li, case_id, sid, 100, DATA[100:200]).status_code == 404
        open_session(client, li, case_id)  # opening any session sweeps the expired ones
    assert not partial.exists()
