"""The whole field flow over HTTP: photo → product → case → items → valuation → tier → deviation
held until approved → documents (opened and read) → closed."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import docx
import pypdf
from apitest_support import PHOTO, PHOTO_CODE, YUXI, ZHONGHUA, case_body
from fastapi.testclient import TestClient

from zhifa import clock
from zhifa.settings import SEEDS_DIR

CENT = Decimal("0.01")


def seed_tier(province: str, violation: str, amount: Decimal, on: date) -> dict[str, str]:
    """The benchmark row for an amount, read straight from the seed CSV (not through the code)."""
    with (SEEDS_DIR / "ref_discretion_tiers.csv").open(encoding="utf-8") as fh:
        rows = [
            r
            for r in csv.DictReader(fh)
            if r["province_code"] == province and r["violation_code"] == violation
        ]
    rows = [
        r
        for r in rows
        if date.fromisoformat(r["valid_from"]) <= on
        and (not r["valid_to"] or on <= date.fromisoformat(r["valid_to"]))
    ]
    hits = [
        r
        for r in rows
        if Decimal(r["amount_min"] or "0") <= amount
        and (not r["amount_max"] or amount < Decimal(r["amount_max"]))
    ]
    return max(hits, key=lambda r: int(r["tier"]))


def statutory(violation: str) -> tuple[Decimal, Decimal]:
    with (SEEDS_DIR / "ref_violation_types.csv").open(encoding="utf-8") as fh:
        row = next(r for r in csv.DictReader(fh) if r["violation_code"] == violation)
    return Decimal(row["rate_min"]), Decimal(row["rate_max"])


def docx_text(data: bytes) -> str:
    d = docx.Document(io.BytesIO(data))
    parts = [p.text for p in d.paragraphs]
    for table in d.tables:
        parts += [cell.text for row in table.rows for cell in row.cells]
    return "\n".join(parts)


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() or "" for page in pypdf.PdfReader(io.BytesIO(data)).pages)


def generate(
    client: TestClient, h: dict[str, str], case_id: str, doc_type: str, **extra: Any
) -> dict[str, Any]:
    r = client.post(f"/cases/{case_id}/documents", json={"doc_type": doc_type, **extra}, headers=h)
    assert r.status_code == 201, r.text
    return dict(r.json())


def move(client: TestClient, h: dict[str, str], case_id: str, to: str, expect: int = 200) -> dict[str, Any]:
    r = client.post(f"/cases/{case_id}/transitions", json={"to": to}, headers=h)
    assert r.status_code == expect, r.text
    return dict(r.json())


def test_full_flow(client: TestClient, as_user: Any) -> None:
    li, head = as_user("li"), as_user("head")

    # 1. a real phone photo names the product
    r = client.post("/scan", files={"file": ("1.png", PHOTO.read_bytes(), "image/png")}, headers=li)
    assert r.status_code == 200, r.text
    scan = r.json()
    assert scan["codes"] == [PHOTO_CODE] and scan["ambiguous"] is False
    assert scan["product"]["product_code"] == "P003"

    # 2. the case, created with an idempotency key
    r = client.post("/cases", json=case_body(), headers={**li, "Idempotency-Key": "flow-1"})
    assert r.status_code == 201, r.text
    case = r.json()
    case_id = case["case_id"]
    assert case_id.startswith("C410122") and case["status"] == "filed" and case["cause"].startswith("涉嫌")

    # 3. items: carton code, pack code (20 packs = 2 cartons), the scanned photo's code
    for item in (
        {"barcode": ZHONGHUA["carton"], "quantity": "10"},
        {"barcode": YUXI["pack"], "quantity": "20", "quantity_unit": "pack"},
        {"barcode": scan["codes"][0], "quantity": "3"},
    ):
        r = client.post(f"/cases/{case_id}/items", json=item, headers=li)
        assert r.status_code == 201, r.text
    assert [i["line_no"] for i in r.json()["items"]] == [1, 2, 3]

    # 4. valuation at the prices valid today in Henan (province row beats the national one)
    expected_total = Decimal("450.00") * 10 + Decimal("230.00") * 2 + Decimal("100.00") * 3
    val = client.get(f"/cases/{case_id}/valuation", headers=li).json()
    assert val["price_type"] == "retail_suggested" and val["province_code"] == "410000"
    assert Decimal(val["total"]) == expected_total and val["complete"] is True
    assert [Decimal(ln["subtotal"]) for ln in val["lines"]] == [
        Decimal("4500"),
        Decimal("460"),
        Decimal("300"),
    ]

    # 5. tier and proposal from the Henan benchmark
    seized = date.fromisoformat(case["seized_on"])
    tier = seed_tier("410000", "NON_DESIGNATED_SOURCE", expected_total, seized)
    smin, smax = statutory("NON_DESIGNATED_SOURCE")
    disc = client.get(f"/cases/{case_id}/discretion", headers=li).json()
    assert disc["tier"] == int(tier["tier"]) and disc["tier_label"] == tier["tier_label"]
    assert Decimal(disc["rate_default"]) == Decimal(tier["rate_default"])
    assert Decimal(disc["proposed_fine"]) == (expected_total * Decimal(tier["rate_default"])).quantize(CENT)
    assert Decimal(disc["fine_min"]) == (expected_total * smin).quantize(CENT, ROUND_HALF_UP)
    assert Decimal(disc["fine_max"]) == (expected_total * smax).quantize(CENT, ROUND_HALF_UP)
    assert disc["reasons"]

    # 6. a fine below the tier but inside the statute: needs a reason, then waits for approval
    fine = (expected_total * Decimal(tier["rate_min"]) - Decimal(50)).quantize(CENT)
    assert fine >= expected_total * smin
    r = client.put(f"/cases/{case_id}/fine", json={"fine_amount": str(fine)}, headers=li)
    assert r.status_code == 422 and r.json()["code"] == "DEVIATION_REASON_REQUIRED"
    too_much = (expected_total * smax + 1).quantize(CENT)
    r = client.put(
        f"/cases/{case_id}/fine", json={"fine_amount": str(too_much), "deviation_reason": "x"}, headers=li
    )
    assert r.status_code == 422 and r.json()["code"] == "FINE_OUTSIDE_STATUTORY_RANGE"
    r = client.put(
        f"/cases/{case_id}/fine",
        headers=li,
        json={"fine_amount": str(fine), "deviation_reason": "初次违法且主动配合调查"},
    )
    assert r.status_code == 200, r.text
    assert r.json()["within_tier"] is False
    deviation_id = r.json()["deviation_approval_id"]

    # 7. filing approved by the head → filing number
    r = client.post(
        f"/cases/{case_id}/approvals", json={"kind": "filing", "reason": "现场检查发现"}, headers=li
    )
    filing_id = r.json()["approval_id"]
    assert (
        client.post(f"/approvals/{filing_id}/decision", json={"outcome": "approved"}, headers=li).status_code
        == 403
    )
    r = client.post(f"/approvals/{filing_id}/decision", json={"outcome": "approved"}, headers=head)
    assert r.status_code == 200, r.text
    case = client.get(f"/cases/{case_id}", headers=li).json()
    year = clock.today().year
    assert case["case_no"] == f"中烟立〔{year}〕第1号" and case["filed_at"]

    # 8. investigating needs the inspection record
    r = client.post(f"/cases/{case_id}/transitions", json={"to": "investigating"}, headers=li)
    assert r.status_code == 409 and "inspection_record" in r.json()["message"]
    inspection = generate(client, li, case_id, "inspection_record")
    generate(client, li, case_id, "filing_report")
    move(client, li, case_id, "investigating")

    # 9. the decision waits for the deviation approval
    generate(client, li, case_id, "valuation_table")
    notice = generate(client, li, case_id, "prior_notice")
    assert notice["doc_no"] == f"中烟罚告〔{year}〕第1号"
    r = client.post(f"/cases/{case_id}/transitions", json={"to": "decided"}, headers=li)
    assert r.status_code == 409 and r.json()["code"] == "TRANSITION_BLOCKED"
    assert any("deviation" in p for p in r.json()["detail"])
    r = client.post(f"/approvals/{deviation_id}/decision", json={"outcome": "approved"}, headers=head)
    assert r.status_code == 200
    move(client, li, case_id, "decided")

    # 10. decision and service receipt, served, executed, closed
    decision = generate(client, li, case_id, "penalty_decision")
    assert decision["doc_no"] == f"中烟罚〔{year}〕第1号"
    receipt = generate(client, li, case_id, "service_receipt", served_document_id=decision["document_id"])
    assert receipt["doc_no"] == f"中烟送〔{year}〕第1-1号"
    move(client, li, case_id, "served")
    move(client, li, case_id, "executed")
    closed = move(client, li, case_id, "closed")
    assert closed["status"] == "closed" and closed["closed_at"]
    move(client, li, case_id, "investigating", expect=409)  # closed is final

    # 11. the files hold the case's values
    dec_docx = client.get(f"/cases/{case_id}/documents/{decision['document_id']}.docx", headers=li)
    dec_pdf = client.get(f"/cases/{case_id}/documents/{decision['document_id']}.pdf", headers=li)
    assert dec_pdf.content.startswith(b"%PDF") and dec_pdf.headers["content-type"] == "application/pdf"
    for text in (docx_text(dec_docx.content), pdf_text(dec_pdf.content)):
        assert f"{fine:.2f}" in text
        assert "张三" in text and f"中烟罚〔{year}〕第1号" in text
        assert "涉嫌" in text
    ins = docx_text(
        client.get(f"/cases/{case_id}/documents/{inspection['document_id']}.docx", headers=li).content
    )
    assert "李明" in ins and "豫A410122001" in ins and "中华(硬)" in ins
    assert b"/FontFile" in dec_pdf.content  # the CJK font travels inside the PDF

    # 12. the dossier lists every generated file, content-addressed
    dossier = client.get(f"/cases/{case_id}/dossier", headers=li).json()
    types = [d["doc_type"] for d in dossier["documents"]]
    assert types == [
        "inspection_record",
        "filing_report",
        "valuation_table",
        "prior_notice",
        "penalty_decision",
        "service_receipt",
    ]
    import hashlib

    assert dossier["documents"][-2]["pdf_sha256"] == hashlib.sha256(dec_pdf.content).hexdigest()


def test_expired_certificate_blocks_investigation(client: TestClient, as_user: Any) -> None:
    li, head = as_user("li"), as_user("head")
    body = case_body(officers=[{"officer_id": "O410122001", "role": "lead"}, {"officer_id": "O410122003"}])
    case_id = client.post("/cases", json=body, headers=li).json()["case_id"]
    approval = client.post(f"/cases/{case_id}/approvals", json={"kind": "filing"}, headers=li).json()
    client.post(f"/approvals/{approval['approval_id']}/decision", json={"outcome": "approved"}, headers=head)
    generate(client, li, case_id, "inspection_record")
    r = client.post(f"/cases/{case_id}/transitions", json={"to": "investigating"}, headers=li)
    assert r.status_code == 409 and "officers" in r.json()["message"]
    # with a second officer whose certificate is valid, it passes
    r = client.patch(
        f"/cases/{case_id}",
        headers=li,
        json={"officers": [{"officer_id": "O410122001", "role": "lead"}, {"officer_id": "O410122002"}]},
    )
    assert r.status_code == 200
    move(client, li, case_id, "investigating")
