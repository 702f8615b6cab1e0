"""Helpers for the office tests: a case whose fine deviates from its tier (a pending deviation approval),
made through the API exactly as the phone app makes it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from apitest_support import ZHONGHUA, case_body

from zhifa.clock import now

REASON = "当事人初次违法且主动配合调查"


def deviation_case(
    client: Any, h: dict[str, str], *, cartons: int = 10, days_ago: int = 0, **overrides: Any
) -> dict[str, Any]:
    """Officer ``h`` opens a case, seizes ``cartons`` of 中华 and asks for the statutory maximum — outside
    the benchmark tier, so a ``discretion_deviation`` approval waits. Returns ids and amounts."""
    body = case_body(discovered_at=(now() - timedelta(days=days_ago, hours=2)).isoformat(), **overrides)
    r = client.post("/cases", json=body, headers=h)
    assert r.status_code == 201, r.text
    case_id = r.json()["case_id"]
    r = client.post(
        f"/cases/{case_id}/items", json={"barcode": ZHONGHUA["carton"], "quantity": str(cartons)}, headers=h
    )
    assert r.status_code == 201, r.text
    disc = client.get(f"/cases/{case_id}/discretion", headers=h).json()
    fine = disc["fine_max"]
    r = client.put(
        f"/cases/{case_id}/fine", json={"fine_amount": fine, "deviation_reason": REASON}, headers=h
    )
    assert r.status_code == 200, r.text
    assert r.json()["within_tier"] is False
    return {
        "case_id": case_id,
        "approval_id": r.json()["deviation_approval_id"],
        "fine": fine,
        "discretion": disc,
    }


def uploaded_dossier(client: Any, h: dict[str, str]) -> dict[str, Any]:
    """Officer ``h`` generates the inspection record of a new case (a real PDF from the document service)
    and uploads it as the case's dossier: recognition and machine review run on it."""
    case_id = deviation_case(client, h)["case_id"]
    r = client.post(f"/cases/{case_id}/documents", json={"doc_type": "inspection_record"}, headers=h)
    assert r.status_code == 201, r.text
    pdf = client.get(f"/cases/{case_id}/documents/{r.json()['document_id']}.pdf", headers=h).content
    assert pdf.startswith(b"%PDF")
    r = client.post(
        "/dossiers",
        data={"case_id": case_id},
        files=[("files", ("现场检查笔录.pdf", pdf, "application/pdf"))],
        headers=h,
    )
    assert r.status_code == 201, r.text
    return {"case_id": case_id, "dossier_id": r.json()["dossier"]["dossier_id"], "pdf": pdf, **r.json()}
