"""Dossier upload and machine review over HTTP (issue #7, point 1) on generated dossiers with defects.

Ground truth comes from the generator (``document_defects``); the rule each defect must trip is its
``DEFECT_RULE``, which the warehouse test (tests/test_metrics.py) uses too: both are held to the same answer.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import pytest
from apitest_support import PASSWORD, case_body
from docx import Document
from openpyxl import load_workbook
from pypdf import PdfReader, PdfWriter

from api.core.config import ApiSettings
from api.platform.services.users import create_user
from api.review.services.dossier_unpack import unpack
from generator.dossiers import DEFECT_RULE

TEXT_SUFFIXES = (".pdf", ".docx")


@pytest.fixture
def backend() -> str:
    return "sqlite"


@pytest.fixture
def reviewer(app: Any) -> str:
    with app.state.sessionmaker() as session:
        create_user(session, "pingcha", PASSWORD, "410000", ["reviewer", "quality"])
        session.commit()
    return "pingcha"


def _zip(files: list[tuple[str, bytes]]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in files:
            zf.writestr(name, data)
    return buf.getvalue()


def _case_files(world: Path, case_id: str) -> list[tuple[str, bytes]]:
    folder = world / "files" / case_id
    return [(f"{case_id}/{p.name}", p.read_bytes()) for p in sorted(folder.iterdir())]


def _text_cases(world: Path) -> list[str]:
    return sorted(
        p.name for p in (world / "files").iterdir() if next(p.iterdir()).suffix.lower() in TEXT_SUFFIXES
    )


def _text_case_with(world: Path, truth: Any, defect: str) -> str:
    """The first case (by id) with a PDF or DOCX dossier in which the generator planted ``defect``."""
    text_cases = set(_text_cases(world))
    return next(
        c for c, kinds in sorted(truth["document_defects"].items()) if defect in kinds and c in text_cases
    )


def _upload(
    client: Any, headers: dict[str, str], case_id: str, files: list[tuple[str, bytes]], **form: str
) -> Any:
    parts = [("files", (name.rsplit("/", 1)[-1], data, "application/octet-stream")) for name, data in files]
    return client.post(
        "/dossiers", data={"case_id": case_id, "unit_code": "410122", **form}, files=parts, headers=headers
    )


def _upload_zip(client: Any, headers: dict[str, str], case_id: str, files: list[tuple[str, bytes]]) -> Any:
    return _upload(client, headers, case_id, [(f"{case_id}.zip", _zip(files))])


def _truth_by_case(world: Path) -> dict[str, tuple[str, str]]:
    """case id → (penalty decision's issue date, violation code) from the generator's ground truth."""
    import pandas as pd

    files = pd.read_parquet(world / "ground_truth" / "document_files.parquet")
    cases = pd.read_parquet(world / "ground_truth" / "cases.parquet").set_index("case_id")["violation_code"]
    decisions = files[files["doc_type"] == "penalty_decision"]
    return {
        str(c): (str(pd.Timestamp(d).date()), str(cases[c]))
        for c, d in zip(decisions["case_id"], decisions["issued_on"], strict=True)
    }


def _by_rule(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {f["rule_id"]: f for f in report["findings"]}


# --- planted defects and a clean dossier ------------------------------------------------------------------
def test_each_planted_defect_is_named_with_evidence_and_a_clean_dossier_passes(
    client: Any, as_user: Any, demo_world: Path, demo_truth: dict[str, Any]
) -> None:
    text_cases = set(_text_cases(demo_world))
    defects = demo_truth["document_defects"]
    one_per_kind: dict[str, str] = {}
    for case_id, kinds in sorted(defects.items()):
        if case_id in text_cases:
            for kind in kinds:
                one_per_kind.setdefault(kind, case_id)
    assert set(one_per_kind) == set(DEFECT_RULE), one_per_kind
    li = as_user("li")
    truth = _truth_by_case(demo_world)
    for kind, case_id in sorted(one_per_kind.items()):
        r = _upload_zip(client, li, case_id, _case_files(demo_world, case_id))
        assert r.status_code == 201, r.text
        report = r.json()["report"]
        finding = _by_rule(report)[DEFECT_RULE[kind]]
        assert finding["outcome"] == "failed", (kind, case_id, finding)
        assert DEFECT_RULE[kind] in {f["rule_id"] for f in report["failures"]}
        evidence = finding["evidence"]
        assert evidence["sentence"] and "—" not in evidence["sentence"], evidence
        assert evidence["documents"], (kind, evidence)  # the document and field the value was read from
        assert report["score"] <= 100 - finding["deduct_points"]
        assert report["file_errors"] == []
        assert all(f["method"] in ("text", "docx") for f in report["files"])
        dossier = r.json()[
            "dossier"
        ]  # period and violation, read off the papers, as the generator wrote them
        assert (dossier["decided_on"], dossier["violation_code"]) == truth[case_id], case_id

    clean = next(c for c in sorted(text_cases) if c not in defects)
    r = _upload_zip(client, li, clean, _case_files(demo_world, clean))
    assert r.status_code == 201, r.text
    findings = _by_rule(r.json()["report"])
    assert {rule: findings[rule]["outcome"] for rule in DEFECT_RULE.values()} == dict.fromkeys(
        DEFECT_RULE.values(), "passed"
    )


def test_evidence_shows_found_and_expected_values(
    client: Any, as_user: Any, demo_world: Path, demo_truth: Any
) -> None:
    """A wrong subtotal is reported with the line's printed subtotal and quantity × price, computed here."""
    case_id = _text_case_with(demo_world, demo_truth, "VALUATION_SUBTOTAL_WRONG")
    r = _upload_zip(client, as_user("li"), case_id, _case_files(demo_world, case_id))
    finding = _by_rule(r.json()["report"])["R035"]
    lines = [d for d in finding["evidence"]["documents"] if d["field"].endswith(".subtotal")]
    assert lines, finding
    fields = {
        f["field"]: f["value"]
        for f in _files_fields(client, as_user("li"), r.json()["dossier"]["dossier_id"])
    }
    for line in lines:
        n = line["field"].split(".")[1]
        expected = round(float(fields[f"goods.{n}.quantity"]) * float(fields[f"goods.{n}.unit_price"]), 2)
        assert float(line["expected"]) == pytest.approx(expected)
        assert float(line["value"]) != pytest.approx(expected)


def _files_fields(client: Any, headers: dict[str, str], dossier_id: int) -> list[dict[str, Any]]:
    from api.models import DossierFile

    app = client.app
    with app.state.sessionmaker() as session:
        rows = session.query(DossierFile).filter_by(dossier_id=dossier_id, doc_type="valuation_table").all()
        return [f for row in rows for f in row.fields]


# --- scans ----------------------------------------------------------------------------------------------
def test_a_scanned_dossier_is_recognised_by_ocr_and_reviewed(
    client: Any, as_user: Any, demo_world: Path
) -> None:
    """Image-only PNG pages: the smallest scanned dossier's first pages (OCR ~1.7 s a page)."""
    scans = [p for p in sorted((demo_world / "files").iterdir()) if next(p.iterdir()).suffix == ".png"]
    folder = min(scans, key=lambda p: sum(f.stat().st_size for f in p.iterdir()))
    pages = [
        p
        for p in sorted(folder.iterdir())
        if p.stem.endswith(("_cover", "_valuation_table", "_filing_report"))
    ]
    r = _upload(client, as_user("li"), folder.name, [(p.name, p.read_bytes()) for p in pages])
    assert r.status_code == 201, r.text
    report = r.json()["report"]
    assert {f["filename"]: (f["method"], f["doc_type"]) for f in report["files"]} == {
        p.name: ("ocr", p.stem.split("_", 1)[1]) for p in pages
    }
    assert {f["media_type"] for f in report["files"]} == {"image/png"}
    findings = _by_rule(report)
    assert findings["R003"]["outcome"] in ("passed", "failed")  # retention read from the scanned cover
    assert findings["R036"]["outcome"] in (
        "passed",
        "failed",
    )  # signatures read from the scanned valuation table
    assert report["n_checked"] > 0 and report["score"] <= 100


# --- reports --------------------------------------------------------------------------------------------
def test_report_downloads_name_the_failed_rules_and_the_score(
    client: Any, as_user: Any, demo_world: Path, demo_truth: Any
) -> None:
    case_id = _text_case_with(demo_world, demo_truth, "COVER_NO_MALFORMED")
    li = as_user("li")
    body = _upload_zip(client, li, case_id, _case_files(demo_world, case_id)).json()
    dossier_id, report = body["dossier"]["dossier_id"], body["report"]
    failed = {f["rule_id"] for f in report["failures"]}
    assert "R002" in failed
    score = f"{report['score']:g}"

    r = client.get(f"/dossiers/{dossier_id}/report.xlsx", headers=li)
    assert r.status_code == 200
    book = load_workbook(io.BytesIO(r.content))
    summary = {row[0]: row[1] for row in book["概要"].iter_rows(min_row=2, values_only=True)}
    assert summary["得分"] == score and summary["等级"] == report["grade"]
    rows = {row[0]: row for row in book["评查项"].iter_rows(min_row=2, values_only=True)}
    assert {rid for rid, row in rows.items() if row[4] == "不通过"} == failed
    assert "封面案卷号" in str(rows["R002"][8])  # the evidence sentence

    r = client.get(f"/dossiers/{dossier_id}/report.docx", headers=li)
    text = "\n".join(p.text for p in Document(io.BytesIO(r.content)).paragraphs)
    text += "\n".join(
        c.text for t in Document(io.BytesIO(r.content)).tables for row in t.rows for c in row.cells
    )
    assert all(rule in text for rule in failed) and f"得分：{score}" in text.replace(" ", "")

    r = client.get(f"/dossiers/{dossier_id}/report.pdf", headers=li)
    pdf_text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(r.content)).pages)
    assert all(rule in pdf_text for rule in failed) and score in pdf_text
    assert client.get(f"/dossiers/{dossier_id}/report.exe", headers=li).status_code == 404


