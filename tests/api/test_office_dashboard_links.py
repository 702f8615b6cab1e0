"""统计分析 links on the office pages in Debian Chromium (issue #17 item 6): 案件查询 with a unit picked opens
Superset's sign-in for this user with the dashboard narrowed to that unit (Superset itself is stood in for
by a routed answer here; tests/test_dashboards_access.py follows such links into the real one)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import httpx
import jwt
import pytest
from field_support import Served, require_build, serve
from office_pages_support import desk, launch, sign_in
from playwright.sync_api import Browser, Route

from zhifa.dashboard_links import BOARDS as LINKED_BOARDS

DASHBOARDS = "http://127.0.0.1:9"  # nothing listens there: the browser's requests are routed
SSO_KEY = "office-dashboards-sso-key-0123456789"


@pytest.fixture(scope="module")
def served(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    require_build()
    for s in serve(sqlite_template, tmp_path_factory.mktemp("office-dash-home")):
        state = s.app.state
        state.settings = state.settings.model_copy(
            update={"dashboards_url": DASHBOARDS, "dashboards_sso_key": SSO_KEY}
        )
        yield s


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    yield from launch()


def test_case_search_links_to_the_dashboard_for_the_picked_unit(served: Served, browser: Browser) -> None:
    context = desk(browser)
    opened: list[str] = []

    def superset(route: Route) -> None:
        opened.append(route.request.url)
        route.fulfill(status=200, body="superset", content_type="text/plain")

    context.route(f"{DASHBOARDS}/**", superset)
    page = context.new_page()
    try:
        sign_in(page, served.url, "cityboss", at="/office.html#/login")
        page.goto(f"{served.url}/office.html#/cases")
        links = page.get_by_test_id("dashboard-links")
        links.wait_for()
        assert links.get_by_role("button").count() == len(LINKED_BOARDS)  # one per board, none missing
        page.get_by_label("单位").select_option("410122")
        with context.expect_page() as popup_info:
            links.get_by_role("button", name="案卷质量").click()
        popup = popup_info.value
        popup.wait_for_url(f"{DASHBOARDS}/**")
        url = httpx.URL(opened[-1])
        assert url.path == "/zhifa/sso/"
        claims: dict[str, Any] = jwt.decode(
            url.params["token"], SSO_KEY, algorithms=["HS256"], audience="zhifa-dashboards"
        )
        assert claims["sub"] == "cityboss"
        target = unquote(url.params["next"])
        assert target.startswith("/superset/dashboard/dossier-quality/?native_filters=")
        assert "河南省 › 郑州市 › 中牟县" in target
    finally:
        context.close()
