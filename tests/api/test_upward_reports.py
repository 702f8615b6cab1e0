"""Upward reporting and transfer (#18 §4) over HTTP, and the whole life of a major county case (#18
acceptance): refused a decision without legal review, reviewed, discussed, decided, published, reported up
(the 备案 and the 大案报告 in the city's 待办, recorded there), executed, closed and archived."""

from __future__ import annotations

import csv
import hashlib
import io
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from case_flow_support import generate, major_case_ready_to_decide, move, seed_setting
from fastapi.testclient import TestClient
from PIL import Image

from ingestion.api_store.extract import extract_review_tables
from ingestion.warehouse import connect
from zhifa.clock import LOCAL
from zhifa.settings import SEEDS_DIR


def _working_day(decided: date, n: int) -> date:
    """The n-th working day after ``decided``, counted straight from the holiday seed."""
    with (SEEDS_DIR / "ref_holidays.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    off = {date.fromisoformat(r["calendar_date"]) for r in rows if r["kind"] == "holiday"}
    on = {date.fromisoformat(r["calendar_date"]) for r in rows if r["kind"] == "makeup_workday"}
    day = decided
    while n:
        day += timedelta(days=1)
        n -= day in on or (day.weekday() < 5 and day not in off)
    return day


def _png() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (40, 20), "white").save(buf, format="PNG")
    return buf.getvalue()


def _reports(client: TestClient, h: dict[str, str], case_id: str) -> dict[str, dict[str, Any]]:
    r = client.get(f"/cases/{case_id}/upward-reports", headers=h)
    assert r.status_code == 200, r.text
    return {row["kind"]: row for row in r.json()}