# --- scope ----------------------------------------------------------------------------------------------
def test_upload_and_reading_are_scoped(client: Any, reviewer: str, as_user: Any, demo_world: Path) -> None:
    case_id = _text_cases(demo_world)[0]
    files = _case_files(demo_world, case_id)[:2]
    assert _upload(client, {}, case_id, files).status_code == 401
    assert _upload(client, as_user(reviewer), case_id, files).status_code == 403  # reviewers do not upload
    assert (
        _upload(client, as_user("li"), case_id, files, unit_code="410200").status_code == 403
    )  # not li's unit
    r = _upload(client, as_user("li"), case_id, files)
    assert r.status_code == 201, r.text
    dossier_id = r.json()["dossier"]["dossier_id"]
    for user in ("li", "wang", "cityboss", reviewer):  # own unit, city manager, provincial reviewer
        assert client.get(f"/dossiers/{dossier_id}", headers=as_user(user)).status_code == 200, user
        assert [d["case_id"] for d in client.get("/dossiers", headers=as_user(user)).json()] == [case_id]
    kaifeng = as_user("kaifeng")  # a sibling city: the dossier does not exist for it
    assert client.get(f"/dossiers/{dossier_id}", headers=kaifeng).status_code == 404
    assert client.get(f"/dossiers/{dossier_id}/machine-review", headers=kaifeng).status_code == 404
    assert client.get(f"/dossiers/{dossier_id}/report.pdf", headers=kaifeng).status_code == 404
    assert client.get("/dossiers", headers=kaifeng).json() == []
    assert _upload(client, kaifeng, case_id, files, unit_code="410200").status_code == 404
    # adding files extends the same dossier; the same bytes again are not added twice
    more = _case_files(demo_world, case_id)[2:4]
    r = client.post(
        f"/dossiers/{dossier_id}/files",
        files=[("files", (n.rsplit("/", 1)[-1], d)) for n, d in [*files, *more]],
        headers=as_user("wang"),
    )
    assert r.status_code == 201, r.text
    assert len(r.json()["files"]) == 4
    assert client.get(
        "/dossiers", params={"grade": r.json()["dossier"]["machine_grade"]}, headers=as_user("li")
    ).json()


