"""Dashboard links (issue #17 item 6): the API builds the Superset address narrowed to a unit subtree and
period, behind a short-lived sign-in token; a unit outside the caller's scope looks like a missing one.
(Superset accepting the token and scoping rows: tests/test_dashboards_access.py.)"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import unquote

import httpx
import jwt
import pytest
from apitest_support import SECRET
from fastapi.testclient import TestClient

from zhifa.settings import Settings

DASHBOARDS = "http://127.0.0.1:8088"
SSO_KEY = "test-dashboards-sso-key-0123456789"


@pytest.fixture
def backend() -> str:
    return "sqlite"  # no store-specific code: units and users are read through the ORM


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings(
        home=tmp_path / "home",
        database_url=database_url,
        secret_key=SECRET,
        dashboards_url=DASHBOARDS,
        dashboards_sso_key=SSO_KEY,
    )


def link(client: TestClient, h: dict[str, str], board: str, **params: str) -> httpx.Response:
    return client.get(f"/dashboards/{board}/link", params=params, headers=h)


def target(resp: httpx.Response) -> tuple[dict[str, Any], str]:
    """The token's claims and the (decoded) dashboard path of a link."""
    assert resp.status_code == 200, resp.text
    url = httpx.URL(resp.json()["url"])
    assert f"{url.scheme}://{url.host}:{url.port}" == DASHBOARDS and url.path == "/zhifa/sso/"
    claims = jwt.decode(url.params["token"], SSO_KEY, algorithms=["HS256"], audience="zhifa-dashboards")
    return claims, unquote(url.params["next"])


def test_a_link_narrows_to_the_unit_subtree_and_period(client: TestClient, as_user: Any) -> None:
    boss = as_user("cityboss")  # 郑州市 (410100) with the county 中牟县 (410122) below it
    listed = client.get("/dashboards", headers=boss).json()
    assert listed["configured"] is True
    assert [b["slug"] for b in listed["boards"]] == [
        "fine-consistency",
        "dossier-quality",
        "enforcement-risk",
        "review-operations",
        "enforcement-assessment",
        "licensing",
    ]
    claims, path = target(link(client, boss, "fine-consistency", unit_code="410122", date_to="2024-06-30"))
    assert claims["sub"] == "cityboss" and claims["exp"] - claims["iat"] == 60
    assert path.startswith("/superset/dashboard/fine-consistency/?native_filters=(")
    assert "val:!('河南省 › 郑州市 › 中牟县')" in path  # the names path the dashboards filter on
    assert "time_range:'No filter : 2024-07-01'" in path  # the end day included
    # the caller's whole scope needs no unit filter: row-level security bounds it already
    _, own = target(link(client, boss, "dossier-quality", unit_code="410100"))
    assert own == "/superset/dashboard/dossier-quality/"
    # the city for the admin: the city and its county, both by name
    _, city = target(link(client, as_user("admin"), "enforcement-risk", unit_code="410100"))
    assert "val:!('河南省 › 郑州市','河南省 › 郑州市 › 中牟县')" in city


def test_foreign_units_unknown_boards_and_bad_ranges(client: TestClient, as_user: Any) -> None:
    boss = as_user("cityboss")
    foreign = link(client, boss, "fine-consistency", unit_code="410200")  # 开封: another city
    missing = link(client, boss, "fine-consistency", unit_code="999999")
    assert foreign.status_code == missing.status_code == 404
    assert foreign.json() == missing.json() and foreign.json()["code"] == "UNIT_NOT_FOUND"
    assert link(client, boss, "no-such-board").status_code == 404
    backwards = link(client, boss, "fine-consistency", date_from="2024-02-01", date_to="2024-01-01")
    assert backwards.status_code == 422
    assert link(client, boss, "fine-consistency", unit_code="41'00").status_code == 422
    assert link(client, boss, "fine-consistency", date_to="9999-12-31").status_code == 422  # no overflow
    assert link(client, {}, "fine-consistency").status_code == 401


def test_without_a_dashboards_address_there_are_no_links(
    tmp_path: Path, database_url: str, as_user: Any
) -> None:
    from api.main import create_app

    app = create_app(Settings(home=tmp_path / "home", database_url=database_url, secret_key=SECRET))
    try:
        with TestClient(app) as client:
            h = as_user("cityboss")
            assert client.get("/dashboards", headers=h).json()["configured"] is False
            resp = link(client, h, "fine-consistency")
            assert resp.status_code == 409 and resp.json()["code"] == "DASHBOARDS_NOT_CONFIGURED"
    finally:
        app.state.engine.dispose()
