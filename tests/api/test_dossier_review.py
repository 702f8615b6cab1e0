"""Dossier upload and machine review over HTTP (issue #7, point 1) on generated dossiers with defects.

Ground truth comes from the generator (``document_defects``); the rule each defect must trip is the warehouse
test's mapping (tests/test_metrics.py DEFECT_RULE), so the API and the warehouse are held to the same answer.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import pytest
from apitest_support import PASSWORD

from api.services.users import create_user

DEFECT_RULE = {  # = tests/test_metrics.py DEFECT_RULE (kept literal: this file must not import a slow module)
    "CAUSE_INCONSISTENT": "R022",
    "CAUSE_WITHOUT_SHEYI": "R021",
    "PARTY_INCONSISTENT": "R013",
    "VALUATION_SUBTOTAL_WRONG": "R035",
    "VALUATION_ONE_SIGNATURE": "R036",
    "COVER_NO_MALFORMED": "R002",
}
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


def _upload(
    client: Any, headers: dict[str, str], case_id: str, files: list[tuple[str, bytes]], **form: str
) -> Any:
    parts = [("files", (name.rsplit("/", 1)[-1], data, "application/octet-stream")) for name, data in files]
    return client.post(
        "/dossiers", data={"case_id": case_id, "unit_code": "410122", **form}, files=parts, headers=headers
    )


def _upload_zip(client: Any, headers: dict[str, str], case_id: str, files: list[tuple[str, bytes]]) -> Any:
    return _upload(client, headers, case_id, [(f"{case_id}.zip", _zip(files))])


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
    text_cases = set(_text_cases(demo_world))
    case_id = next(
        c
        for c, kinds in sorted(demo_truth["document_defects"].items())
        if "VALUATION_SUBTOTAL_WRONG" in kinds and c in text_cases
    )
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