def test_a_case_captured_in_the_store_lends_its_facts(client: Any, as_user: Any, demo_world: Path) -> None:
    li = as_user("li")
    case = client.post("/cases", json=case_body(), headers=li).json()
    files = _case_files(demo_world, _text_cases(demo_world)[0])[:3]
    r = _upload(client, li, case["case_id"], files, unit_code="")
    assert r.status_code == 201, r.text
    facts = r.json()["report"]["facts"]
    assert facts["n_officers"] == 2 and facts["case_status"] == case["status"]
    assert facts["violation_code"] == "NON_DESIGNATED_SOURCE" and facts["unit_code"] == "410122"
    assert r.json()["dossier"]["violation_code"] == "NON_DESIGNATED_SOURCE"


# --- bad input ------------------------------------------------------------------------------------------
def _encrypted_pdf(plain: bytes) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(plain)))
    writer.encrypt("secret-user-password")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


# A password-protected Word file is an OLE compound file whose streams include "EncryptedPackage"; the
# compound-file signature and that stream name are what identify it (a minimal stand-in, not a full CFB).
PROTECTED_DOCX = (
    b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504) + "EncryptedPackage".encode("utf-16-le") + bytes(64)
)
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + bytes(200)
MP4 = b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00isomiso2avc1mp41" + bytes(200)


