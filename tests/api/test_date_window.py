"""Issue #12 §2.2 and §2.5: dates outside a plausible window are refused naming the field, and every route
derived from a case answers for every stored case — also one stored before the check existed (written
straight into the store here, as an old import or an earlier version of the API could have)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from apitest_support import ZHONGHUA, case_body
from fastapi.testclient import TestClient
from sqlalchemy import select

from api.models import Case, CaseItem, CaseOfficer, User
from zhifa.clock import now, today
from zhifa.settings import Settings

STATUSES = ("filed", "investigating", "decided", "served", "executed", "closed")


def _store_old_case(app: Any, case_id: str, at: datetime, status: str) -> None:
    """A case as an earlier version of the API stored it, with no date check at all."""
    with app.state.sessionmaker() as s:
        creator = s.scalar(select(User.id).where(User.username == "li"))
        s.add(
            Case(
                case_id=case_id,
                unit_code="410122",
                violation_code="NON_DESIGNATED_SOURCE",
                cause="涉嫌未在当地烟草专卖批发企业进货",
                source="inspection",
                discovered_at=at,
                seized_on=at.date(),
                status=status,
                filed_at=at if status != "filed" else None,
                decided_at=at if status in STATUSES[2:] else None,
                prior_offences_3y=0,
                extension_days=0,
                legal_review_done=False,
                created_by=creator,
                created_at=at,
                updated_at=at,
            )
        )
        s.add(CaseItem(case_id=case_id, line_no=1, barcode=ZHONGHUA["carton"], product_code="P001",
                       quantity=12, quantity_unit="carton", authenticity="unknown"))  # fmt: skip
        s.add(CaseOfficer(case_id=case_id, officer_id="O410122001", role="lead"))
        s.commit()


def _assert_answers(r: Any) -> None:
    assert r.status_code < 500, r.text
    assert "code" in r.json() if r.status_code >= 400 else True


def test_prior_offences_on_create(client: TestClient, as_user: Any) -> None:
    """§2.5: POST /cases with prior_offences_3y answered 500 (the field was set twice)."""
    r = client.post("/cases", json=case_body(prior_offences_3y=2), headers=as_user("li"))
    assert r.status_code == 201, r.text
    assert r.json()["prior_offences_3y"] == 2
    r = client.post("/cases", json=case_body(), headers=as_user("li"))
    assert r.json()["prior_offences_3y"] == 0


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("discovered_at", "0001-01-01T00:00:00+08:00"),
        ("discovered_at", "1989-12-31T23:00:00+08:00"),
        ("seized_on", "1900-01-01"),
    ],
)
def test_implausible_dates_are_refused_naming_the_field(
    client: TestClient, app: Any, as_user: Any, field: str, value: str
) -> None:
    with app.state.sessionmaker() as s:
        before = len(s.scalars(select(Case.case_id)).all())
    r = client.post("/cases", json=case_body(**{field: value}), headers=as_user("li"))
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["code"] == "VALIDATION_ERROR" and field in body["message"], body
    assert "1990-01-01" in body["message"]  # the window, so the clerk knows what is accepted
    with app.state.sessionmaker() as s:
        assert len(s.scalars(select(Case.case_id)).all()) == before


def test_window_end_is_tomorrow_by_the_project_clock(client: TestClient, as_user: Any) -> None:
    """The upper bound holds for every date field, e.g. a spray code's reference date."""
    code = "6031512345678901ABCD410122100001"
    far = str(today() + timedelta(days=2))
    r = client.post("/spray-codes/parse", json={"code": code, "reference_date": far}, headers=as_user("li"))
    assert r.status_code == 422 and "reference_date" in r.json()["message"], r.text
    r = client.post(
        "/spray-codes/parse", json={"code": code, "reference_date": str(today())}, headers=as_user("li")
    )
    assert r.status_code < 500, r.text


def test_window_is_a_setting(client: TestClient, as_user: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from zhifa.settings import get_settings

    monkeypatch.setenv("ZHIFA_DATE_WINDOW_START", "2020-01-01")
    get_settings.cache_clear()
    try:
        assert Settings().date_window_start == date(2020, 1, 1)
        r = client.post(
            "/cases", json=case_body(discovered_at="2019-06-01T10:00:00+08:00"), headers=as_user("li")
        )
        assert r.status_code == 422 and "2020-01-01" in r.json()["message"], r.text
    finally:
        get_settings.cache_clear()


def test_old_case_created_through_the_api_has_every_derived_route(client: TestClient, as_user: Any) -> None:
    """2010 lies inside the window but before the reference data (2015): the earliest reference version
    applies, and nothing answers 500 (this dropped the connection)."""
    li = as_user("li")
    r = client.post(
        "/cases",
        json=case_body(discovered_at="2010-05-01T09:00:00+08:00", seized_on="2010-05-01"),
        headers=li,
    )
    assert r.status_code == 201, r.text
    case_id = r.json()["case_id"]
    assert client.post(f"/cases/{case_id}/items", json={"barcode": ZHONGHUA["carton"], "quantity": "3"},
                       headers=li).status_code == 201  # fmt: skip
    for path in ("valuation", "discretion", "transitions/investigating", "approvals", "dossier"):
        _assert_answers(client.get(f"/cases/{case_id}/{path}", headers=li))
    deadlines = client.get("/deadlines", headers=li)
    assert deadlines.status_code == 200, deadlines.text
    filing = [d for d in deadlines.json() if d["case_id"] == case_id]
    # the filing time limit of the earliest reference version: 7 days after discovery
    assert [d["due_on"] for d in filing] == ["2010-05-08"]


@pytest.mark.parametrize("when", [datetime(2010, 5, 1, 2, tzinfo=UTC), datetime(1, 1, 2, tzinfo=UTC)])
def test_every_derived_route_answers_for_stored_old_cases(
    client: TestClient, app: Any, as_user: Any, when: datetime
) -> None:
    for status in STATUSES:
        _store_old_case(app, f"OLD{when.year:04d}{status[:4]}", when, status)
    recent = client.post("/cases", json=case_body(), headers=as_user("li")).json()["case_id"]
    for user in ("li", "head", "cityboss", "admin"):
        r = client.get("/deadlines", headers=as_user(user))
        assert r.status_code == 200, r.text
        assert recent in {d["case_id"] for d in r.json()}  # one old case does not hide the others
        assert client.get("/cases", headers=as_user(user)).status_code == 200
    li = as_user("li")
    for status in STATUSES:
        case_id = f"OLD{when.year:04d}{status[:4]}"
        for path in ("", "/valuation", "/discretion", "/approvals", "/dossier"):
            _assert_answers(client.get(f"/cases/{case_id}{path}", headers=li))
        for to in (*STATUSES, "transferred", "withdrawn"):
            _assert_answers(client.get(f"/cases/{case_id}/transitions/{to}", headers=li))
            _assert_answers(client.post(f"/cases/{case_id}/transitions", json={"to": to}, headers=li))
        for doc_type in ("inspection_record", "preservation_notice", "filing_report", "penalty_decision"):
            _assert_answers(
                client.post(f"/cases/{case_id}/documents", json={"doc_type": doc_type}, headers=li)
            )
        _assert_answers(client.put(f"/cases/{case_id}/fine", json={"fine_amount": "100"}, headers=li))
        _assert_answers(client.post(f"/cases/{case_id}/approvals", json={"kind": "filing"}, headers=li))
    assert now() > when