def test_major_case_from_review_to_archive(
    client: TestClient, as_user: Any, app: Any, tmp_path: Path
) -> None:
    li, head, legal, city = as_user("li"), as_user("head"), as_user("legal"), as_user("cityboss")
    case_id, fine = major_case_ready_to_decide(client, li, head)
    found = _reports(client, li, case_id)
    # the value reaches the major-case and criminal thresholds on investigation; 备案 waits for the decision
    assert set(found) == {"major_case", "criminal_transfer"}
    assert found["major_case"]["to_unit"] == "410100" and found["criminal_transfer"]["to_unit"] == "410122"
    started = datetime.fromisoformat(found["major_case"]["started_at"])
    hours = int(seed_setting("major_case_report_hours"))
    assert datetime.fromisoformat(found["major_case"]["due_at"]) == started + timedelta(hours=hours)

    # refused without a legal review (the case is marked complex: a collective discussion too)
    assert client.patch(f"/cases/{case_id}", json={"marked_complex": True}, headers=li).status_code == 200
    r = client.post(f"/cases/{case_id}/transitions", json={"to": "decided"}, headers=li)
    assert r.status_code == 409 and "法制审核" in r.json()["message"] and "集体讨论" in r.json()["message"]
    lr = client.post(f"/cases/{case_id}/approvals", json={"kind": "legal_review"}, headers=li).json()
    checklist = [
        {"item": i["item_code"], "result": "confirmed"}
        for i in client.get("/legal-review/checklist", headers=legal).json()
    ]
    body = {"outcome": "approved", "conclusion": "同意", "note": "事实清楚。", "checklist": checklist}
    r = client.post(f"/approvals/{lr['approval_id']}/decision", json=body, headers=legal)
    assert r.status_code == 200, r.text
    names = ["局长甲", "副局长乙", "副局长丙"]
    discussion = {"held_on": "2026-01-05", "participants": names, "conclusion": "同意"}
    r = client.post(f"/cases/{case_id}/collective-discussions", json=discussion, headers=li)
    assert r.status_code == 201, r.text
    decided = move(client, li, case_id, "decided")
    decided_on = datetime.fromisoformat(decided["decided_at"]).astimezone(LOCAL).date()

    # the 备案 to the city, due the N-th working day after the decision (end of that day, Shanghai)
    filing = _reports(client, li, case_id)["filing"]
    assert filing["to_unit"] == "410100" and filing["status"] == "open" and str(fine) in filing["reason"]
    last = _working_day(decided_on, int(seed_setting("filing_to_superior_working_days")))
    due = datetime.fromisoformat(filing["due_at"]).astimezone(LOCAL)
    assert due.date() == last and due + timedelta(microseconds=1) == datetime.combine(
        last + timedelta(days=1), datetime.min.time(), tzinfo=LOCAL
    )

    penalty = generate(client, li, case_id, "penalty_decision")
    generate(client, li, case_id, "service_receipt", served_document_id=penalty["document_id"])
    assert client.post(f"/cases/{case_id}/publication", headers=li).status_code == 201
    channel = {"channel": "中牟县人民政府门户网站"}
    assert client.post(f"/cases/{case_id}/publication/publish", json=channel, headers=head).status_code == 200

    # the city's 待办 holds both reports; the county head may not record them, the city's approver does
    box = client.get("/office/inbox", headers=city).json()
    mine = {t["kind"]: t for t in box["todo"]["upward_reports"] if t["case_id"] == case_id}
    assert set(mine) == {"filing", "major_case"} and box["counts"]["upward_reports"] >= 2
    assert not [t for t in client.get("/office/inbox", headers=head).json()["todo"]["upward_reports"]
                if t["case_id"] == case_id and t["kind"] != "criminal_transfer"]  # fmt: skip
    url = f"/upward-reports/{mine['filing']['report_id']}/acknowledge"
    r = client.post(url, json={"note": "已登记"}, headers=head)
    assert r.status_code == 403 and r.json()["code"] == "NOT_RECIPIENT"
    assert client.post(url, json={"note": "已登记"}, headers=as_user("kaifeng")).status_code == 404
    r = client.post(url, json={"note": "已登记备案，郑烟备〔2026〕第1号"}, headers=city)
    assert r.status_code == 200 and r.json()["status"] == "acknowledged" and r.json()["acknowledged_at"]
    assert client.post(url, json={"note": "再次"}, headers=city).json()["code"] == "ALREADY_ACKNOWLEDGED"
    major = f"/upward-reports/{mine['major_case']['report_id']}/acknowledge"
    assert client.post(major, json={"note": "已收到大案报告"}, headers=city).status_code == 200
    left = client.get("/office/inbox", headers=city).json()["todo"]["upward_reports"]
    assert not [t for t in left if t["case_id"] == case_id]

    for step in ("served", "executed", "closed"):
        move(client, li, case_id, step)
    for doc_type in ("inquiry_record", "investigation_report", "handling_approval", "payment_receipt",
                     "closing_report"):  # fmt: skip
        generate(client, li, case_id, doc_type)
    r = client.post(f"/cases/{case_id}/archive", headers=li)
    assert r.status_code == 201, r.text
    assert client.get(f"/cases/{case_id}", headers=li).json()["status"] == "archived"

    # a correction after archiving: a supplementary file appended to the manifest, audited, still read-only
    archived = r.json()
    url = f"/cases/{case_id}/archive/supplements"
    png = {"file": ("更正说明.png", _png(), "image/png")}
    assert client.post(url, data={"reason": " "}, files=png, headers=li).status_code == 422
    text = {"file": ("x.txt", b"plain text", "text/plain")}
    assert client.post(url, data={"reason": "更正"}, files=text, headers=li).status_code == 415
    assert client.post(url, data={"reason": "更正"}, files=png, headers=as_user("kaifeng")).status_code == 404
    r = client.post(url, data={"reason": "当事人地址笔误更正"}, files=png, headers=li)
    assert r.status_code == 201, r.text
    after = r.json()
    added = after["manifest"]["files"][-1]
    assert added["source"] == "supplement" and added["reason"] == "当事人地址笔误更正"
    assert added["sha256"] == hashlib.sha256(png["file"][1]).hexdigest()
    assert after["manifest"]["files"][:-1] == archived["manifest"]["files"]
    assert (
        after["manifest_sha256"] != archived["manifest_sha256"]
        and after["pdf_sha256"] == archived["pdf_sha256"]
    )
    assert client.get(f"/cases/{case_id}/archive/verification", headers=li).json() == {
        "ok": True,
        "messages": [],
    }
    log = client.get("/audit", params={"entity": "archive", "entity_id": case_id}, headers=as_user("admin"))
    assert after["manifest_sha256"] in log.text and "supplement" in log.text
    assert client.get("/audit/verify", headers=as_user("admin")).json()["ok"] is True
    r = client.patch(f"/cases/{case_id}", json={"facts": "改"}, headers=li)
    assert r.status_code == 409 and r.json()["code"] == "CASE_ARCHIVED"

    # the clocks and the recipient's record reach the warehouse (raw.api_upward_reports)
    con = connect(tmp_path / "warehouse.duckdb")
    try:
        assert extract_review_tables(con, app.state.engine)["api_upward_reports"] == 3
        rows = con.execute(
            "SELECT kind, to_unit, clock, limit_value, due_at, acknowledged_at FROM raw.api_upward_reports "
            "WHERE case_id = ? ORDER BY kind",
            [case_id],
        ).fetchall()
    finally:
        con.close()
    recorded = {row["kind"]: row for row in client.get(f"/cases/{case_id}/upward-reports", headers=li).json()}
    assert [(k, u, c, n) for k, u, c, n, _, _ in rows] == [
        ("criminal_transfer", "410122", "hours", int(seed_setting("criminal_transfer_hours"))),
        ("filing", "410100", "working_days", int(seed_setting("filing_to_superior_working_days"))),
        ("major_case", "410100", "hours", hours),
    ]
    for kind, _, _, _, due_at, acknowledged_at in rows:
        assert due_at == datetime.fromisoformat(recorded[kind]["due_at"])
        ack = recorded[kind]["acknowledged_at"]
        assert acknowledged_at == (datetime.fromisoformat(ack) if ack else None)


