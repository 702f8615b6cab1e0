"""Archiving (#18 §5) over HTTP: only a closed case with its required documents, one merged PDF whose
contents page matches its pages, the case read-only afterwards, the hash in the audit chain, a tampered
file named by the verification, and a foreign unit's archive looking like a missing one."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import zipfile
from typing import Any

import pypdf
from apitest_support import PHOTO
from case_flow_support import closed_case, generate
from fastapi.testclient import TestClient
from sqlalchemy import select

from api.models import AuditEntry
from api.platform.services.storage import blob_path
from zhifa.settings import SEEDS_DIR

MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00" * 64


def _titles() -> dict[str, str]:
    """Document titles straight from the seed (not through the code)."""
    with (SEEDS_DIR / "ref_document_types.csv").open(encoding="utf-8") as fh:
        return {r["doc_type"]: r["name_zh"] for r in csv.DictReader(fh)}


def test_archive_of_a_closed_case(client: TestClient, as_user: Any, app: Any, settings: Any) -> None:
    li, head, kaifeng = as_user("li"), as_user("head"), as_user("kaifeng")
    titles = _titles()
    executed = closed_case(client, li, head, to="executed")
    r = client.post(f"/cases/{executed}/archive", headers=li)
    assert (
        r.status_code == 409 and r.json()["code"] == "ARCHIVE_BLOCKED" and "只有已结案" in r.json()["message"]
    )

    case_id = closed_case(client, li, head)
    r = client.get(f"/cases/{case_id}/archive/blocking", headers=li)
    assert r.status_code == 200 and r.json()["ok"] is False
    missing = (
        "inquiry_record",
        "investigation_report",
        "handling_approval",
        "payment_receipt",
        "closing_report",
    )
    for doc_type in missing:  # every missing document is named in Chinese
        assert titles[doc_type] in r.json()["messages"][0]
    assert client.post(f"/cases/{case_id}/archive", headers=li).status_code == 409
    for doc_type in missing:
        generate(client, li, case_id, doc_type)
    photo = {"file": ("现场照片.png", PHOTO.read_bytes(), "image/png")}
    r = client.post(f"/cases/{case_id}/uploads", data={"description": "现场照片"}, files=photo, headers=li)
    assert r.status_code == 201, r.text
    video = {
        "kind": "video",
        "step": "inspection",
        "device_id": "DSJ-01",
        "started_at": "2026-01-05T09:00:00+08:00",
    }
    r = client.post(
        f"/cases/{case_id}/uploads", data=video, files={"file": ("r.mp4", MP4, "video/mp4")}, headers=li
    )
    assert r.status_code == 201, r.text
    assert client.get(f"/cases/{case_id}/archive/blocking", headers=li).json() == {"ok": True, "messages": []}

    r = client.post(f"/cases/{case_id}/archive", headers=li)
    assert r.status_code == 201, r.text
    archive = r.json()
    assert archive["retention"] == "永久" and re.fullmatch(r"\d{4}年度.+第\d+号", archive["archive_no"])
    manifest = archive["manifest"]
    pdf = client.get(f"/cases/{case_id}/archive.pdf", headers=li).content
    assert hashlib.sha256(pdf).hexdigest() == archive["pdf_sha256"]
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == archive["pages"] == manifest["pdf"]["pages"]

    # filing order: the seed's order of the generated documents, then the uploaded photo; the video is kept
    # beside the dossier (listed, not bound)
    docs = client.get(f"/cases/{case_id}/dossier", headers=li).json()["documents"]
    with (SEEDS_DIR / "ref_document_types.csv").open(encoding="utf-8") as fh:
        order = {r["doc_type"]: int(r["filing_order"]) for r in csv.DictReader(fh)}
    expected = [
        titles[d["doc_type"]] for d in sorted(docs, key=lambda d: (order[d["doc_type"]], d["document_id"]))
    ]
    files = manifest["files"]
    assert [f["title"] for f in files] == [*expected, "现场照片"]
    assert [v["step"] for v in manifest["recordings"]] == ["inspection"]

    # the contents page states each document's pages, and each range starts with that document
    contents_text = reader.pages[1].extract_text()
    assert "卷内目录" in contents_text
    page_texts = [p.extract_text() or "" for p in reader.pages]
    previous_last = 3  # cover, contents, remarks
    for f in files:
        first, last = f["first_page"], f["last_page"]
        assert first == previous_last + 1 and last >= first  # no gap, no overlap
        previous_last = last
        label = str(first) if first == last else f"{first}–{last}"
        assert label in contents_text
        if f["source"] == "document":
            assert f["title"] in page_texts[first - 1]
        assert f"第 {first} 页" in page_texts[first - 1]
    assert previous_last == len(reader.pages)
    outline = [o.title for o in reader.outline if isinstance(o, pypdf.generic.Destination)]
    assert outline[:3] == ["卷宗封面", "卷内目录", "备考表"] and len(outline) == 3 + len(files)
    assert "执法记录仪视频 1 段" in page_texts[2]  # the remarks sheet says what is kept beside

    # read-only from now on; the archive hash is in the audit chain
    r = client.post(f"/cases/{case_id}/documents", json={"doc_type": "closing_report"}, headers=li)
    assert r.status_code == 409 and r.json()["code"] == "CASE_ARCHIVED"
    r = client.post(f"/cases/{case_id}/uploads", files=photo, headers=li)
    assert r.status_code == 409 and r.json()["code"] == "CASE_ARCHIVED"
    assert client.get(f"/cases/{case_id}", headers=li).json()["status"] == "archived"
    assert client.post(f"/cases/{case_id}/archive", headers=li).status_code == 409
    with app.state.sessionmaker() as session:
        entry = session.scalars(
            select(AuditEntry).where(AuditEntry.entity == "archive", AuditEntry.entity_id == case_id)
        ).one()
        assert archive["pdf_sha256"] in json.dumps(entry.after) and archive["manifest_sha256"] in json.dumps(
            entry.after
        )

    # export: the merged PDF, every file as stored and the manifest
    r = client.get(f"/cases/{case_id}/archive.zip", headers=li)
    assert r.status_code == 200
    with zipfile.ZipFile(io.BytesIO(r.content)) as zf:
        names = zf.namelist()
        assert "dossier.pdf" in names and json.loads(zf.read("manifest.json")) == manifest
        assert len([n for n in names if n.startswith("files/")]) == len(files)
        for f, name in zip(files, sorted(n for n in names if n.startswith("files/")), strict=True):
            assert hashlib.sha256(zf.read(name)).hexdigest() == f["sha256"]

    # a foreign unit sees nothing, exactly like a case that does not exist
    for path in ("/archive", "/archive.pdf", "/archive/verification"):
        foreign = client.get(f"/cases/{case_id}{path}", headers=kaifeng)
        missing_case = client.get(f"/cases/C4101222099999999{path}", headers=kaifeng)
        assert foreign.status_code == missing_case.status_code == 404
        assert foreign.json()["code"] == missing_case.json()["code"]

    # tampering: one stored file changed on disk is named, and the export refuses to carry it
    assert client.get(f"/cases/{case_id}/archive/verification", headers=li).json() == {
        "ok": True,
        "messages": [],
    }
    decision = next(f for f in files if f["title"] == titles["penalty_decision"])
    blob = blob_path(settings.documents_dir, decision["sha256"])
    blob.write_bytes(blob.read_bytes() + b"%tampered")
    check = client.get(f"/cases/{case_id}/archive/verification", headers=li).json()
    assert check["ok"] is False and len(check["messages"]) == 1
    assert f"{decision['seq']} {titles['penalty_decision']}" in check["messages"][0]
    r = client.get(f"/cases/{case_id}/archive.zip", headers=li)
    assert r.status_code == 409 and r.json()["code"] == "ARCHIVE_TAMPERED"
