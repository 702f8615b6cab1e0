"""The office 待办 inbox and similar cases (issue #17) on the real app, SQLite and PostgreSQL: who sees
which approval, 待办 → 已办 after a decision, deadlines of the scope within the due-soon setting, review
tasks held, and similar-case statistics from the store and from a published warehouse snapshot."""

from __future__ import annotations

import csv
import statistics
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import duckdb
import pytest
from fastapi.testclient import TestClient
from office_support import REASON, deviation_case
from review_support import add_dossier, add_users, bearer

from api.models import Case
from zhifa.clock import LOCAL, now, today
from zhifa.settings import SEEDS_DIR


def setting(key: str) -> int:
    with (SEEDS_DIR / "ref_settings.csv").open(encoding="utf-8") as f:
        return int(next(r["value"] for r in csv.DictReader(f) if r["key"] == key and not r["province_code"]))


def inbox(client: TestClient, h: dict[str, str]) -> dict[str, Any]:
    r = client.get("/office/inbox", headers=h)
    assert r.status_code == 200, r.text
    return dict(r.json())


def todo_ids(box: dict[str, Any]) -> list[tuple[str, str]]:
    return [(a["case_id"], a["kind"]) for a in box["todo"]["approvals"]]


def test_approvals_per_role_and_subtree(client: TestClient, as_user: Any) -> None:
    li = as_user("li")
    made = deviation_case(client, li)
    case_id = made["case_id"]
    r = client.post(
        f"/cases/{case_id}/approvals", json={"kind": "legal_review", "reason": "重大案件"}, headers=li
    )
    assert r.status_code == 201, r.text

    head = inbox(client, as_user("head"))
    assert todo_ids(head) == [(case_id, "discretion_deviation")]
    first = head["todo"]["approvals"][0]
    assert first["requested_by"] == "li" and first["reason"] == REASON and first["party_name"] == "张三"
    assert Decimal(first["fine_amount"]) == Decimal(made["fine"])
    assert head["counts"]["approvals"] == 1 and head["unit_name"] == "中牟县烟草专卖局"
    assert todo_ids(inbox(client, as_user("cityboss"))) == [(case_id, "discretion_deviation")]
    assert todo_ids(inbox(client, as_user("legal"))) == [(case_id, "legal_review")]
    assert sorted(todo_ids(inbox(client, as_user("admin")))) == [
        (case_id, "discretion_deviation"),
        (case_id, "legal_review"),
    ]
    # another city's approver and the officer himself have nothing to decide
    assert inbox(client, as_user("kaifeng"))["counts"]["approvals"] == 0
    assert inbox(client, li)["todo"]["approvals"] == []

    r = client.post(
        f"/approvals/{made['approval_id']}/decision",
        json={"outcome": "approved", "note": "同意"},
        headers=as_user("head"),
    )
    assert r.status_code == 200, r.text
    head = inbox(client, as_user("head"))
    assert head["todo"]["approvals"] == [] and head["counts"]["approvals"] == 0
    [done] = head["done"]["approvals"]
    assert (done["approval_id"], done["outcome"], done["decision_note"]) == (
        made["approval_id"],
        "approved",
        "同意",
    )
    assert todo_ids(inbox(client, as_user("cityboss"))) == []
    assert inbox(client, as_user("cityboss"))["done"]["approvals"] == []  # decided by someone else


def test_own_request_never_in_my_todo(app: Any, client: TestClient, as_user: Any) -> None:
    """kaifeng is officer and approver: his own request is not his to decide (SELF_APPROVAL)."""
    kf = as_user("kaifeng")
    made = deviation_case(client, kf, officers=[{"officer_id": "O410200001", "role": "lead"}])
    assert inbox(client, kf)["todo"]["approvals"] == []
    assert todo_ids(inbox(client, as_user("admin"))) == [(made["case_id"], "discretion_deviation")]


def test_deadlines_due_soon_and_overdue(client: TestClient, as_user: Any) -> None:
    li = as_user("li")
    late = deviation_case(client, li, days_ago=setting("filing_days_after_discovery") + 3)["case_id"]
    fresh = deviation_case(client, li)["case_id"]
    on, soon, filing = today(), setting("deadline_due_soon_days"), setting("filing_days_after_discovery")
    expected = {}
    for case_id in (late, fresh):
        discovered = datetime.fromisoformat(
            client.get(f"/cases/{case_id}", headers=li).json()["discovered_at"]
        )
        due = discovered.astimezone(LOCAL).date() + timedelta(days=filing)
        if (due - on).days <= soon:
            expected[case_id] = (due.isoformat(), (due - on).days < 0)
    assert late in expected and expected[late][1] is True
    for who in ("li", "head", "cityboss", "admin"):
        box = inbox(client, as_user(who))
        got = {d["case_id"]: (d["due_on"], d["overdue"]) for d in box["todo"]["deadlines"]}
        assert got == expected, who
        assert box["counts"]["deadlines"] == len(expected) and box["counts"]["overdue"] == 1
        assert box["due_soon_days"] == soon
    assert inbox(client, as_user("kaifeng"))["todo"]["deadlines"] == []


