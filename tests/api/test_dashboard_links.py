"""Dashboard links (issue #17 item 6): the API builds the Superset address narrowed to a unit subtree, an
officer and a period, behind a short-lived sign-in token; a unit or officer outside the caller's scope looks
like a missing one.
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


def test_a_link_narrows_to_an_officer_on_the_boards_with_an_officer_filter(
    client: TestClient, as_user: Any
) -> None:
    boss = as_user("cityboss")  # li (O410122001) works in 中牟县, inside the city's subtree
    officer = "(col:officer_id,op:IN,val:!(O410122001))"
    for board in ("fine-consistency", "dossier-quality", "enforcement-risk", "enforcement-assessment"):
        _, path = target(link(client, boss, board, officer_id="O410122001", date_from="2024-01-01"))
        fid = f"NATIVE_FILTER-{board}-officer"
        assert f"{fid}:(id:{fid},extraFormData:(filters:!({officer}))" in path, path
        assert "time_range:'2024-01-01 : No filter'" in path
    # no officer filter on the review or licensing boards: the officer is checked, then dropped
    _, path = target(link(client, boss, "licensing", officer_id="O410122001"))
    assert path == "/superset/dashboard/licensing/"
    # kaifeng's officer sees their own id; nobody outside 开封's subtree does
    kaifeng = as_user("kaifeng")
    _, own = target(link(client, kaifeng, "fine-consistency", officer_id="O410200001"))
    assert "val:!(O410200001)" in own


def test_a_foreign_officer_looks_like_a_missing_one(client: TestClient, as_user: Any) -> None:
    for user, foreign in (("cityboss", "O410200001"), ("kaifeng", "O410122001"), ("li", "O410200001")):
        h = as_user(user)
        got = link(client, h, "fine-consistency", officer_id=foreign)
        missing = link(client, h, "fine-consistency", officer_id="O999999999")
        assert got.status_code == missing.status_code == 404, (user, got.text)
        assert got.json() == missing.json() and got.json()["code"] == "OFFICER_NOT_FOUND"
        assert foreign not in got.text
    assert link(client, as_user("cityboss"), "fine-consistency", officer_id="O4'1").status_code == 422
    assert link(client, as_user("admin"), "fine-consistency", officer_id="O410200001").status_code == 200


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
