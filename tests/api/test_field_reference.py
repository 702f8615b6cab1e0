"""The field app's reference reads: names, officers with certificates, retailers in scope, the offline
catalog with the same prices the valuation uses — on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from apitest_support import PHOTO_CODE, YUXI, ZHONGHUA, case_body
from fastapi.testclient import TestClient

from api.models import Officer
from zhifa.clock import today
from zhifa.reference import load_reference


def test_reference_names_come_from_the_seeds(backend: str, client: TestClient, as_user: Any) -> None:
    r = client.get("/reference/field", headers=as_user("li"))
    assert r.status_code == 200
    ref = load_reference()
    names = {v["code"]: v["name_zh"] for v in r.json()["violation_types"]}
    assert names == dict(zip(ref.violation_types.violation_code, ref.violation_types.name_zh, strict=True))
    docs = {v["code"]: v["name_zh"] for v in r.json()["document_types"]}
    assert docs["prior_notice"] == "行政处罚事先告知书"
    assert r.json()["due_soon_days"] == 3  # ZHIFA_DUE_SOON_DAYS default
    assert client.get("/reference/field").status_code == 401


def test_officers_of_my_unit_with_certificate_state(backend: str, client: TestClient, as_user: Any) -> None:
    rows = client.get("/officers", headers=as_user("li")).json()
    by_id = {o["officer_id"]: o for o in rows}
    assert set(by_id) == {"O410122001", "O410122002", "O410122003"}  # not Kaifeng's
    assert by_id["O410122001"]["cert_valid_today"] is True
    assert by_id["O410122003"]["cert_valid_today"] is False  # expired yesterday (write_catalog)
    assert by_id["O410122003"]["cert_valid_to"] < by_id["O410122001"]["cert_valid_to"]


def test_retailer_lookup_scoped_like_a_missing_one(backend: str, client: TestClient, as_user: Any) -> None:
    created = client.post("/cases", json=case_body(), headers=as_user("li"))
    assert created.status_code == 201, created.text  # remembers the retailer 410122100001
    mine = client.get("/retailers/410122100001", headers=as_user("wang"))
    assert mine.status_code == 200
    assert mine.json() == {
        "licence_no": "410122100001",
        "name": "张三",
        "address": "中牟县城关镇建设路12号",
        # an imported retailer: no licence issued through licensing, so no status here
        "licence_status": None,
        "valid_from": None,
        "valid_to": None,
    }
    foreign = client.get("/retailers/410122100001", headers=as_user("kaifeng"))
    missing = client.get("/retailers/999999999999", headers=as_user("kaifeng"))
    assert foreign.status_code == missing.status_code == 404
    assert foreign.json()["code"] == missing.json()["code"] == "RETAILER_NOT_FOUND"


def test_offline_catalog_prices_match_the_valuation(backend: str, client: TestClient, as_user: Any) -> None:
    h = as_user("li")
    cat = client.get("/catalog/offline", headers=h)
    assert cat.status_code == 200, cat.text
    body = cat.json()
    assert body["province_code"] == "410000"
    prices = {p["carton_barcode"]: p["price_per_carton"] for p in body["products"]}
    # the province's own 450 beats the national 500; the expired 300 is not today's
    assert prices[ZHONGHUA["carton"]] == "450.00"
    assert prices[YUXI["carton"]] == "230.00"
    assert prices[PHOTO_CODE] == "100.00"  # national price only
    # and the valuation of a case seized today uses the same prices
    case_id = client.post("/cases", json=case_body(), headers=h).json()["case_id"]
    for code in (ZHONGHUA["carton"], YUXI["carton"]):
        r = client.post(f"/cases/{case_id}/items", json={"barcode": code, "quantity": 1}, headers=h)
        assert r.status_code == 201, r.text
    valuation = client.get(f"/cases/{case_id}/valuation", headers=h).json()
    assert Decimal(valuation["total"]) == Decimal(prices[ZHONGHUA["carton"]]) + Decimal(
        prices[YUXI["carton"]]
    )


def test_tier_fine_bounds_are_the_ones_set_fine_applies(
    backend: str, client: TestClient, as_user: Any
) -> None:
    """The page asks for a deviation reason from these bounds: they must be exactly the API's."""
    h = as_user("li")
    case_id = client.post("/cases", json=case_body(), headers=h).json()["case_id"]
    client.post(f"/cases/{case_id}/items", json={"barcode": ZHONGHUA["carton"], "quantity": 10}, headers=h)
    disc = client.get(f"/cases/{case_id}/discretion", headers=h).json()
    lo, hi = Decimal(disc["tier_fine_min"]), Decimal(disc["tier_fine_max"])
    base = Decimal(disc["base_amount"])
    assert lo < base * Decimal(disc["tier_rate_min"]) and hi > base * Decimal(
        disc["tier_rate_max"]
    )  # tolerance
    for fine, within in (
        (hi, True),
        (lo, True),
        (hi + Decimal("0.01"), False),
        (lo - Decimal("0.01"), False),
    ):
        r = client.put(f"/cases/{case_id}/fine", json={"fine_amount": f"{fine:.2f}"}, headers=h)
        if within:
            assert r.status_code == 200 and r.json()["within_tier"] is True, (fine, r.text)
        else:
            assert r.status_code == 422 and r.json()["code"] == "DEVIATION_REASON_REQUIRED", (fine, r.text)


def test_demo_phone_login_is_a_county_officer_with_a_valid_certificate(backend: str, app: Any) -> None:
    """`zhifa demo` adds an `officer` login for the phone app: the world's county codes are generated,
    so it picks the first county officer whose certificate is valid today."""
    from cli.demo import _field_officer

    with app.state.sessionmaker() as session:
        chosen = _field_officer(session)
        assert chosen is not None
        assert (chosen.officer_id, chosen.unit_code) == ("O410122001", "410122")  # not Kaifeng's city officer
        for officer_id in ("O410122001", "O410122002"):
            session.get(Officer, officer_id).cert_valid_to = today() - timedelta(days=1)
        session.flush()
        assert _field_officer(session) is None  # O410122003 expired too: no phone login rather than a bad one