def test_bad_files_are_reported_per_file_and_the_rest_is_reviewed(
    client: Any, as_user: Any, demo_world: Path
) -> None:
    case_id = _text_cases(demo_world)[1]
    good = [(n, d) for n, d in _case_files(demo_world, case_id) if n.endswith(("_cover.pdf", "_cover.docx"))]
    assert good
    cover_name, cover = good[0]
    plain_pdf = next(d for n, d in _case_files(demo_world, _pdf_case(demo_world)))
    bundle = _zip(
        [
            (cover_name, cover),
            ("inner.zip", _zip([("x.pdf", plain_pdf)])),
            ("locked.pdf", _encrypted_pdf(plain_pdf)),
            ("protected.docx", PROTECTED_DOCX),
            ("setup.exe", EXE),
            ("video.mp4", MP4),
            ("table.xlsx", _xlsx()),
            ("../../etc/evil.pdf", plain_pdf),
            ("empty.pdf", b""),
            ("bomb.pdf", bytes(40 * 1024 * 1024)),
        ]
    )
    r = _upload(client, as_user("li"), case_id, [("dossier.zip", bundle)])
    assert r.status_code == 201, r.text
    report = r.json()["report"]
    errors = {e["filename"]: e for e in report["file_errors"]}
    assert {name: e["error_code"] for name, e in errors.items()} == {
        "inner.zip": "NESTED_ZIP",
        "locked.pdf": "ENCRYPTED_PDF",
        "protected.docx": "PASSWORD_PROTECTED",
        "setup.exe": "UNSUPPORTED_TYPE",
        "video.mp4": "UNSUPPORTED_TYPE",
        "table.xlsx": "UNSUPPORTED_TYPE",
        "../../etc/evil.pdf": "UNSAFE_FILENAME",
        "empty.pdf": "EMPTY_FILE",
        "bomb.pdf": "ZIP_BOMB",
    }
    assert all(" / " in e["error"] for e in errors.values())  # Chinese / English
    cover_file = next(f for f in report["files"] if f["status"] == "recognised")
    assert cover_file["doc_type"] == "cover"
    assert _by_rule(report)["R003"]["outcome"] == "passed"  # the cover was still reviewed


