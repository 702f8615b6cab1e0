"""Rectification (整改, issue #19 §1) through HTTP on the real app: the threshold (strictly above), the due
date in working days counted here from the holiday seed, the responsible officers, answer → return →
answer → close with every step in the audit chain, the 待办 inbox (overdue from the next working day),
bad input (closed, unknown finding, blank reason) leaving nothing half-written, and scope (a foreign id is
a missing one)."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import time_machine
from fastapi.testclient import TestClient
from rectification_support import ADDED, expected_points, module_app, reviewed
from review_support import Finding, add_dossier, add_users, bearer, seed_rules, seed_setting
from sqlalchemy import event, select

from api.models import AuditEntry, Rectification
from zhifa import clock
from zhifa.settings import SEEDS_DIR


@pytest.fixture(scope="module")
def app(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    yield from module_app(sqlite_template, tmp_path_factory.mktemp("rectification"))


@pytest.fixture(scope="module")
def client(app: Any) -> Iterator[TestClient]:
    with TestClient(app) as c:
        yield c


@pytest.fixture(scope="module")
def ids(app: Any) -> dict[str, int]:
    return add_users(app)


def due_after(start: date, n: int) -> date:
    """The n-th working day after ``start`` from ref_holidays.csv read here (weekends off, make-up on)."""
    with (SEEDS_DIR / "ref_holidays.csv").open(encoding="utf-8") as f:
        kinds = {date.fromisoformat(r["calendar_date"]): r["kind"] for r in csv.DictReader(f)}
    day = start
    while n:
        day += timedelta(days=1)
        kind = kinds.get(day)
        n -= kind == "makeup_workday" or (kind is None and day.weekday() < 5)
    return day


def _answer(client: TestClient, rid: int, answers: list[dict[str, Any]], who: dict[str, str]) -> Any:
    return client.post(f"/rectifications/{rid}/answers", json={"answers": answers}, headers=who)


def _recheck(client: TestClient, rid: int, checks: list[dict[str, Any]], who: dict[str, str]) -> Any:
    return client.post(f"/rectifications/{rid}/recheck", json={"checks": checks}, headers=who)


def test_threshold_due_date_officers(app: Any, client: TestClient, ids: dict[str, int], as_user: Any) -> None:
    threshold = Decimal(seed_setting("rectification_deduction_threshold"))
    li = as_user("li")
    at = expected_points(Decimal(0))
    assert at < threshold  # the planted extra below decides on which side of the threshold the review lands
    equal = reviewed(app, client, ids, li, threshold - at)
    assert equal["rectification_id"] is None  # exactly the threshold: no task
    above = reviewed(app, client, ids, li, threshold - at + Decimal("0.5"))
    rid = above["rectification_id"]
    assert rid is not None
    r = client.get(f"/rectifications/{rid}", headers=li)
    assert r.status_code == 200, r.text
    rect = r.json()
    assert rect["status"] == "open" and rect["unit_code"] == "410122" and rect["case_id"] == above["case_id"]
    assert Decimal(str(rect["deducted_points"])) == threshold + Decimal("0.5")
    assert rect["officer_ids"] == ["O410122001", "O410122002"]
    assert date.fromisoformat(rect["due_date"]) == due_after(
        clock.today(), int(seed_setting("rectification_due_working_days"))
    )
    rules = seed_rules()
    got = {i["rule_id"]: (Decimal(str(i["deducted_points"])), i["rule_name_zh"]) for i in rect["items"]}
    assert got == {
        **{
            rid_: (Decimal(rules[rid_]["deduct_points"]), rules[rid_]["name_zh"])
            for rid_ in ("R001", "R002", "R014")
        },
        ADDED: (threshold - at + Decimal("0.5"), rules[ADDED]["name_zh"]),
    }
    assert all(i["status"] == "pending" for i in rect["items"])


def test_answer_return_close_audited(app: Any, client: TestClient, ids: dict[str, int], as_user: Any) -> None:
    li, checker = as_user("li"), bearer(ids["r_kf"])
    rid = reviewed(app, client, ids, li, Decimal(3))["rectification_id"]
    items = {
        i["rule_id"]: i["item_id"] for i in client.get(f"/rectifications/{rid}", headers=li).json()["items"]
    }
    r = client.post(
        f"/rectifications/{rid}/files",
        files={"file": ("补正封面.pdf", b"%PDF-1.4 cover", "application/pdf")},
        headers=li,
    )
    assert r.status_code == 201, r.text
    doc = r.json()
    first = [
        {
            "item_id": items["R001"],
            "outcome": "corrected",
            "document_sha256": doc["sha256"],
            "document_name": "补正封面.pdf",
        },
        {"item_id": items["R002"], "outcome": "corrected", "text": "已更正案卷号"},
        {"item_id": items["R014"], "outcome": "disputed", "text": "许可证属本辖区"},
    ]
    r = _answer(client, rid, first, li)
    assert r.status_code == 200 and r.json()["status"] == "open", r.text  # one finding still unanswered
    assert (
        _recheck(client, rid, [{"item_id": items["R001"], "decision": "accept"}], checker).status_code == 409
    )
    r = _answer(client, rid, [{"item_id": items[ADDED], "outcome": "corrected", "text": "已补写"}], li)
    assert r.json()["status"] == "answered"
    assert _answer(client, rid, first[1:2], li).json()["code"] == "AWAITING_RECHECK"
    waiting = client.get("/office/inbox", headers=checker).json()["todo"]["rectifications"]
    assert [w["action"] for w in waiting if w["rectification_id"] == rid] == ["recheck"]
    assert all(w["action"] == "recheck" for w in waiting)
    content = client.get(f"/rectifications/{rid}/items/{items['R001']}/document", headers=checker)
    assert content.content == b"%PDF-1.4 cover"

    checks = [{"item_id": i, "decision": "accept"} for k, i in items.items() if k != "R014"]
    r = _recheck(
        client,
        rid,
        [*checks, {"item_id": items["R014"], "decision": "return", "reason": "证据不足"}],
        checker,
    )
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "returned" and r.json()["return_reason"] == "证据不足"
    assert _answer(client, rid, first[:1], li).json()["code"] == "FINDING_ACCEPTED"
    r = _answer(
        client, rid, [{"item_id": items["R014"], "outcome": "corrected", "text": "已移送管辖单位"}], li
    )
    assert r.json()["status"] == "answered"
    r = _recheck(client, rid, [{"item_id": items["R014"], "decision": "accept"}], checker)
    assert r.json()["status"] == "closed" and r.json()["rounds"] == 2 and r.json()["closed_at"]

    late = _answer(client, rid, [{"item_id": items["R014"], "outcome": "corrected", "text": "再答"}], li)
    assert late.status_code == 409 and late.json()["code"] == "RECTIFICATION_CLOSED"
    with app.state.sessionmaker() as s:
        trail = s.execute(
            select(AuditEntry.entity, AuditEntry.action)
            .where(AuditEntry.entity == "rectification", AuditEntry.entity_id == str(rid))
            .order_by(AuditEntry.seq)
        ).all()
    assert [a for _, a in trail] == ["open", "answer", "answer", "recheck", "answer", "recheck"]


def test_bad_input_leaves_nothing_half_written(
    app: Any, client: TestClient, ids: dict[str, int], as_user: Any
) -> None:
    li, checker = as_user("li"), bearer(ids["r_kf"])
    rid = reviewed(app, client, ids, li, Decimal(3))["rectification_id"]
    items = [i["item_id"] for i in client.get(f"/rectifications/{rid}", headers=li).json()["items"]]
    ok = {"item_id": items[0], "outcome": "corrected", "text": "已改"}
    cases = [
        ([ok, {"item_id": 987654, "outcome": "corrected", "text": "x"}], "UNKNOWN_FINDING"),
        ([ok, {"item_id": items[1], "outcome": "disputed", "text": "   "}], "REASON_REQUIRED"),
        ([ok, {"item_id": items[1], "outcome": "disputed"}], "REASON_REQUIRED"),
        ([ok, {"item_id": items[1], "outcome": "corrected"}], "EVIDENCE_REQUIRED"),
        (
            [ok, {"item_id": items[1], "outcome": "corrected", "document_sha256": "a" * 64}],
            "UNKNOWN_DOCUMENT",
        ),
        ([ok, ok], "DUPLICATE_FINDING"),
    ]
    for answers, code in cases:
        r = _answer(client, rid, answers, li)
        assert (r.status_code, r.json()["code"]) == (422, code), r.text
    after = client.get(f"/rectifications/{rid}", headers=li).json()
    assert {i["status"] for i in after["items"]} == {"pending"} and after["status"] == "open"
    assert _answer(client, rid, [{**ok, "outcome": "fixed"}], li).status_code == 422

    assert (
        _answer(
            client, rid, [{"item_id": i, "outcome": "corrected", "text": "已改"} for i in items], li
        ).status_code
        == 200
    )
    partial = [{"item_id": items[0], "decision": "accept"}]
    assert _recheck(client, rid, partial, checker).json()["code"] == "RECHECK_MISSING"
    blank = [{"item_id": i, "decision": "return", "reason": " "} for i in items]
    assert _recheck(client, rid, blank, checker).json()["code"] == "REASON_REQUIRED"
    with app.state.sessionmaker() as s:
        assert s.get(Rectification, rid).status == "answered"


def test_scope_foreign_id_is_missing(app: Any, client: TestClient, ids: dict[str, int], as_user: Any) -> None:
    li = as_user("li")
    rid = reviewed(app, client, ids, li, Decimal(3))["rectification_id"]
    missing = client.get("/rectifications/99999", headers=as_user("kaifeng")).json()
    for who in (as_user("kaifeng"), bearer(ids["r_city"]), bearer(ids["r_kf2"])):
        r = client.get(f"/rectifications/{rid}", headers=who)
        assert r.status_code == 404 and r.json()["code"] == missing["code"]
        assert rid not in [x["rectification_id"] for x in client.get("/rectifications", headers=who).json()]
    item = client.get(f"/rectifications/{rid}", headers=li).json()["items"][0]["item_id"]
    foreign = _answer(
        client, rid, [{"item_id": item, "outcome": "corrected", "text": "x"}], as_user("kaifeng")
    )
    assert foreign.status_code == 404
    assert client.get(f"/rectifications/{rid}", headers=as_user("cityboss")).status_code == 200  # parent unit
    assert client.get(f"/rectifications/{rid}", headers=bearer(ids["quality"])).status_code == 200
    assert _recheck(client, rid, [{"item_id": item, "decision": "accept"}], li).status_code == 403  # role
    answered_by_checker = _answer(
        client, rid, [{"item_id": item, "outcome": "corrected", "text": "x"}], bearer(ids["r_kf"])
    )
    assert answered_by_checker.status_code == 403


def test_inbox_overdue_from_the_next_working_day(
    app: Any, client: TestClient, ids: dict[str, int], as_user: Any
) -> None:
    li = as_user("li")
    rid = reviewed(app, client, ids, li, Decimal(3))["rectification_id"]
    due = date.fromisoformat(client.get(f"/rectifications/{rid}", headers=li).json()["due_date"])
    days = [(due, False), (due_after(due, 1), True)]  # overdue from the first working day after the due day
    if due_after(due, 1) != due + timedelta(days=1):
        days.append((due + timedelta(days=1), False))  # a weekend or holiday right after it: not yet
    for day, late in days:
        noon = datetime.combine(day, time(12), clock.LOCAL).astimezone(UTC)
        with time_machine.travel(noon, tick=False):
            inbox = client.get("/office/inbox", headers=as_user("li")).json()
        [entry] = [e for e in inbox["todo"]["rectifications"] if e["rectification_id"] == rid]
        assert (entry["action"], entry["overdue"]) == ("answer", late)
        overdue = {e["rectification_id"] for e in inbox["todo"]["rectifications"] if e["overdue"]}
        assert inbox["counts"]["rectifications_overdue"] == len(overdue) and (rid in overdue) == late
    assert client.get("/office/inbox", headers=as_user("kaifeng")).json()["todo"]["rectifications"] == []


def test_quality_accepts_machine_findings(app: Any, client: TestClient, ids: dict[str, int]) -> None:
    quality = bearer(ids["quality"])
    failed = [Finding(r, "failed") for r in ("R001", "R014", "R003", "R004")]
    points = sum(Decimal(seed_rules()[f.rule_id]["deduct_points"]) for f in failed)
    assert points > Decimal(seed_setting("rectification_deduction_threshold"))
    dossier = add_dossier(app, "C-MACHINE-1", "410122", uploader=ids["quality"], findings=failed)
    few = add_dossier(app, "C-MACHINE-2", "410122", uploader=ids["quality"], findings=failed[:1])
    r = client.post("/rectifications", json={"dossier_id": dossier}, headers=quality)
    assert r.status_code == 201, r.text
    assert r.json()["source"] == "machine_review" and Decimal(str(r.json()["deducted_points"])) == points
    assert r.json()["officer_ids"] == []  # a case not captured here has no officers in the store
    again = client.post("/rectifications", json={"dossier_id": dossier}, headers=quality)
    assert again.status_code == 409 and again.json()["code"] == "NO_RECTIFICATION"
    below = client.post("/rectifications", json={"dossier_id": few}, headers=quality)
    assert below.status_code == 409
    assert (
        client.post("/rectifications", json={"dossier_id": dossier}, headers=bearer(ids["r_kf"])).status_code
        == 403
    )


def _inbox_statements(app: Any, client: TestClient, who: dict[str, str]) -> tuple[int, dict[str, Any]]:
    """The SQL statements one 待办 call sends, and its answer."""
    sent: list[str] = []

    def count(*args: Any) -> None:
        sent.append(args[2])

    event.listen(app.state.engine, "before_cursor_execute", count)
    try:
        r = client.get("/office/inbox", headers=who)
    finally:
        event.remove(app.state.engine, "before_cursor_execute", count)
    assert r.status_code == 200, r.text
    return len(sent), r.json()


def test_inbox_statements_do_not_grow_with_its_rectifications(
    app: Any, client: TestClient, ids: dict[str, int], as_user: Any
) -> None:
    li = as_user("li")
    reviewed(app, client, ids, li, Decimal(3))
    n_before, box = _inbox_statements(app, client, li)
    listed = len(box["todo"]["rectifications"])
    for _ in range(3):
        reviewed(app, client, ids, li, Decimal(3))
    n_after, box = _inbox_statements(app, client, li)
    assert len(box["todo"]["rectifications"]) == listed + 3
    assert all(e["n_items"] > 0 for e in box["todo"]["rectifications"])
    assert n_after == n_before  # one query for the items of all, the unit tree walked once
