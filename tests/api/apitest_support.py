"""Helpers shared by the API tests (fixtures live in conftest.py)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import uvicorn
from fastapi.testclient import TestClient
from net_support import free_port

from ingestion.contract import ean13_check_digit

BARCODES = Path(__file__).resolve().parents[3] / "shared" / "barcodes"
PASSWORD = "correct-horse-9"
SECRET = "test-secret-key-0123456789-abcdefghijklmnop"


def ean(first12: str) -> str:
    return first12 + ean13_check_digit(first12)


# --- catalog folder (bulk contract format) ---------------------------------------------------------
PHOTO = BARCODES / "ean13-1" / "1.png"
PHOTO_CODE = (BARCODES / "ean13-1" / "1.txt").read_text().strip() if PHOTO.exists() else ean("841300006550")

ZHONGHUA = {"pack": "6901028075763", "carton": "6901028075015", "case": ean("690102807509")}
YUXI = {"pack": "6901028317122", "carton": "6901028317177", "case": ean("690102831719")}


def write_catalog(folder: Path, today: date) -> Path:
    """Henan province → Zhengzhou city → Zhongmou county, plus Kaifeng city (a sibling subtree)."""
    folder.mkdir(parents=True, exist_ok=True)
    valid_from, valid_to = today - timedelta(days=400), today + timedelta(days=400)
    (folder / "units.csv").write_text(
        "unit_code,name,level,parent_code,abbreviation\n"
        "410000,河南省烟草专卖局,province,,豫烟\n"
        "410100,郑州市烟草专卖局,city,410000,郑烟\n"
        "410122,中牟县烟草专卖局,county,410100,中烟\n"
        "410200,开封市烟草专卖局,city,410000,汴烟\n",
        encoding="utf-8",
    )
    (folder / "officers.csv").write_text(
        "officer_id,name,unit_code,cert_no,cert_valid_from,cert_valid_to,roles\n"
        f"O410122001,李明,410122,豫A410122001,{valid_from},{valid_to},officer\n"
        f"O410122002,王芳,410122,豫A410122002,{valid_from},{valid_to},officer\n"
        f"O410122003,赵强,410122,豫A410122003,{valid_from},{today - timedelta(days=1)},officer\n"
        f"O410200001,孙丽,410200,豫A410200001,{valid_from},{valid_to},officer\n",
        encoding="utf-8",
    )
    (folder / "products.csv").write_text(
        "product_code,brand,spec_name,manufacturer,pack_barcode,carton_barcode,case_barcode,"
        "sticks_per_pack,packs_per_carton,price_class,status\n"
        f"P001,中华,中华(硬),上海烟草集团,{ZHONGHUA['pack']},{ZHONGHUA['carton']},{ZHONGHUA['case']},20,10,1,active\n"
        f"P002,玉溪,玉溪(软),红云红河集团,{YUXI['pack']},{YUXI['carton']},{YUXI['case']},20,10,2,active\n"
        f"P003,样品,照片样品(硬),测试,,{PHOTO_CODE},,20,10,3,active\n"
        "P004,坏码,坏码(硬),测试,,6901028221234,,20,10,3,active\n",
        encoding="utf-8",
    )
    (folder / "prices.csv").write_text(
        "product_code,province_code,price_type,price_per_carton,valid_from,valid_to\n"
        f"P001,,retail_suggested,500.00,{valid_from},\n"
        f"P001,410000,retail_suggested,450.00,{valid_from},\n"
        f"P001,410000,retail_suggested,300.00,2000-01-01,{valid_from - timedelta(days=1)}\n"
        f"P002,410000,retail_suggested,230.00,{valid_from},\n"
        f"P003,,retail_suggested,100.00,{valid_from},\n"
        f"P002,410000,wholesale,bad,{valid_from},\n",
        encoding="utf-8",
    )
    return folder


def token(client: TestClient, username: str) -> dict[str, str]:
    r = client.post("/auth/token", data={"username": username, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def case_body(**overrides: Any) -> dict[str, Any]:
    from zhifa.clock import now

    body: dict[str, Any] = {
        "violation_code": "NON_DESIGNATED_SOURCE",
        "discovered_at": (now() - timedelta(hours=2)).isoformat(),
        "party_type": "individual",
        "party_name": "张三",
        "licence_no": "410122100001",
        "address": "中牟县城关镇建设路12号",
        "place": "中牟县城关镇建设路12号张三便利店",
        "facts": "经检查，当事人店内存放的卷烟未在当地烟草专卖批发企业进货。",
        "officers": [{"officer_id": "O410122001", "role": "lead"}, {"officer_id": "O410122002"}],
    }
    body.update(overrides)
    return body


@contextmanager
def served_in_thread(app: Any) -> Iterator[str]:
    """``app`` served by a real uvicorn server on a free port, in a thread of this process: its URL."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "server did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=20)
