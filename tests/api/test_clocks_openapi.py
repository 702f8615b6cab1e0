"""Deadlines per unit (Schemathesis over /openapi.json: test_schemathesis.py)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from apitest_support import case_body
from fastapi.testclient import TestClient

from zhifa.clock import now, today


def test_deadlines(client: TestClient, as_user: Any, around_shanghai_midnight: Any) -> None:
    li, head = as_user("li"), as_user("head")
    found = now() - timedelta(days=10)
    case_id = client.post("/cases", json=case_body(discovered_at=found.isoformat()), headers=li).json()[
        "case_id"
    ]
    rows = [d for d in client.get("/deadlines", headers=li).json() if d["case_id"] == case_id]
    # filing is due 7 days (ref_settings filing_days_after_discovery) after discovery: 3 days overdue
    assert [(d["what"].split()[0], d["overdue"], d["days_left"]) for d in rows] == [("filing", True, -3)]
    assert client.get("/deadlines", params={"overdue_only": True}, headers=as_user("cityboss")).json()
    assert client.get("/deadlines", headers=as_user("kaifeng")).json() == []  # another subtree

    for kind in ("filing", "preservation"):
        a = client.post(f"/cases/{case_id}/approvals", json={"kind": kind}, headers=li).json()
        client.post(f"/approvals/{a['approval_id']}/decision", json={"outcome": "approved"}, headers=head)
    a = client.post(
        f"/cases/{case_id}/approvals", json={"kind": "extension", "extension_days": 30}, headers=li
    )
    client.post(f"/approvals/{a.json()['approval_id']}/decision", json={"outcome": "approved"}, headers=head)
    by_what = {
        d["what"].split()[0]: d
        for d in client.get("/deadlines", headers=li).json()
        if d["case_id"] == case_id
    }
    assert set(by_what) == {"preservation", "decision"}
    assert by_what["preservation"]["due_on"] == str(today() + timedelta(days=7))
    assert by_what["decision"]["due_on"] == str(today() + timedelta(days=90 + 30))
