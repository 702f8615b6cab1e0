"""Deadlines per unit, and Schemathesis over /openapi.json (no 5xx)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from apitest_support import SECRET, case_body
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from sqlalchemy import select

from api.core.security import create_token
from api.main import create_app
from api.models import User
from api.services.clock import now, today
from zhifa.settings import Settings


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


@pytest.fixture
def sqlite_app(sqlite_template: Path, tmp_path: Path) -> Iterator[Any]:
    """Outside the backend parametrisation (Schemathesis parametrises the test itself)."""
    home = tmp_path / "schema-home"
    home.mkdir()
    shutil.copyfile(sqlite_template, home / "api.sqlite3")
    app = create_app(Settings(home=home, database_url=f"sqlite:///{home / 'api.sqlite3'}", secret_key=SECRET))
    yield app
    app.state.engine.dispose()


def test_openapi_no_5xx(sqlite_app: Any, officer_headers: dict[str, str]) -> None:
    """Every operation, a few generated requests each (schemathesis strategies driven directly:
    its pytest plugin does not load under this pytest)."""
    from hypothesis import given

    schema = schemathesis.openapi.from_asgi("/openapi.json", sqlite_app)
    failures: list[tuple[str, str, int, str]] = []
    operations = 0
    for result in schema.get_all_operations():
        wrapped: Any = result
        operation = wrapped.ok()
        operations += 1

        @given(case=operation.as_strategy())
        @settings(max_examples=5, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
        def run(case: Any) -> None:
            response = case.call(headers=officer_headers)
            if response.status_code >= 500:
                failures.append((case.method, case.formatted_path, response.status_code, response.text[:200]))

        run()
    assert operations >= 20
    assert failures == []


@pytest.fixture
def officer_headers(sqlite_app: Any) -> dict[str, str]:
    with sqlite_app.state.sessionmaker() as s:
        user_id = s.scalar(select(User.id).where(User.username == "li"))
    return {"Authorization": f"Bearer {create_token(SECRET, int(user_id or 0), 60)}"}
