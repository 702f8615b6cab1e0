"""Goods without a catalog price over HTTP (issue 14 §1): leaf by the kg and a machine valued at the unit
price stated on the valuation table, `appraised` once a price appraisal's notice is on the case, catalog
cigarettes at the catalog price (a stated price for them is refused); expected yuan written by hand from
DOMAIN.md §4 — the same figures the warehouse's unit tests expect (valuation_basis_and_periods)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from apitest_support import ZHONGHUA, case_body
from fastapi.testclient import TestClient

LEAF = {"spec_name_raw": "烤烟叶（散装）", "quantity": "12.5", "quantity_unit": "kg", "unit_price": "28.40"}
MACHINE = {"spec_name_raw": "卷烟机（二手）", "quantity": "1", "unit_price": "48000"}


def _case(client: TestClient, h: dict[str, str]) -> str:
    r = client.post("/cases", json=case_body(violation_code="UNLICENSED_MANUFACTURE"), headers=h)
    assert r.status_code == 201, r.text
    return str(r.json()["case_id"])


def _add(client: TestClient, h: dict[str, str], case_id: str, item: dict[str, Any], expect: int = 201) -> Any:
    r = client.post(f"/cases/{case_id}/items", json=item, headers=h)
    assert r.status_code == expect, r.text
    return r.json()


def test_non_catalog_goods_are_valued_at_their_stated_then_appraised_price(
    client: TestClient, as_user: Any
) -> None:
    li = as_user("li")
    case_id = _case(client, li)
    _add(client, li, case_id, {"barcode": ZHONGHUA["carton"], "quantity": "2"})
    _add(client, li, case_id, LEAF)
    items = _add(client, li, case_id, MACHINE)["items"]
    assert [(i["quantity_unit"], i["unit_price"]) for i in items] == [
        ("carton", None),
        ("kg", "28.40"),
        ("carton", "48000.00"),
    ]
    val = client.get(f"/cases/{case_id}/valuation", headers=li).json()
    assert [(ln["basis"], Decimal(ln["subtotal"])) for ln in val["lines"]] == [
        ("catalog", Decimal("900.00")),  # 2 条 × 450 (Henan's own list price)
        ("stated", Decimal("355.00")),  # 12.5 kg × 28.40
        ("stated", Decimal("48000.00")),
    ]
    assert Decimal(val["total"]) == Decimal("49255.00") and val["complete"] is True
    assert Decimal(val["cartons"]) == 2  # leaf and a machine are no cartons of cigarettes
    disc = client.get(f"/cases/{case_id}/discretion", headers=li).json()
    assert Decimal(disc["base_amount"]) == Decimal("49255.00") and disc["tier"] is not None

    r = client.post(f"/cases/{case_id}/documents", json={"doc_type": "appraisal_notice"}, headers=li)
    assert r.status_code == 201, r.text
    val = client.get(f"/cases/{case_id}/valuation", headers=li).json()
    assert [ln["basis"] for ln in val["lines"]] == ["catalog", "appraised", "appraised"]
    assert Decimal(val["total"]) == Decimal("49255.00")


def test_a_stated_price_is_refused_for_catalog_goods_and_missing_for_leaf_is_said(
    client: TestClient, as_user: Any
) -> None:
    li = as_user("li")
    case_id = _case(client, li)
    r = client.post(
        f"/cases/{case_id}/items",
        json={"barcode": ZHONGHUA["carton"], "quantity": "2", "unit_price": "400"},
        headers=li,
    )
    assert r.status_code == 422 and "PRICE_FOR_CATALOG_GOODS" in r.text
    r = client.post(f"/cases/{case_id}/items", json={**MACHINE, "quantity_unit": "case"}, headers=li)
    assert r.status_code == 422 and "UNIT_FOR_PRICED_GOODS" in r.text
    assert client.get(f"/cases/{case_id}", headers=li).json()["items"] == []  # nothing half-written
    _add(client, li, case_id, {k: v for k, v in LEAF.items() if k != "unit_price"})
    val = client.get(f"/cases/{case_id}/valuation", headers=li).json()
    assert val["complete"] is False and val["lines"][0]["basis"] is None
    assert "核价单价" in val["lines"][0]["problem"]
