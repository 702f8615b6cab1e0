"""Issue #12 §2.3, §2.4, §2.6: dossier case-id squatting, unreadable duplicates, and resource limits.

Readable documents are the API's own generated PDFs (rendered and recognised for real); unreadable ones a
truncated PDF. Limits are exercised on an app built with small ApiSettings, so no test sends 256 MiB."""

from __future__ import annotations

import io
import time
import zipfile
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from apitest_support import case_body
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import func, select

from api.core.config import ApiSettings
from api.main import create_app
from api.models import Dossier, DossierFile, MachineReview, User
from api.review.services.dossier_unpack import unpack
from zhifa.clock import today
from zhifa.settings import Settings

BROKEN = b"%PDF-1.4 truncated"


def _case_with_pdf(client: TestClient, headers: dict[str, str]) -> tuple[str, bytes]:
    case_id = client.post("/cases", json=case_body(), headers=headers).json()["case_id"]
    doc = client.post(f"/cases/{case_id}/documents", json={"doc_type": "inspection_record"}, headers=headers)
    assert doc.status_code == 201, doc.text
    pdf = client.get(f"/cases/{case_id}/documents/{doc.json()['document_id']}.pdf", headers=headers)
    return case_id, pdf.content


def _upload(client: TestClient, headers: dict[str, str], case_id: str, files: list[tuple[str, bytes]]) -> Any:
    parts = [("files", (name, data, "application/octet-stream")) for name, data in files]
    return client.post("/dossiers", data={"case_id": case_id}, files=parts, headers=headers)


def _dossiers(app: Any) -> int:
    with app.state.sessionmaker() as s:
        return int(s.scalar(select(func.count()).select_from(Dossier)) or 0)


def _same_but_id(a: Any, b: Any, id_a: str, id_b: str) -> None:
    assert (a.status_code, a.json()["code"]) == (b.status_code, b.json()["code"]) == (404, "CASE_NOT_FOUND")
    assert a.json()["message"].replace(id_a, "X") == b.json()["message"].replace(id_b, "X")


# --- §2.3 case-id squatting ----------------------------------------------------------------------------
def test_no_dossier_for_another_units_case_or_an_id_not_created_yet(
    client: TestClient, app: Any, as_user: Any
) -> None:
    li, kaifeng = as_user("li"), as_user("kaifeng")
    case_id, pdf = _case_with_pdf(client, li)
    year = today().year
    not_yet = f"C410122{year}00099"  # li's unit numbers cases this year: the id is the store's to hand out
    other_unit_new = "C410122201900007"  # Zhongmou's id space, never numbered here
    files = [("record.pdf", pdf)]
    before = _dossiers(app)
    foreign = _upload(client, kaifeng, case_id, files)
    missing = _upload(client, kaifeng, not_yet, files)
    _same_but_id(foreign, missing, case_id, not_yet)
    _same_but_id(_upload(client, kaifeng, other_unit_new, files), missing, other_unit_new, not_yet)
    _same_but_id(_upload(client, li, not_yet, files), missing, not_yet, not_yet)  # own unit, not created yet
    # the form's unit_code does not help: the id says whose case it is
    r = client.post(
        "/dossiers",
        data={"case_id": other_unit_new, "unit_code": "410200"},
        files=[("files", ("record.pdf", pdf, "application/pdf"))],
        headers=kaifeng,
    )
    _same_but_id(r, missing, other_unit_new, not_yet)
    assert _dossiers(app) == before
    # the owner is not blocked
    assert _upload(client, li, case_id, files).status_code == 201
    assert _upload(client, li, other_unit_new, files).status_code == 201  # a paper case of li's own unit


# --- §2.4 unreadable duplicates -------------------------------------------------------------------------
def test_copies_of_an_unreadable_file_are_nothing_usable(client: TestClient, app: Any, as_user: Any) -> None:
    li = as_user("li")
    case_id = client.post("/cases", json=case_body(), headers=li).json()["case_id"]
    before = _dossiers(app)
    copies = [(f"page{i}.pdf", BROKEN) for i in range(5)]
    r = _upload(client, li, case_id, copies)
    assert r.status_code == 422 and r.json()["code"] == "NOTHING_USABLE", r.text
    assert len(r.json()["detail"]) == 1  # identical bytes are one file
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in copies:
            zf.writestr(name, data)
    r = _upload(client, li, case_id, [("dossier.zip", buf.getvalue())])
    assert r.status_code == 422 and r.json()["code"] == "NOTHING_USABLE", r.text
    assert _dossiers(app) == before