def test_review_tasks_i_hold(app: Any, client: TestClient) -> None:
    ids = add_users(app)
    dossier = add_dossier(app, "C410200-office", "410200", uploader=ids["quality"])
    r = client.post("/review-tasks", json={"dossier_ids": [dossier]}, headers=bearer(ids["quality"]))
    assert r.status_code == 201, r.text
    task_id = r.json()[0]["task_id"]
    assert inbox(client, bearer(ids["r_city"]))["counts"]["review_tasks"] == 0
    assert client.post(f"/review-tasks/{task_id}/claim", headers=bearer(ids["r_city"])).status_code == 200
    box = inbox(client, bearer(ids["r_city"]))
    assert [(t["task_id"], t["case_id"], t["status"]) for t in box["todo"]["review_tasks"]] == [
        (task_id, "C410200-office", "claimed")
    ]
    assert box["counts"]["review_tasks"] == 1
    assert inbox(client, bearer(ids["r_county"]))["todo"]["review_tasks"] == []


# --- similar cases ---------------------------------------------------------------------------------------
def _decide(
    app: Any, case_id: str, amount: str, fine: str, days_ago: int, violation: str | None = None
) -> None:
    """A decided case written straight into the store (the decision flow is test_flow's job)."""
    with app.state.sessionmaker() as s:
        case = s.get(Case, case_id)
        assert case is not None
        case.illegal_amount, case.fine_amount = Decimal(amount), Decimal(fine)
        case.decided_at, case.status = now() - timedelta(days=days_ago), "decided"
        if violation:
            case.violation_code = violation
        s.commit()


def test_similar_cases_from_the_store(app: Any, client: TestClient, as_user: Any) -> None:
    li = as_user("li")
    target = deviation_case(client, li)  # 10 cartons × 450 = 4,500 → amount band 1,000
    others = [deviation_case(client, li, cartons=1)["case_id"] for _ in range(5)]
    _decide(app, others[0], "4000.00", "400.00", 100)  # similar: rate 0.1
    _decide(app, others[1], "9000.00", "2700.00", 300)  # similar: rate 0.3
    _decide(app, others[2], "12000.00", "1200.00", 100)  # amount band 10,000
    _decide(app, others[3], "5000.00", "500.00", 3 * 366)  # older than similar_case_years
    _decide(app, others[4], "5000.00", "500.00", 100, violation="NO_TRANSPORT_PERMIT")
    r = client.get(f"/cases/{target['case_id']}/similar", headers=as_user("head"))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["source"] == "store" and body["amount_band"] == 1000 and body["count"] == 2
    assert [Decimal(body[k]) for k in ("rate_median", "rate_min", "rate_max")] == [
        Decimal("0.2"),
        Decimal("0.1"),
        Decimal("0.3"),
    ]
    assert [e["case_id"] for e in body["examples"]] == [others[0], others[1]]
    assert date.fromisoformat(body["since"]) == today().replace(
        year=today().year - setting("similar_case_years")
    )
    # a user of another subtree: the case does not exist for them
    r = client.get(f"/cases/{target['case_id']}/similar", headers=as_user("kaifeng"))
    assert r.status_code == 404 and r.json()["code"] == "CASE_NOT_FOUND"


