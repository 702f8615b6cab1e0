"""Licensing over HTTP (#23): an incomplete application gets one notice naming every missing item; a
complete one is accepted (the clock starts), checked on site from a phone (GPS, a photo), refused for
distance with the reason in words; re-applied at another address, approved, published without personal
data and known to case capture by its number. Bad input: a place already licensed, no GPS or photos, a
contradictory rule set, a late decision without a reason."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import time_machine
from fastapi.testclient import TestClient
from licence_support import (
    NEW_MATERIALS,
    SHOP,
    body,
    licensed_neighbour,
    north,
    onsite,
    seed,
    to_site_check,
    upload,
)
from sqlalchemy import select

from api.licensing.services import onsite as onsite_service
from api.models import Message, User
from api.office.services.reminders import RunReport, write_messages
from ingestion.api_store.extract import extract_review_tables, extract_to_warehouse
from ingestion.api_store.licences import licence_frames
from ingestion.warehouse import connect
from zhifa.clock import local_now, today
from zhifa.licensing import layout

# store-independent rules run on SQLite only; the whole flow runs on both stores
SQLITE_ONLY = pytest.mark.parametrize("backend", ["sqlite"])


def test_licence_flow_from_counter_to_capture(
    client: TestClient, as_user: Any, app: Any, tmp_path: Path
) -> None:
    li, wang, head, city = as_user("li"), as_user("wang"), as_user("head"), as_user("cityboss")
    min_gap = float(
        seed("ref_layout_rules.csv", city_code="410100", kind="retailer_min_distance")[0]["distance_m"]
    )

    # a licensed neighbour first (the same path, approved)
    licensed_neighbour(client, li, head, wang)

    # a place already licensed is refused at the counter
    r = client.post("/licensing/applications", json=body("中牟县 青年路1号", SHOP), headers=li)
    assert r.status_code == 409 and r.json()["code"] == "PLACE_ALREADY_LICENSED", r.text

    # incomplete: one notice naming every missing item
    near = north(23.4)
    r = client.post("/licensing/applications", json=body("中牟县青年路3号", near), headers=li)
    app_id = r.json()["application_id"]
    upload(client, li, app_id, NEW_MATERIALS[:1])
    r = client.post(f"/licensing/applications/{app_id}/completeness", headers=li)
    got = r.json()
    assert got["status"] == "incomplete" and got["notice"] == "correction_notice"
    names = {
        m["material_code"]: m["name_zh"] for m in seed("ref_licence_materials.csv", application_kind="new")
    }
    assert [m["name_zh"] for m in got["missing"]] == [names[c] for c in NEW_MATERIALS[1:]]
    pdf = client.get(f"/licensing/applications/{app_id}/documents/correction_notice.pdf", headers=li)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")

    # complete: accepted, the decision due 20 working days on
    upload(client, li, app_id, NEW_MATERIALS[1:])
    got = client.post(f"/licensing/applications/{app_id}/completeness", headers=li).json()
    assert got["status"] == "accepted" and got["accepted_on"] == today().isoformat()
    assert date.fromisoformat(got["due_on"]) > today()
    r = client.post(
        f"/licensing/applications/{app_id}/assignment",
        json={"officers": ["li", "wang"]},
        headers=head,
    )
    assert [t["application_id"] for t in client.get("/licensing/onsite-tasks", headers=wang).json()] == [
        app_id
    ]

    # on site: refused without GPS or photos, nothing stored; then recorded and measured
    assert onsite(client, wang, app_id, None).json()["code"] == "GPS_REQUIRED"
    assert onsite(client, wang, app_id, near, photos=0).json()["code"] == "PHOTOS_REQUIRED"
    r = onsite(client, wang, app_id, near)
    assert r.status_code == 201, r.text
    check = r.json()
    assert not check["passed"]
    expected = f"距最近零售户 23 米，低于本区最小间距 {min_gap:g} 米"
    assert expected in [o["text_zh"] for o in check["outcomes"]]
    assert check["nearest"][0]["kind"] == "retailer" and abs(check["nearest"][0]["distance_m"] - 23.4) < 0.2

    # approving against the layout is refused; the refusal carries the reason in words
    r = client.post(f"/licensing/applications/{app_id}/decision", json={"outcome": "approved"}, headers=head)
    assert r.status_code == 409 and r.json()["code"] == "LAYOUT_NOT_MET"
    refused = client.post(
        f"/licensing/applications/{app_id}/decision", json={"outcome": "refused"}, headers=head
    ).json()
    assert (
        refused["status"] == "refused"
        and expected in refused["reasons"]
        and "行政复议" in refused["remedies"]
    )
    assert (
        client.get(f"/licensing/applications/{app_id}/documents/refusal_decision.pdf", headers=li).status_code
        == 200
    )

    # re-applied 200 m away: approved, published masked, known to capture by its number
    far = north(200)
    again = to_site_check(client, li, head, body("中牟县青年路99号", far))
    assert onsite(client, li, again, far).json()["passed"]
    approved = client.post(
        f"/licensing/applications/{again}/decision", json={"outcome": "approved"}, headers=head
    ).json()
    number = approved["licence_no"]
    assert len(number) == 12 and number.startswith("4101221") and not approved["late"]
    r = client.post(f"/licensing/applications/{again}/publication", json={}, headers=city)
    assert r.status_code == 201, r.text
    text = r.json()["public_text"]
    assert (
        "张某" in text
        and "张三" not in text
        and "13800138000" not in text
        and "410122199001011234" not in text
    )
    assert number not in text and f"{number[:4]}******{number[-2:]}" in text
    public = client.get("/public/decisions", params={"q": "准予许可"}).json()
    assert public["total"] == 1 and "张三" not in public["items"][0]["text"]

    seen = client.get(f"/retailers/{number}", headers=wang).json()
    assert seen["licence_status"] == "valid" and seen["valid_from"] == today().isoformat()
    assert date.fromisoformat(seen["valid_to"]) > today()
    assert client.get(f"/retailers/{number}", headers=as_user("kaifeng")).status_code == 404

    # the store's licensing tables in the register's shape (the warehouse's licences / licence_applications)
    with app.state.engine.connect() as db:
        frames, mark = licence_frames(db)
    assert mark is not None
    lic = frames["licences"].set_index("licence_no").loc[number]
    assert (lic["division_code"], lic["status"], lic["decision_kind"]) == (number[:6], "valid", "new")
    assert lic["valid_from"] == seen["valid_from"] and lic["valid_to"] == seen["valid_to"]
    apps = frames["licence_applications"].set_index("application_id")
    assert (
        apps.loc[app_id, "outcome"] == "refused"
        and apps.loc[app_id, "refusal_rule"] == "retailer_min_distance"
    )
    assert apps.loc[again, "outcome"] == "approved" and apps.loc[again, "published_at"] is not None
    assert len(frames["licences"]) == 2 and len(apps) == 3

    # and the pipeline's extraction loads them into the warehouse beside a bulk register, none quarantined
    con = connect(tmp_path / "warehouse.duckdb")
    try:
        summary = extract_to_warehouse(con, app.state.engine)
        assert summary is not None
        for table in ("licences", "licence_applications"):
            assert summary.tables[table].rows_quarantined == 0, summary.tables[table].reasons
        stored = con.execute(
            "SELECT status, valid_to FROM raw.licences WHERE licence_no = ?", [number]
        ).fetchone()
        assert stored is not None and (stored[0], str(stored[1])) == ("valid", seen["valid_to"])
        assert con.execute("SELECT count(*) FROM raw.licence_applications").fetchone() == (3,)
    finally:
        con.close()


@SQLITE_ONLY
def test_phone_gets_the_layout_data_and_a_retried_record_is_stored_once(
    client: TestClient, as_user: Any, backend: str
) -> None:
    li, wang, head = as_user("li"), as_user("wang"), as_user("head")
    neighbour = licensed_neighbour(client, li, head, wang)
    app_id = to_site_check(client, li, head, body("中牟县青年路5号", north(23.4)))
    data = client.get(f"/licensing/applications/{app_id}/layout-data", headers=wang).json()
    seeded = seed("ref_layout_rules.csv", city_code="410100")
    assert data["city_code"] == "410100" and data["on"] == today().isoformat()
    assert [(r["kind"], r["place_type"], r["distance_m"]) for r in data["rules"]] == [
        (r["kind"], r["place_type"] or None, float(r["distance_m"])) for r in seeded
    ]
    shops = [(s["kind"], s["lat"], s["lon"]) for s in data["sites"] if neighbour in s["name"]]
    assert shops == [("retailer", SHOP[0], SHOP[1])]
    # another unit's officer sees no such application
    assert (
        client.get(f"/licensing/applications/{app_id}/layout-data", headers=as_user("kaifeng")).status_code
        == 404
    )

    record = f"/licensing/applications/{app_id}/onsite"
    assert client.get(record, headers=head).json()["code"] == "CHECK_MISSING"
    # the answer was lost: the phone sends the same record under the same key and gets the first answer
    first = onsite(client, wang, app_id, north(23.4), key="k-1")
    again = onsite(client, wang, app_id, north(23.4), key="k-1")
    assert first.status_code == again.status_code == 201, again.text
    assert again.json() == first.json() == client.get(record, headers=head).json()
    assert client.get(record, headers=as_user("kaifeng")).status_code == 404
    # the data the phone kept explains the point as the server's record does (the phone's copy of explain
    # is tied to it by tests/test_layout_parity.py)
    rules = [layout.Rule(**r) for r in data["rules"]]
    sites = [layout.Site(**s) for s in data["sites"]]
    assert data["nearest_kinds"] == list(onsite_service.NEAREST_KINDS)
    kept = onsite_service.explain(data["city_code"], rules, sites, *north(23.4))
    assert kept["outcomes"] == first.json()["outcomes"] and kept["passed"] is first.json()["passed"] is False
    # the same key for another position is refused; a second record under a new key is a conflict
    moved = onsite(client, wang, app_id, north(40), key="k-1")
    assert moved.status_code == 422 and moved.json()["code"] == "IDEMPOTENCY_KEY_REUSED"
    other = onsite(client, li, app_id, north(23.4), key="k-2")
    assert other.status_code == 409 and other.json()["code"] == "CHECK_RECORDED"


@SQLITE_ONLY
def test_late_decision_needs_a_reason_and_is_flagged_and_extension_is_once(
    client: TestClient, as_user: Any, backend: str
) -> None:
    li, head = as_user("li"), as_user("head")
    app_id = to_site_check(client, li, head, body("中牟县文化路8号", SHOP))
    assert onsite(client, li, app_id, SHOP).status_code == 201
    r = client.post(
        f"/licensing/applications/{app_id}/extension", json={"reason": "需补充核查"}, headers=head
    )
    due = date.fromisoformat(r.json()["due_on"])
    r = client.post(f"/licensing/applications/{app_id}/extension", json={"reason": "再次"}, headers=head)
    assert r.status_code == 409 and r.json()["code"] == "ALREADY_EXTENDED"
    later = local_now() + timedelta(days=(due - today()).days + 1)
    with time_machine.travel(later, tick=False):
        head = as_user("head")  # a token of that day
        r = client.post(
            f"/licensing/applications/{app_id}/decision", json={"outcome": "approved"}, headers=head
        )
        assert r.status_code == 422 and r.json()["code"] == "LATE_REASON_REQUIRED"
        r = client.post(
            f"/licensing/applications/{app_id}/decision",
            json={"outcome": "approved", "late_reason": "申请人要求延后核查"},
            headers=head,
        )
    assert r.status_code == 200 and r.json()["late"] and r.json()["late_reason"] == "申请人要求延后核查"


@SQLITE_ONLY
def test_a_contradictory_or_overlapping_rule_set_is_refused(
    app: Any, client: TestClient, as_user: Any, backend: str, tmp_path: Path
) -> None:
    city = as_user("cityboss")
    bad = {
        "valid_from": "2030-01-01",
        "rules": [
            {"kind": "retailer_min_distance", "distance_m": 30},
            {"kind": "retailer_min_distance", "distance_m": 50},
        ],
    }
    r = client.put("/licensing/layout-rules/410100", json=bad, headers=city)
    assert (
        r.status_code == 422
        and r.json()["code"] == "RULE_SET_CONTRADICTS"
        and "取值矛盾" in r.json()["message"]
    )
    good = {"valid_from": "2030-01-01", "rules": [{"kind": "retailer_min_distance", "distance_m": 80}]}
    assert client.put("/licensing/layout-rules/410100", json=good, headers=city).status_code == 201
    r = client.put("/licensing/layout-rules/410100", json=good | {"valid_from": "2031-06-01"}, headers=city)
    assert r.status_code == 409 and r.json()["code"] == "RULE_SET_OVERLAPS"
    r = client.get("/licensing/layout-rules/410100", params={"on": "2030-02-01"}, headers=city)
    assert r.json()["rules"] == [{"kind": "retailer_min_distance", "distance_m": 80.0}]
    assert client.put("/licensing/layout-rules/410100", json=good, headers=as_user("li")).status_code == 403
    # the saved set reaches the warehouse, where the density mart applies it (int_layout_rules)
    con = connect(tmp_path / "warehouse.duckdb")
    try:
        assert extract_review_tables(con, app.state.engine)["api_layout_rule_sets"] == 1
        rows = con.execute(
            "SELECT city_code, valid_from, valid_to, rules FROM raw.api_layout_rule_sets"
        ).fetchall()
    finally:
        con.close()
    assert [(c, str(f), t, json.loads(r)) for c, f, t, r in rows] == [
        ("410100", "2030-01-01", None, good["rules"])
    ]


@SQLITE_ONLY
def test_renewal_follows_the_period_and_cancellation_reaches_capture(
    client: TestClient, as_user: Any, backend: str
) -> None:
    li, wang, head = as_user("li"), as_user("wang"), as_user("head")
    number = licensed_neighbour(client, li, head, wang)
    first = client.get(f"/licensing/licences/{number}", headers=li).json()
    notice = int(seed("ref_settings.csv", key="licence_renewal_notice_days", province_code="")[0]["value"])
    assert date.fromisoformat(first["renewal_due_on"]) == date.fromisoformat(first["valid_to"]) - timedelta(
        notice
    )

    def decided(kind: str) -> dict[str, Any]:
        held = {"kind": kind, "licence_no": number}
        r = client.post(
            "/licensing/applications", json=body("中牟县青年路1号", SHOP, name="王五") | held, headers=li
        )
        assert r.status_code == 201, r.text
        app_id = r.json()["application_id"]
        codes = [m["code"] for m in r.json()["required"]]
        upload(client, li, app_id, codes)
        assert (
            client.post(f"/licensing/applications/{app_id}/completeness", headers=li).json()["status"]
            == "accepted"
        )
        r = client.post(
            f"/licensing/applications/{app_id}/decision", json={"outcome": "approved"}, headers=head
        )
        assert r.status_code == 200, r.text
        return dict(client.get(f"/licensing/licences/{number}", headers=li).json())

    renewed = decided("renewal")  # the next period starts the day after the current one ends: no overlap
    assert date.fromisoformat(renewed["valid_from"]) == date.fromisoformat(first["valid_to"]) + timedelta(1)
    assert decided("cancellation")["status"] == "cancelled"
    assert client.get(f"/retailers/{number}", headers=wang).json()["licence_status"] == "cancelled"
    r = client.post(
        "/licensing/applications",
        json=body("中牟县某路", SHOP) | {"kind": "renewal", "licence_no": number},
        headers=li,
    )
    assert r.status_code == 409 and r.json()["code"] == "LICENCE_CANCELLED"
    r = client.post("/licensing/applications", json=body("中牟县某路", SHOP) | {"kind": "change"}, headers=li)
    assert r.status_code == 422 and r.json()["code"] == "LICENCE_REQUIRED"


@SQLITE_ONLY
def test_licence_dates_reach_the_unit_managers_todo(
    client: TestClient, as_user: Any, app: Any, backend: str
) -> None:
    """A decision falling due within the due-soon window, then past it, and a licence inside its renewal
    window are in the 待办 of the city above; a renewal application under way takes the licence off it."""
    li, head = as_user("li"), as_user("head")
    number = licensed_neighbour(client, li, head, li)
    app_id = to_site_check(client, li, head, body("中牟县文化路8号", north(500), name="赵六"))
    due = date.fromisoformat(client.get(f"/licensing/applications/{app_id}", headers=li).json()["due_on"])
    soon = int(seed("ref_settings.csv", key="deadline_due_soon_days", province_code="")[0]["value"])
    notice = int(seed("ref_settings.csv", key="licence_renewal_notice_days", province_code="")[0]["value"])

    def todo_on(day: date) -> dict[str, dict[str, Any]]:
        with time_machine.travel(local_now() + timedelta(days=(day - today()).days), tick=False):
            r = client.get("/office/inbox", headers=as_user("cityboss"))
        assert r.status_code == 200, r.text
        assert r.json()["counts"]["licences"] == len(r.json()["todo"]["licences"])
        return {d["ref"]: d for d in r.json()["todo"]["licences"]}

    assert app_id not in todo_on(due - timedelta(days=soon + 1))  # not yet due soon
    item = todo_on(due - timedelta(days=soon))[app_id]
    assert (item["kind"], item["days_left"], item["overdue"]) == ("decision", soon, False)
    assert item["shop_name"] == "赵六便利店"
    assert todo_on(due + timedelta(days=1))[app_id]["overdue"] is True
    elsewhere = client.get("/office/inbox", headers=as_user("kaifeng")).json()["todo"]["licences"]
    assert app_id not in {d["ref"] for d in elsewhere}  # another city's approver: not in scope

    valid_to = date.fromisoformat(client.get(f"/licensing/licences/{number}", headers=li).json()["valid_to"])
    last_day = valid_to - timedelta(days=notice)
    assert number not in todo_on(last_day - timedelta(days=soon + 1))
    renewal = todo_on(last_day - timedelta(days=soon))[number]
    assert (renewal["kind"], date.fromisoformat(renewal["due_on"])) == ("renewal", last_day)
    held = body("中牟县青年路1号", SHOP, name="王五") | {"kind": "renewal", "licence_no": number}
    assert client.post("/licensing/applications", json=held, headers=li).status_code == 201
    assert number not in todo_on(last_day - timedelta(days=soon))

    # the daily reminder job writes the same dates as a message to the city's manager
    day = due - timedelta(days=soon)
    report = RunReport(day)
    with app.state.sessionmaker() as session:
        write_messages(session, day, report)
        session.commit()
        boss = session.scalar(select(User).where(User.username == "cityboss"))
        assert boss is not None
        sent = session.scalar(select(Message).where(Message.user_id == boss.id, Message.kind == "licences"))
    assert sent is not None and app_id in sent.body and "许可决定期限" in sent.body
    assert [i["ref"] for i in sent.payload["items"]] == [app_id]
