"""Case search for the office (issue #17) on SQLite and PostgreSQL: filters, sort, paging, the XLSX export
read back with openpyxl, the export cap, a case's history — all within the caller's unit subtree."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

import openpyxl
import pytest
from fastapi.testclient import TestClient
from office_support import deviation_case


def find(client: TestClient, h: dict[str, str], **params: Any) -> dict[str, Any]:
    r = client.get("/office/cases", params=params, headers=h)
    assert r.status_code == 200, r.text
    return dict(r.json())


def test_search_filters_sort_scope_and_export(
    app: Any, client: TestClient, as_user: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    li = as_user("li")
    big = deviation_case(client, li, cartons=10, party_name="张三")["case_id"]  # 4,500.00
    small = deviation_case(client, li, cartons=1, party_name="李四")["case_id"]  # 450.00
    mid = deviation_case(client, li, cartons=3, party_name="张五", licence_no="410122100099")["case_id"]
    foreign = deviation_case(
        client, as_user("kaifeng"), officers=[{"officer_id": "O410200001", "role": "lead"}]
    )["case_id"]
    boss, admin = as_user("cityboss"), as_user("admin")

    everything = find(client, boss, sort="illegal_amount", desc=False)
    assert everything["total"] == 3 and foreign not in {r["case_id"] for r in everything["rows"]}
    assert [r["case_id"] for r in everything["rows"]] == [small, mid, big]
    assert [Decimal(r["illegal_amount"]) for r in everything["rows"]] == [
        Decimal(450),
        Decimal(1350),
        Decimal(4500),
    ]
    assert [r["case_id"] for r in find(client, boss, sort="illegal_amount")["rows"]] == [big, mid, small]
    page2 = find(client, boss, sort="illegal_amount", desc=False, limit=2, offset=2)
    assert page2["total"] == 3 and [r["case_id"] for r in page2["rows"]] == [big]

    assert {r["case_id"] for r in find(client, boss, party="张")["rows"]} == {big, mid}
    assert [r["case_id"] for r in find(client, boss, party="100099")["rows"]] == [mid]  # licence number
    assert find(client, boss, party="%")["total"] == 0  # a wildcard is a character, not a pattern
    assert {r["case_id"] for r in find(client, boss, amount_min="1000", amount_max="4500")["rows"]} == {
        mid,
        big,
    }
    assert find(client, boss, officer_id="O410122002")["total"] == 3
    assert find(client, boss, officer_id="O410200001")["total"] == 0
    assert (
        find(client, boss, status="filed")["total"] == 3 and find(client, boss, status="closed")["total"] == 0
    )
    assert find(client, boss, violation_code="NO_TRANSPORT_PERMIT")["total"] == 0
    # another subtree's unit reads as empty for the city manager, not for the province admin
    assert find(client, boss, unit_code="410200")["total"] == 0
    assert [r["case_id"] for r in find(client, admin, unit_code="410200")["rows"]] == [foreign]
    r = client.get("/office/cases", headers=li)
    assert r.status_code == 403 and r.json()["code"] == "ROLE_REQUIRED"
    r = client.get("/office/cases", params={"sort": "password_hash"}, headers=boss)
    assert r.status_code == 422

    r = client.get("/office/cases.xlsx", params={"sort": "illegal_amount", "desc": "false"}, headers=boss)
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/vnd.openxmlformats")
    sheet = openpyxl.load_workbook(io.BytesIO(r.content))["案件"]  # the sheet's name is part of the export
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:2] == ("案件编号", "案件标识") and len(rows) == 4
    assert [row[1] for row in rows[1:]] == [small, mid, big]
    assert [row[8] for row in rows[1:]] == [450, 1350, 4500] and rows[1][2] == "中牟县烟草专卖局"
    assert rows[1][4] == "李四" and rows[1][3] == "零售户未在当地烟草专卖批发企业进货"

    monkeypatch.setattr(app.state.api_settings, "export_max_rows", 2)  # the settings object is shared
    r = client.get("/office/cases.xlsx", headers=boss)
    assert (
        r.status_code == 422
        and r.json()["code"] == "EXPORT_TOO_LARGE"
        and "缩小筛选范围" in r.json()["message"]
    )


def test_case_history_is_scoped(client: TestClient, as_user: Any) -> None:
    made = deviation_case(client, as_user("li"))
    r = client.get(f"/office/cases/{made['case_id']}/history", headers=as_user("cityboss"))
    assert r.status_code == 200, r.text
    trail = [(e["entity"], e["action"], e["username"]) for e in r.json()]
    assert trail[0] == ("case", "create", "li")
    assert ("case_item", "add_item", "li") in trail and ("case", "set_fine", "li") in trail
    assert ("approval", "request", "li") in trail
    assert "before" not in r.json()[0]  # no stored snapshots (personal data) in the trail
    r = client.get(f"/office/cases/{made['case_id']}/history", headers=as_user("kaifeng"))
    assert r.status_code == 404 and r.json()["code"] == "CASE_NOT_FOUND"


def test_units_of_my_subtree(client: TestClient, as_user: Any) -> None:
    def codes(who: str) -> list[str]:
        r = client.get("/office/units", headers=as_user(who))
        assert r.status_code == 200, r.text
        return [u["unit_code"] for u in r.json()]

    assert codes("cityboss") == ["410100", "410122"]
    assert codes("head") == ["410122"]
    assert codes("admin") == ["410000", "410100", "410122", "410200"]


@pytest.mark.parametrize(
    "params",
    [
        {"party": "\x00"},
        {"unit_code": "41\x0000"},
        {"date_from": "0001-01-01", "date_to": "9999-12-31"},
        {"amount_min": "1000000000000", "amount_max": "0"},
        {"unit_code": "999999", "officer_id": "nobody", "violation_code": "NOPE"},
        {"limit": "0"},
        {"sort": "case_no", "desc": "maybe"},
    ],
)
def test_bad_search_input_never_5xx(client: TestClient, as_user: Any, params: dict[str, str]) -> None:
    for path in ("/office/cases", "/office/cases.xlsx"):
        r = client.get(path, params=params, headers=as_user("cityboss"))
        assert r.status_code in (200, 422), (path, r.status_code, r.text)
        if r.status_code == 422:
            assert r.json()["code"]


def test_count_stops_at_the_limit_and_says_more(
    app: Any, client: TestClient, as_user: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    li, boss = as_user("li"), as_user("cityboss")
    made = [deviation_case(client, li, days_ago=n)["case_id"] for n in range(3)]  # newest first
    monkeypatch.setattr(app.state.api_settings, "search_count_limit", 2)
    out = find(client, boss, limit=1, offset=2)
    assert (out["total"], out["more"]) == (2, True)  # counted to the limit, the pages still reach all
    assert [r["case_id"] for r in out["rows"]] == [made[2]]
    exact = find(client, boss, party="no such party")
    assert (exact["total"], exact["more"]) == (0, False)
    monkeypatch.setattr(app.state.api_settings, "search_count_limit", 3)
    assert (find(client, boss)["total"], find(client, boss)["more"]) == (3, False)


def test_empty_values_sort_last_either_way_across_pages(app: Any, client: TestClient, as_user: Any) -> None:
    """Sorting by a column some cases leave empty: every page, in both directions, is the slice of one
    order computed here — values in order, ties by id, then the empty ones by id."""
    from sqlalchemy import update

    from api.models import Case

    li, boss = as_user("li"), as_user("cityboss")
    ids = [deviation_case(client, li, days_ago=n)["case_id"] for n in range(4)]
    fines = dict(zip(ids, [None, Decimal(100), Decimal(300), Decimal(300)], strict=True))  # a tie at 300
    with app.state.sessionmaker() as s:
        for case_id, fine in fines.items():
            s.execute(update(Case).where(Case.case_id == case_id).values(fine_amount=fine))
        s.commit()
    for desc in (False, True):
        filled = sorted((c for c in ids if fines[c] is not None), key=lambda c: c)
        filled.sort(key=lambda c: fines[c] or 0, reverse=desc)  # stable: ties stay by id
        truth = filled + sorted(c for c in ids if fines[c] is None)
        for limit in (1, 3):
            pages = [
                r["case_id"]
                for offset in range(0, 4, limit)
                for r in find(client, boss, sort="fine_amount", desc=desc, limit=limit, offset=offset)["rows"]
            ]
            assert pages == truth, (desc, limit)


@pytest.mark.parametrize("count_limit", [2, 1000])  # broad: read unit by unit; narrow: the matches sorted
def test_case_number_order_across_units_and_pages(
    app: Any, client: TestClient, as_user: Any, monkeypatch: pytest.MonkeyPatch, count_limit: int
) -> None:
    """Sorting by case number over several units of the caller's subtree: every page, both directions,
    is the slice of the order computed here, whichever way the search reads it."""
    from sqlalchemy import update

    from api.models import Case

    li, boss = as_user("li"), as_user("cityboss")
    ids = [deviation_case(client, li, days_ago=n)["case_id"] for n in range(5)]
    placed = {  # numbers that begin with the unit, as the bureaus' do; one case not numbered yet
        ids[0]: ("410122", "410122-2026-000002"),
        ids[1]: ("410100", "410100-2026-000007"),
        ids[2]: ("410122", "410122-2025-000031"),
        ids[3]: ("410100", None),
        ids[4]: ("410100", "410100-2026-000001"),
    }
    with app.state.sessionmaker() as s:
        for case_id, (unit, number) in placed.items():
            s.execute(update(Case).where(Case.case_id == case_id).values(unit_code=unit, case_no=number))
        s.commit()
    monkeypatch.setattr(app.state.api_settings, "search_count_limit", count_limit)
    for who, units in ((boss, {"410100", "410122"}), (as_user("head"), {"410122"})):
        mine = [c for c in ids if placed[c][0] in units]
        for desc in (False, True):
            numbered = sorted(
                (c for c in mine if placed[c][1]), key=lambda c: str(placed[c][1]), reverse=desc
            )
            truth = numbered + sorted(c for c in mine if placed[c][1] is None)
            for limit in (1, 2):
                pages = [
                    r["case_id"]
                    for offset in range(0, len(mine), limit)
                    for r in find(client, who, sort="case_no", desc=desc, limit=limit, offset=offset)["rows"]
                ]
                assert pages == truth, (desc, limit, count_limit)