def test_criminal_transfer_needs_its_checklist(client: TestClient, as_user: Any, app: Any) -> None:
    li, head = as_user("li"), as_user("head")
    case_id, _ = major_case_ready_to_decide(client, li, head)
    transfer = _reports(client, li, case_id)["criminal_transfer"]
    assert {c["doc_type"]: c["present"] for c in transfer["checklist"]} == {
        "transfer_letter": False,
        "investigation_report": False,
        "valuation_table": True,
        "inspection_record": True,
    }
    url = f"/upward-reports/{transfer['report_id']}"
    r = client.post(f"{url}/acknowledge", json={"note": "批准移送"}, headers=head)
    assert r.status_code == 409 and r.json()["code"] == "TRANSFER_CHECKLIST_INCOMPLETE"
    assert "案件移送函" in r.json()["message"] and "调查报告" in r.json()["message"]
    assert client.post(f"{url}/acknowledge", json={"note": " "}, headers=head).status_code == 422
    r = client.post(f"{url}/transfer-letter", json={"to": "中牟县公安局"}, headers=li)
    assert r.status_code == 201, r.text
    generate(client, li, case_id, "investigation_report")
    r = client.post(f"{url}/acknowledge", json={"note": "批准移送中牟县公安局"}, headers=head)
    assert r.status_code == 200 and r.json()["status"] == "acknowledged"
    r = client.post("/upward-reports/999999/acknowledge", json={"note": "x"}, headers=head)
    assert r.status_code == 404 and r.json()["code"] == "UPWARD_REPORT_NOT_FOUND"
    # a foreign unit's officer sees none of it
    assert client.get(f"/cases/{case_id}/upward-reports", headers=as_user("kaifeng")).status_code == 404
