"""Publication of decisions (#18 §1) over HTTP: only decided cases, the public text masked and scanned, due
a number of working days after the decision on the holiday calendar, published by another person, and
listed without login (page, XLSX, JSON feed) with no personal data."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta
from typing import Any

import pandas as pd
from apitest_support import case_body
from case_flow_support import closed_case
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from ingestion.api_store.extract import extract_changes
from zhifa.clock import local_date
from zhifa.settings import SEEDS_DIR

FACTS = "经检查，张三（电话13800138000）店内存放的卷烟未在当地烟草专卖批发企业进货。"


def _due(decided: date, n: int) -> date:
    """n working days after ``decided``, counted straight from the holiday seed (not through the code)."""
    with (SEEDS_DIR / "ref_holidays.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    off = {date.fromisoformat(r["calendar_date"]) for r in rows if r["kind"] == "holiday"}
    on = {date.fromisoformat(r["calendar_date"]) for r in rows if r["kind"] == "makeup_workday"}
    day = decided
    while n:
        day += timedelta(days=1)
        if day in on or (day.weekday() < 5 and day not in off):
            n -= 1
    return day


def _setting(key: str) -> int:
    with (SEEDS_DIR / "ref_settings.csv").open(encoding="utf-8") as fh:
        return int(next(r["value"] for r in csv.DictReader(fh) if r["key"] == key and not r["province_code"]))


def test_publication_flow(client: TestClient, as_user: Any, app: Any) -> None:
    li, head, kaifeng = as_user("li"), as_user("head"), as_user("kaifeng")
    open_case = client.post("/cases", json=case_body(), headers=li).json()["case_id"]
    r = client.post(f"/cases/{open_case}/publication", headers=li)
    assert r.status_code == 409 and r.json()["code"] == "NOT_DECIDED"

    case_id = closed_case(client, li, head, to="served", facts=FACTS)
    r = client.post(f"/cases/{case_id}/publication", headers=li)
    assert r.status_code == 201, r.text
    pub = r.json()
    text = pub["public_text"]
    assert "张某" in text and "张三" not in text and "13800138000" not in text
    assert "4101******01" in text and "410122100001" not in text
    decided = local_date(
        datetime.fromisoformat(client.get(f"/cases/{case_id}", headers=li).json()["decided_at"])
    )
    assert date.fromisoformat(pub["due_on"]) == _due(decided, _setting("publication_working_days"))
    assert client.post(f"/cases/{case_id}/publication", headers=li).status_code == 409

    for bad in ("身份证号41012219800101123X", "联系电话 0371-65432100"):
        r = client.put(f"/cases/{case_id}/publication", json={"public_text": text + bad}, headers=li)
        assert r.status_code == 422 and r.json()["code"] == "PERSONAL_DATA_IN_TEXT"
    assert client.get(f"/cases/{case_id}/publication", headers=li).json()["public_text"] == text

    assert client.get("/public/decisions").json() == {"total": 0, "items": []}  # a draft is not public
    channel = {"channel": "中牟县人民政府门户网站"}
    assert client.post(f"/cases/{case_id}/publication/publish", json=channel, headers=li).status_code == 403
    assert client.get(f"/cases/{case_id}/publication", headers=kaifeng).status_code == 404
    r = client.post(f"/cases/{case_id}/publication/publish", json=channel, headers=head)
    assert r.status_code == 200 and r.json()["status"] == "published" and r.json()["published_at"]
    published_at = datetime.fromisoformat(r.json()["published_at"])
    r = client.put(f"/cases/{case_id}/publication", json={"public_text": "改"}, headers=li)
    assert r.status_code == 409 and r.json()["code"] == "ALREADY_PUBLISHED"

    # the public side: no token, only the masked text
    page = client.get("/public/decisions").json()
    assert page["total"] == 1 and page["items"][0]["text"] == text
    assert page["items"][0]["channel"] == channel["channel"]
    assert client.get("/public/decisions", params={"q": "张某"}).json()["total"] == 1
    assert client.get("/public/decisions", params={"q": "张三"}).json()["total"] == 0
    assert client.get("/public/decisions", params={"q": "100%"}).json()["total"] == 0
    assert client.get("/public/decisions", params={"limit": 101}).status_code == 422
    feed = client.get("/public/decisions.json").json()
    assert [i["text"] for i in feed["items"]] == [text]
    r = client.get("/public/decisions.xlsx")
    assert r.status_code == 200
    sheet = load_workbook(io.BytesIO(r.content)).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("公示日期", "执法机关", "公示内容", "公示渠道") and rows[1][2] == text
    for body in (str(page), str(rows)):
        assert "张三" not in body and "13800138000" not in body and "410122100001" not in body

    # the publication date reaches the warehouse with the case (contract column cases.published_at)
    frames, _ = extract_changes(app.state.engine, None)
    cases = frames["cases"].set_index("case_id")
    extracted = pd.Timestamp(cases.loc[case_id, "published_at"])
    as_utc = extracted.tz_convert("UTC") if extracted.tzinfo else extracted.tz_localize("UTC")
    assert abs(as_utc.to_pydatetime() - published_at) < timedelta(seconds=1)
    assert pd.isna(cases.loc[open_case, "published_at"])
