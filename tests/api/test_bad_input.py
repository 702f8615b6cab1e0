"""Bad input gets a clear 4xx with a stable code, and nothing half-written stays behind."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from apitest_support import ZHONGHUA, case_body
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from api.models import AuditEntry, Case, CaseItem
from zhifa.clock import now


def _counts(app: Any) -> tuple[int, int, int]:
    with app.state.sessionmaker() as s:
        return (
            s.scalar(select(func.count()).select_from(Case)) or 0,
            s.scalar(select(func.count()).select_from(CaseItem)) or 0,
            s.scalar(select(func.count()).select_from(AuditEntry)) or 0,
        )


def _err(r: Any, status: int, code: str) -> None:
    assert r.status_code == status, r.text
    body = r.json()
    assert body["code"] == code and " / " in body["message"], body  # Chinese / English


def test_bad_case_bodies(client: TestClient, app: Any, as_user: Any) -> None:
    li = as_user("li")
    before = _counts(app)
    r = client.post(
        "/cases", content=b'{"violation_code": ', headers={**li, "Content-Type": "application/json"}
    )
    _err(r, 422, "VALIDATION_ERROR")
    _err(client.post("/cases", json=case_body(prior_offences_3y="many"), headers=li), 422, "VALIDATION_ERROR")
    _err(
        client.post("/cases", json=case_body(violation_code="JAYWALKING"), headers=li),
        422,
        "UNKNOWN_VIOLATION",
    )
    # in the future but inside the plausible window (today + 1 day) at any hour: two days ahead fell outside
    # it whenever the UTC date had caught up with Shanghai's (16:00–24:00 UTC it passed, the rest it failed)
    future = (now() + timedelta(hours=1)).isoformat()
    _err(client.post("/cases", json=case_body(discovered_at=future), headers=li), 422, "DATE_IN_FUTURE")
    past = (now() - timedelta(days=3)).date()
    body = case_body(
        seized_on=str(past - timedelta(days=5)), discovered_at=(now() - timedelta(days=3)).isoformat()
    )
    _err(client.post("/cases", json=body, headers=li), 422, "DATES_OUT_OF_ORDER")
    bad_officer = case_body(officers=[{"officer_id": "O410200001"}])  # another unit's officer
    _err(client.post("/cases", json=bad_officer, headers=li), 422, "UNKNOWN_OFFICER")
    _err(client.post("/cases", json=case_body(licence_no="12345"), headers=li), 422, "VALIDATION_ERROR")
    assert _counts(app) == before  # nothing written, not even a burnt case serial


def test_bad_items_leave_nothing(client: TestClient, app: Any, as_user: Any) -> None:
    li = as_user("li")
    case_id = client.post("/cases", json=case_body(), headers=li).json()["case_id"]
    before = _counts(app)
    items = [
        ({"barcode": "6901028221234", "quantity": "1"}, "BAD_CHECK_DIGIT"),
        ({"barcode": "6901028075022", "quantity": "1"}, "UNKNOWN_BARCODE"),  # valid digit, not in catalog
        ({"barcode": "69010280750AB", "quantity": "1"}, "BAD_BARCODE"),
        ({"barcode": ZHONGHUA["carton"], "quantity": "0"}, "VALIDATION_ERROR"),
        ({"barcode": ZHONGHUA["carton"], "quantity": "-3"}, "VALIDATION_ERROR"),
        ({"barcode": ZHONGHUA["carton"], "quantity": "abc"}, "VALIDATION_ERROR"),
        ({"quantity": "1"}, "ITEM_UNIDENTIFIED"),
        (
            {"barcode": ZHONGHUA["carton"], "product_code": "P002", "quantity": "1"},
            "BARCODE_PRODUCT_MISMATCH",
        ),
        ({"barcode": ZHONGHUA["carton"], "quantity": "1", "spray_code": "12345"}, "BAD_SPRAY_CODE"),
    ]
    for body, code in items:
        _err(client.post(f"/cases/{case_id}/items", json=body, headers=li), 422, code)
    assert _counts(app) == before
    r = client.get(f"/products/by-barcode/{'6901028221234'}", headers=li)
    _err(r, 422, "BAD_CHECK_DIGIT")


def test_illegal_transitions(client: TestClient, as_user: Any) -> None:
    li = as_user("li")
    case_id = client.post("/cases", json=case_body(), headers=li).json()["case_id"]
    for to in ("decided", "served", "closed"):
        _err(
            client.post(f"/cases/{case_id}/transitions", json={"to": to}, headers=li),
            409,
            "ILLEGAL_TRANSITION",
        )
    _err(
        client.post(f"/cases/{case_id}/transitions", json={"to": "flying"}, headers=li),
        422,
        "VALIDATION_ERROR",
    )
    _err(
        client.post(f"/cases/{case_id}/transitions", json={"to": "withdrawn"}, headers=li),
        422,
        "REASON_REQUIRED",
    )
    r = client.post(
        f"/cases/{case_id}/transitions", json={"to": "withdrawn", "reason": "证据不足"}, headers=li
    )
    assert r.status_code == 200 and r.json()["status"] == "withdrawn"
    _err(client.patch(f"/cases/{case_id}", json={"place": "x"}, headers=li), 409, "CASE_LOCKED")


def test_idempotency_key_reused_for_another_body(client: TestClient, as_user: Any) -> None:
    h = {**as_user("li"), "Idempotency-Key": "k-1"}
    body = case_body()
    first = client.post("/cases", json=body, headers=h)
    again = client.post("/cases", json=body, headers=h)
    assert first.status_code == 201 and again.status_code == 200
    assert again.json()["case_id"] == first.json()["case_id"]
    assert again.headers["Idempotent-Replayed"] == "true"
    other = {**body, "party_name": "李四"}
    _err(client.post("/cases", json=other, headers=h), 422, "IDEMPOTENCY_KEY_REUSED")


def test_scan_refuses_non_images(client: TestClient, as_user: Any) -> None:
    li = as_user("li")
    r = client.post("/scan", files={"file": ("x.png", b"this is not a picture", "image/png")}, headers=li)
    _err(r, 422, "NOT_AN_IMAGE")
    _err(client.post("/scan", files={"file": ("x.png", b"", "image/png")}, headers=li), 422, "EMPTY_FILE")
    _err(client.post("/scan", headers=li), 422, "VALIDATION_ERROR")


def test_unknown_things_are_404(client: TestClient, as_user: Any) -> None:
    li = as_user("li")
    _err(client.get("/cases/C41012220260099", headers=li), 404, "CASE_NOT_FOUND")
    _err(client.get("/products/by-barcode/6901028075022", headers=li), 404, "UNKNOWN_BARCODE")
    r = client.post("/approvals/999999/decision", json={"outcome": "approved"}, headers=as_user("head"))
    _err(r, 404, "APPROVAL_NOT_FOUND")