def test_similar_cases_from_the_published_snapshot(app: Any, client: TestClient, as_user: Any) -> None:
    li = as_user("li")
    target = deviation_case(client, li)
    other = deviation_case(client, li, cartons=1)["case_id"]
    _decide(app, other, "4000.00", "400.00", 100)  # in the store only: the snapshot is what counts
    snapshot = app.state.settings.serve_warehouse_path
    snapshot.parent.mkdir(parents=True, exist_ok=True)
    recent = datetime.combine(today() - timedelta(days=30), datetime.min.time())
    rows = [  # case, province, unit, violation, amount, fine, rate, status
        ("W1", "410000", "410122", "NON_DESIGNATED_SOURCE", 2000, 300, 0.15, "ok"),
        ("W2", "410000", "410200", "NON_DESIGNATED_SOURCE", 3000, 750, 0.25, "ok"),
        ("W3", "410000", "410122", "NON_DESIGNATED_SOURCE", 5000, 2500, 0.5, "ok"),
        ("W4", "430000", "430100", "NON_DESIGNATED_SOURCE", 5000, 100, 0.02, "ok"),  # another province
        ("W5", "410000", "410122", "NON_DESIGNATED_SOURCE", 5000, None, None, "excluded"),
        ("W6", "410000", "410122", "NON_DESIGNATED_SOURCE", 50000, 5000, 0.1, "ok"),  # band 10,000
    ]
    con = duckdb.connect(str(snapshot))
    con.execute("CREATE SCHEMA marts")
    con.execute(
        "CREATE TABLE marts.fct_case_fines (case_id VARCHAR, province_code VARCHAR, unit_code VARCHAR, "
        "violation_code VARCHAR, computed_amount DECIMAL(18,2), fine_amount DECIMAL(18,2), rate DOUBLE, "
        "fine_status VARCHAR, decided_at TIMESTAMP, amount_band BIGINT)"
    )
    for c, p, u, v, a, f, rate, st in rows:
        band = 10 ** (len(str(a)) - 1)
        con.execute(
            "INSERT INTO marts.fct_case_fines VALUES (?,?,?,?,?,?,?,?,?,?)",
            [c, p, u, v, a, f, rate, st, recent, band],
        )
    con.close()
    body = client.get(f"/cases/{target['case_id']}/similar", headers=as_user("head")).json()
    assert body["source"] == "warehouse" and body["count"] == 3
    assert float(body["rate_median"]) == pytest.approx(statistics.median([0.15, 0.25, 0.5]))
    assert (float(body["rate_min"]), float(body["rate_max"])) == (0.15, 0.5)
    # the county approver's examples leave out the other city's case; the statistics keep it
    assert sorted(e["case_id"] for e in body["examples"]) == ["W1", "W3"]
    assert sorted(
        e["case_id"]
        for e in client.get(f"/cases/{target['case_id']}/similar", headers=as_user("admin")).json()[
            "examples"
        ]
    ) == ["W1", "W2", "W3"]


def test_deadline_and_approval_lists_are_bounded_counts_are_not(client: TestClient, as_user: Any) -> None:
    li = as_user("li")
    late = setting("filing_days_after_discovery") + 3
    made = [deviation_case(client, li, days_ago=late + n)["case_id"] for n in range(3)]  # oldest is made last
    r = client.get("/office/inbox", params={"deadline_limit": 2}, headers=as_user("head"))
    assert r.status_code == 200, r.text
    box = r.json()
    assert box["counts"]["deadlines"] == 3 and box["counts"]["overdue"] == 3
    assert [d["case_id"] for d in box["todo"]["deadlines"]] == [made[2], made[1]]  # the most overdue first
    r = client.get("/office/inbox", params={"approval_limit": 2}, headers=as_user("head"))
    box = r.json()  # the three deviation approvals: all counted, the two oldest requests listed
    assert box["counts"]["approvals"] == 3
    assert [a["case_id"] for a in box["todo"]["approvals"]] == made[:2]
    assert (
        client.get("/office/inbox", params={"deadline_limit": 0}, headers=as_user("head")).status_code == 422
    )


def test_preservation_clock_follows_the_latest_approvals(client: TestClient, as_user: Any) -> None:
    """The clocks read every case's preservation approvals in one query: the handling deadline runs from an
    approved preservation until its handling is approved; a newer pending request stops it too."""
    li, head = as_user("li"), as_user("head")

    def decide(case_id: str, kind: str) -> None:
        a = client.post(f"/cases/{case_id}/approvals", json={"kind": kind}, headers=li).json()
        r = client.post(f"/approvals/{a['approval_id']}/decision", json={"outcome": "approved"}, headers=head)
        assert r.status_code == 200, r.text

    def steps(case_id: str) -> set[str]:
        return {
            d["what"].split()[0]
            for d in client.get("/deadlines", headers=li).json()
            if d["case_id"] == case_id
        }

    handled, pending, running = (deviation_case(client, li)["case_id"] for _ in range(3))
    for case_id in (handled, pending, running):
        decide(case_id, "filing")
        decide(case_id, "preservation")
        assert "preservation" in steps(case_id)
    decide(handled, "preservation_handling")
    assert (
        client.post(f"/cases/{pending}/approvals", json={"kind": "preservation"}, headers=li).status_code
        == 201
    )
    assert "preservation" not in steps(handled)
    assert "preservation" not in steps(pending)  # the latest preservation request is not approved yet
    assert "preservation" in steps(running)


def test_similar_cases_fall_back_to_the_store_when_the_snapshot_cannot_answer(
    app: Any, client: TestClient, as_user: Any
) -> None:
    li = as_user("li")
    target = deviation_case(client, li)
    other = deviation_case(client, li, cartons=1)["case_id"]
    _decide(app, other, "4000.00", "400.00", 100)
    snapshot = app.state.settings.serve_warehouse_path
    snapshot.parent.mkdir(parents=True, exist_ok=True)
    duckdb.connect(str(snapshot)).close()  # a snapshot without marts.fct_case_fines
    r = client.get(f"/cases/{target['case_id']}/similar", headers=as_user("head"))
    assert r.status_code == 200, r.text
    assert (r.json()["source"], r.json()["count"]) == ("store", 1)