def _xlsx() -> bytes:
    from openpyxl import Workbook

    buf = io.BytesIO()
    Workbook().save(buf)
    return buf.getvalue()


def _pdf_case(world: Path) -> str:
    return next(c for c in _text_cases(world) if next((world / "files" / c).iterdir()).suffix == ".pdf")


def test_nothing_usable_is_a_4xx_and_stores_nothing(client: Any, as_user: Any) -> None:
    li = as_user("li")
    r = _upload(client, li, "C4101222099X0001", [("setup.exe", EXE), ("cut.pdf", b"%PDF-1.4 truncated")])
    assert r.status_code == 422 and r.json()["code"] == "NOTHING_USABLE", r.text
    assert {d["error_code"] for d in r.json()["detail"]} == {"UNSUPPORTED_TYPE", "UNREADABLE"}
    assert client.get("/dossiers", params={"case_id": "C4101222099X0001"}, headers=li).json() == []
    r = client.post("/dossiers", data={"case_id": "C4101222099X0001"}, headers=li)
    assert r.status_code == 422  # no files at all


def test_zip_limits_refuse_before_inflating() -> None:
    members = [(f"f{i}.pdf", b"%PDF-1.4 " + bytes(600)) for i in range(3)]
    small = ApiSettings(dossier_max_unpacked_bytes=1000)
    assert [p.error_code for p in unpack("d.zip", _zip(members), small)] == ["ZIP_TOO_LARGE"]
    few = ApiSettings(dossier_max_files=2)
    assert [p.error_code for p in unpack("d.zip", _zip(members), few)] == [None, None, "TOO_MANY_FILES"]
    assert [p.error_code for p in unpack("d.zip", b"PK\x03\x04broken", few)] == ["BAD_ZIP"]


@pytest.mark.parametrize("backend", ["postgres"])
def test_main_flow_on_postgresql(client: Any, as_user: Any, demo_world: Path, demo_truth: Any) -> None:
    text_cases = set(_text_cases(demo_world))
    case_id, kinds = next(
        (c, k) for c, k in sorted(demo_truth["document_defects"].items()) if c in text_cases
    )
    li = as_user("li")
    r = _upload_zip(client, li, case_id, _case_files(demo_world, case_id))
    assert r.status_code == 201, r.text
    dossier_id = r.json()["dossier"]["dossier_id"]
    report = client.get(f"/dossiers/{dossier_id}/machine-review", headers=li).json()
    assert {DEFECT_RULE[k] for k in kinds} <= {f["rule_id"] for f in report["failures"]}
    assert report == r.json()["report"]


def test_a_rule_that_cannot_run_is_reported_and_the_others_still_count(
    client: Any, app: Any, as_user: Any, demo_world: Path
) -> None:
    """A stored rule whose condition fails in the database (text compared with a number) — as if saved
    before a vocabulary change — becomes 'not checked' with its error; the upload still succeeds."""
    from decimal import Decimal

    from api.models import ReviewRule, ReviewRuleSet
    from api.review.services.rule_sets import reference_rules
    from zhifa.clock import now

    with app.state.sessionmaker() as session:
        session.add(
            ReviewRule(
                rule_id="R999", version=1, category="form", name_zh="坏规则", condition="cause > 5",
                deduct_points=Decimal("1"), veto=False, needs_human=False, active=True, origin="api",
                evidence_template_zh="案由：{cause}", created_at=now(),
            )
        )  # fmt: skip
        versions = dict.fromkeys(reference_rules()["rule_id"], 1) | {"R999": 1}
        session.add(ReviewRuleSet(version=1, rule_versions=versions, created_at=now()))
        session.commit()
    case_id = _text_cases(demo_world)[2]
    r = _upload_zip(client, as_user("li"), case_id, _case_files(demo_world, case_id))
    assert r.status_code == 201, r.text
    report = r.json()["report"]
    assert report["rule_set_version"] == 1
    broken = _by_rule(report)["R999"]
    assert broken["outcome"] == "not_checked" and "VARCHAR" in broken["evidence"]["error"]
    assert broken in report["needs_human"]
    assert _by_rule(report)["R003"]["outcome"] == "passed"


