"""Scanning through the API (ambiguity, blank photos), spray codes and catalog loading; the decode
ladder itself is tested in tests/test_barcodes.py, bad scan input in tests/api/test_scan_input.py."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from apitest_support import BARCODES, YUXI, ZHONGHUA, write_catalog
from fastapi.testclient import TestClient
from PIL import Image

from api.capture.services.catalog import load_catalog
from zhifa import clock


def _expected(p: Path) -> str:
    return p.with_suffix(".txt").read_text().strip()


def test_two_codes_in_one_frame_are_ambiguous(client: TestClient, as_user: Any) -> None:
    a, b = (Image.open(BARCODES / "ean13-1" / n).convert("L") for n in ("1.png", "10.png"))
    frame = Image.new("L", (a.width + b.width + 40, max(a.height, b.height)), 255)
    frame.paste(a, (0, 0))
    frame.paste(b, (a.width + 40, 0))
    buf = io.BytesIO()
    frame.save(buf, "PNG")
    r = client.post("/scan", files={"file": ("two.png", buf.getvalue(), "image/png")}, headers=as_user("li"))
    body = r.json()
    assert r.status_code == 200 and body["ambiguous"] is True and body["product"] is None
    seen = body["confirmed"] + [c["code"] for c in body["candidates"]]
    assert sorted(seen) == sorted(
        [_expected(BARCODES / "ean13-1" / "1.png"), _expected(BARCODES / "ean13-1" / "10.png")]
    )


def test_blank_image_has_no_code(client: TestClient, as_user: Any) -> None:
    buf = io.BytesIO()
    Image.new("RGB", (320, 240), (200, 200, 200)).save(buf, "JPEG")
    r = client.post(
        "/scan", files={"file": ("blank.jpg", buf.getvalue(), "image/jpeg")}, headers=as_user("li")
    )
    assert r.status_code == 200 and r.json() == {
        "confirmed": [],
        "candidates": [],
        "codes": [],
        "ambiguous": False,
        "product": None,
        "level": None,
        "decoder": None,
        "spray_code": None,
    }


def test_lookup_by_pack_carton_and_case_code(client: TestClient, as_user: Any) -> None:
    li = as_user("li")
    got = {lvl: client.get(f"/products/by-barcode/{ZHONGHUA[lvl]}", headers=li).json() for lvl in ZHONGHUA}
    assert {lvl: g["product"]["product_code"] for lvl, g in got.items()} == {
        "pack": "P001",
        "carton": "P001",
        "case": "P001",
    }
    assert [float(got[lvl]["cartons_per_unit"]) for lvl in ("pack", "carton", "case")] == [0.1, 1.0, 50.0]
    assert [got[lvl]["sticks_per_unit"] for lvl in ("pack", "carton", "case")] == [20, 200, 10000]
    # digits from a handheld scanner often carry whitespace or a newline
    r = client.get(f"/products/by-barcode/%20{YUXI['carton']}%0A", headers=li)
    assert r.status_code == 200 and r.json()["product"]["spec_name"] == "玉溪(软)"


def test_items_convert_to_cartons(client: TestClient, as_user: Any) -> None:
    from apitest_support import case_body

    li = as_user("li")
    case_id = client.post("/cases", json=case_body(), headers=li).json()["case_id"]
    for body in (
        {"barcode": ZHONGHUA["case"], "quantity": "1", "quantity_unit": "case"},
        {"barcode": ZHONGHUA["pack"], "quantity": "5", "quantity_unit": "pack"},
        {"product_code": "P002", "quantity": "400", "quantity_unit": "stick"},
    ):
        r = client.post(f"/cases/{case_id}/items", json=body, headers=li)
        assert r.status_code == 201, r.text
    assert [float(i["quantity"]) for i in r.json()["items"]] == [50.0, 0.5, 2.0]


def test_spray_code(client: TestClient, as_user: Any) -> None:
    li = as_user("li")
    # line 1: year digit 5, 03-15, case serial 123456789, carton 07; line 2: letters + licence
    code = "5031512345678907\nABCD410122100001"
    r = client.post("/spray-codes/parse", json={"code": code, "reference_date": "2026-06-01"}, headers=li)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["sorting_date"] == "2025-03-15" and body["licence_no"] == "410122100001"
    assert body["case_serial"] == "123456789" and body["carton_serial"] == "07"
    assert body["unit_code"] == "410122" and body["unit_name"] == "中牟县烟草专卖局"
    # the retailer is known once a case names it
    client.post("/cases", json=__import__("apitest_support").case_body(), headers=li)
    assert (
        client.post("/spray-codes/parse", json={"code": code}, headers=li).json()["retailer_name"] == "张三"
    )
    # a later month than the reference date belongs to ten years before
    r = client.post(
        "/spray-codes/parse",
        json={"code": "6121512345678907ABCD410122100001", "reference_date": "2026-06-01"},
        headers=li,
    )
    assert r.json()["sorting_date"] == "2016-12-15"
    for bad in (
        "5133212345678907ABCD410122100001",
        "503151234567890ABCD410122100001",
        "5031512345678907ABCD410122300001",
    ):
        r = client.post("/spray-codes/parse", json={"code": bad}, headers=li)
        assert r.status_code == 422 and r.json()["code"] == "BAD_SPRAY_CODE", bad


def test_load_catalog_twice_changes_nothing(app: Any, tmp_path: Path) -> None:
    from sqlalchemy import func, select

    from api.models import Officer, Price, Product, Unit

    folder = write_catalog(tmp_path / "again", clock.today())
    with app.state.sessionmaker() as s:

        def counts() -> list[int]:
            return [
                s.scalar(select(func.count()).select_from(m)) or 0 for m in (Unit, Officer, Product, Price)
            ]

        before = counts()
        report = load_catalog(s, folder)
        s.commit()
        assert counts() == before == [4, 4, 3, 5]
        assert len(report.rejected) == 2
        assert any("products.csv" in r and "EAN-13" in r for r in report.rejected)
        assert any("prices.csv" in r for r in report.rejected)
        assert s.get(Unit, "410122").path == "/410000/410100/410122/"