def test_identical_files_are_kept_once_and_an_unusable_dossier_is_never_scored(
    client: TestClient, app: Any, as_user: Any
) -> None:
    li = as_user("li")
    case_id, pdf = _case_with_pdf(client, li)
    r = _upload(client, li, case_id, [("a.pdf", pdf), ("b.pdf", pdf), ("broken.pdf", BROKEN)])
    assert r.status_code == 201, r.text
    assert sorted(f["filename"] for f in r.json()["files"]) == ["a.pdf", "broken.pdf"]
    again = client.post(
        f"/dossiers/{r.json()['dossier']['dossier_id']}/files",
        files=[("files", ("c.pdf", pdf, "application/pdf"))],
        headers=li,
    )
    assert again.status_code == 201 and len(again.json()["files"]) == 2, again.text
    # a dossier stored with only unreadable files (before the check): re-review refuses to score it
    stamp = datetime(2024, 6, 1, 8)
    with app.state.sessionmaker() as s:
        uploader = s.scalar(select(User.id).where(User.username == "li"))
        d = Dossier(case_id="C410122202400077", unit_code="410122", uploaded_by=uploader, created_at=stamp,
                    updated_at=stamp)  # fmt: skip
        s.add(d)
        s.flush()
        s.add(DossierFile(dossier_id=d.dossier_id, filename="x.pdf", size=len(BROKEN), uploaded_by=uploader,
                          uploaded_at=stamp, fields=[], status="error", error_code="UNREADABLE"))  # fmt: skip
        s.commit()
        dossier_id = d.dossier_id
    r = client.post(f"/dossiers/{dossier_id}/machine-review", headers=as_user("admin"))
    assert r.status_code == 422 and r.json()["code"] == "NOTHING_USABLE", r.text
    with app.state.sessionmaker() as s:
        assert s.scalar(select(func.count()).select_from(MachineReview).where(
            MachineReview.dossier_id == dossier_id)) == 0  # fmt: skip


# --- §2.6 resource limits -------------------------------------------------------------------------------
def test_a_huge_blank_image_is_refused_from_its_header(client: TestClient, as_user: Any) -> None:
    buf = io.BytesIO()
    Image.new("L", (6300, 6300), 255).save(buf, "PNG")
    started = time.perf_counter()
    r = client.post(
        "/scan", files={"file": ("blank.png", buf.getvalue(), "image/png")}, headers=as_user("li")
    )
    elapsed = time.perf_counter() - started
    assert r.status_code == 413 and r.json()["code"] == "IMAGE_TOO_LARGE", r.text
    assert "6300×6300" in r.json()["message"]
    assert elapsed < 2.0, elapsed  # it took 13 s when decoded


@pytest.fixture
def small_app(settings: Settings) -> Iterator[Any]:
    limits = ApiSettings(max_request_bytes=2 * 1024 * 1024, dossier_max_bytes=600_000)
    application = create_app(settings, limits)
    yield application
    application.state.engine.dispose()


def test_request_and_dossier_byte_caps(small_app: Any, as_user: Any) -> None:
    with TestClient(small_app) as c:
        li = as_user("li")
        case_id, pdf = _case_with_pdf(c, li)
        big = [("files", (f"f{i}.pdf", b"%PDF-1.4 " + bytes(700_000) + bytes([i]), "application/pdf"))
               for i in range(4)]  # fmt: skip
        r = c.post("/dossiers", data={"case_id": case_id}, files=big, headers=li)
        assert r.status_code == 413 and r.json()["code"] == "REQUEST_TOO_LARGE", r.text

        def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it streams
            for _ in range(40):
                yield bytes(100_000)

        r = c.post(f"/cases/{case_id}/uploads", content=chunks(),
                   headers={**li, "Content-Type": "multipart/form-data; boundary=x"})  # fmt: skip
        assert r.status_code == 413 and r.json()["code"] == "REQUEST_TOO_LARGE", r.text
        # under the request cap, but the dossier would keep more than dossier_max_bytes
        one = [("files", ("a.pdf", pdf, "application/pdf"))]
        ok = c.post("/dossiers", data={"case_id": case_id}, files=one, headers=li)
        assert ok.status_code == 201, ok.text
        padded = pdf + b"\n%" + bytes(600_000)
        r = c.post(f"/dossiers/{ok.json()['dossier']['dossier_id']}/files",
                   files=[("files", ("b.pdf", padded, "application/pdf"))], headers=li)  # fmt: skip
        assert r.status_code == 413 and r.json()["code"] == "DOSSIER_TOO_LARGE", r.text


def test_every_zip_member_has_its_ratio_checked(tmp_path: Path) -> None:
    """A 900 KB member of zeros compresses ~1000:1; members under 1 MiB used to skip the check."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for i in range(3):
            zf.writestr(f"p{i}.pdf", b"%PDF-1.4 " + bytes(900_000))
    parts = unpack("d.zip", buf.getvalue(), ApiSettings())
    assert [p.error_code for p in parts] == ["ZIP_BOMB"] * 3
    assert all(p.data is None for p in parts)