def test_evidence_values_render_like_the_warehouse_macro() -> None:
    """The SQL of dbt's evidence_value macro (macros/render_evidence.sql), run in DuckDB, against the API's
    Python rendering, value by value."""
    from datetime import date

    import duckdb

    from api.review.services.evidence import evidence_value

    sql = {
        "DOUBLE": "coalesce(regexp_replace(printf('%.2f', x), '\\.?0+$', ''), '—')",
        "BOOLEAN": "case when x then '是' when not x then '否' else '—' end",
        "INTEGER": "coalesce(cast(x as varchar), '—')",
        "DATE": "coalesce(cast(x as varchar), '—')",
        "VARCHAR": "coalesce(cast(x as varchar), '—')",
    }
    samples: dict[str, list[Any]] = {
        "DOUBLE": [0.0, 10.0, 10.5, 100.1, 1234.567, 0.004, None],
        "BOOLEAN": [True, False, None],
        "INTEGER": [0, 7, -3, None],
        "DATE": [date(2024, 4, 23), None],
        "VARCHAR": ["2024年度宜烟第24号", "", None],
    }
    con = duckdb.connect()
    for sql_type, values in samples.items():
        for value in values:
            expected = con.execute(
                f"select {sql[sql_type]} from (select cast(? as {sql_type}) as x)", [value]
            )
            assert evidence_value(value, sql_type) == expected.fetchone()[0], (sql_type, value)  # type: ignore[index]


def test_a_captured_case_with_goods_and_a_fine_lends_amounts_and_tiers(
    client: Any, as_user: Any, demo_world: Path
) -> None:
    from datetime import date
    from decimal import Decimal

    from apitest_support import YUXI, ZHONGHUA
    from test_flow import seed_tier, statutory

    li = as_user("li")
    case = client.post("/cases", json=case_body(), headers=li).json()
    for item in (
        {"barcode": ZHONGHUA["carton"], "quantity": "10"},
        {"barcode": YUXI["carton"], "quantity": "2"},
    ):
        assert client.post(f"/cases/{case['case_id']}/items", json=item, headers=li).status_code == 201
    base = Decimal("450.00") * 10 + Decimal("230.00") * 2  # Henan prices of the test catalog
    tier = seed_tier("410000", "NON_DESIGNATED_SOURCE", base, date.fromisoformat(case["seized_on"]))
    fine = (base * Decimal(tier["rate_default"])).quantize(Decimal("0.01"))
    assert (
        client.put(f"/cases/{case['case_id']}/fine", json={"fine_amount": str(fine)}, headers=li).status_code
        == 200
    )
    files = _case_files(demo_world, _text_cases(demo_world)[0])[:2]
    facts = _upload(client, li, case["case_id"], files).json()["report"]["facts"]
    smin, smax = statutory("NON_DESIGNATED_SOURCE")
    assert facts["base_amount"] == pytest.approx(float(base)) and facts["fine_amount"] == pytest.approx(
        float(fine)
    )
    assert facts["statutory_min_amount"] == pytest.approx(float(base * smin), abs=0.01)
    assert facts["statutory_max_amount"] == pytest.approx(float(base * smax), abs=0.01)
    assert facts["chosen_tier"] == facts["benchmark_tier"] == int(tier["tier"])
    assert facts["tier_rate_min"] == pytest.approx(float(tier["rate_min"]))
    assert facts["preserved"] is True and facts["n_officers_certified"] == 2
