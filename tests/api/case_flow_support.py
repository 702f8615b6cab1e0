"""Helper for tests that need a case at the end of its life: a closed case made through the API exactly as
an officer and an approver make it (filing approved, documents generated, each transition taken)."""

from __future__ import annotations

import csv
from decimal import Decimal
from typing import Any

from apitest_support import ZHONGHUA, case_body

from zhifa.settings import SEEDS_DIR

CARTONS = "1400"  # 中华 at 450.00 a carton: value 630,000, the benchmark's fine ≈ 56,700


def generate(client: Any, h: dict[str, str], case_id: str, doc_type: str, **extra: Any) -> dict[str, Any]:
    r = client.post(f"/cases/{case_id}/documents", json={"doc_type": doc_type, **extra}, headers=h)
    assert r.status_code == 201, r.text
    return dict(r.json())


def move(client: Any, h: dict[str, str], case_id: str, to: str) -> dict[str, Any]:
    r = client.post(f"/cases/{case_id}/transitions", json={"to": to}, headers=h)
    assert r.status_code == 200, r.text
    return dict(r.json())


def closed_case(
    client: Any, officer: dict[str, str], approver: dict[str, str], *, to: str = "closed", **fields: Any
) -> str:
    """A case of 2 cartons of 中华 fined at the benchmark's proposal, taken up to status ``to`` with only
    the documents each transition demands (``investigating``: with those the decision needs); ``fields``
    override the case body. Returns the case id."""
    r = client.post("/cases", json=case_body(**fields), headers=officer)
    assert r.status_code == 201, r.text
    case_id = r.json()["case_id"]
    item = {"barcode": ZHONGHUA["carton"], "quantity": "2"}
    assert client.post(f"/cases/{case_id}/items", json=item, headers=officer).status_code == 201
    proposed = client.get(f"/cases/{case_id}/discretion", headers=officer).json()["proposed_fine"]
    r = client.put(f"/cases/{case_id}/fine", json={"fine_amount": proposed}, headers=officer)
    assert r.status_code == 200, r.text
    r = client.post(
        f"/cases/{case_id}/approvals", json={"kind": "filing", "reason": "现场检查发现"}, headers=officer
    )
    assert r.status_code == 201, r.text
    decision = {"outcome": "approved"}
    r = client.post(f"/approvals/{r.json()['approval_id']}/decision", json=decision, headers=approver)
    assert r.status_code == 200, r.text
    for doc_type in ("inspection_record", "filing_report"):
        generate(client, officer, case_id, doc_type)
    move(client, officer, case_id, "investigating")
    for doc_type in ("valuation_table", "prior_notice"):
        generate(client, officer, case_id, doc_type)
    if to == "investigating":  # ready to be decided
        return case_id
    move(client, officer, case_id, "decided")
    penalty = generate(client, officer, case_id, "penalty_decision")
    generate(client, officer, case_id, "service_receipt", served_document_id=penalty["document_id"])
    for step in ("served", "executed", "closed"):
        move(client, officer, case_id, step)
        if step == to:
            break
    return case_id


def seed_setting(key: str) -> Decimal:
    with (SEEDS_DIR / "ref_settings.csv").open(encoding="utf-8") as fh:
        rows = csv.DictReader(fh)
        return Decimal(next(r["value"] for r in rows if r["key"] == key and not r["province_code"]))


def major_case_ready_to_decide(client: Any, li: dict[str, str], head: dict[str, str]) -> tuple[str, Decimal]:
    """A county case in the city filing band, filed and investigated, ready to be decided."""
    case_id = client.post("/cases", json=case_body(), headers=li).json()["case_id"]
    item = {"barcode": ZHONGHUA["carton"], "quantity": CARTONS}
    assert client.post(f"/cases/{case_id}/items", json=item, headers=li).status_code == 201
    fine = Decimal(client.get(f"/cases/{case_id}/discretion", headers=li).json()["proposed_fine"])
    assert seed_setting("filing_to_city_fine_min") <= fine < seed_setting("filing_to_province_fine_min")
    assert fine >= seed_setting("legal_review_fine_threshold")
    r = client.put(f"/cases/{case_id}/fine", json={"fine_amount": str(fine)}, headers=li)
    assert r.status_code == 200
    filing = client.post(f"/cases/{case_id}/approvals", json={"kind": "filing", "reason": "检查"}, headers=li)
    url = f"/approvals/{filing.json()['approval_id']}/decision"
    assert client.post(url, json={"outcome": "approved"}, headers=head).status_code == 200
    for doc_type in ("inspection_record", "filing_report"):
        generate(client, li, case_id, doc_type)
    move(client, li, case_id, "investigating")
    for doc_type in ("valuation_table", "prior_notice", "hearing_notice"):
        generate(client, li, case_id, doc_type)
    return case_id, fine
