"""统计分析 links on the office pages in Debian Chromium (issue #17 item 6): 案件查询 with a unit and an
officer picked opens Superset's sign-in for this user with the dashboard narrowed to that unit and officer
(an officer outside the user's scope is refused like a missing one); the approval page links to the case's
unit, lead officer and year. Superset itself is stood in for by a routed answer here;
tests/test_dashboards_access.py follows such links into the real one."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import httpx
import jwt
import pytest
from field_support import Served, require_build, serve, wait_until
from office_pages_support import api_client, desk, launch, sign_in
from office_support import deviation_case
from playwright.sync_api import Browser, Route

from zhifa import clock
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


def _routed(browser: Browser) -> tuple[Any, list[str]]:
    """A desk browser context whose requests to the dashboards are answered here and recorded."""
    context = desk(browser)
    opened: list[str] = []

    def superset(route: Route) -> None:
        opened.append(route.request.url)
        route.fulfill(status=200, body="superset", content_type="text/plain")

    context.route(f"{DASHBOARDS}/**", superset)
    return context, opened


def _open(context: Any, links: Any, board: str, opened: list[str], user: str) -> str:
    """Click ``board``'s link; the dashboard address Superset's sign-in for ``user`` leads to."""
    with context.expect_page() as popup_info:
        links.get_by_role("button", name=board).click()
    popup_info.value.wait_for_url(f"{DASHBOARDS}/**")
    return _target(opened[-1], user)


def _target(opened: str, user: str) -> str:
    url = httpx.URL(opened)
    assert url.path == "/zhifa/sso/"
    claims: dict[str, Any] = jwt.decode(
        url.params["token"], SSO_KEY, algorithms=["HS256"], audience="zhifa-dashboards"
    )
    assert claims["sub"] == user
    return unquote(url.params["next"])


def test_case_search_links_to_the_dashboard_for_the_picked_unit(served: Served, browser: Browser) -> None:
    context, opened = _routed(browser)
    page = context.new_page()
    try:
        sign_in(page, served.url, "cityboss", at="/office.html#/login")
        page.goto(f"{served.url}/office.html#/cases")
        links = page.get_by_test_id("dashboard-links")
        links.wait_for()
        assert links.get_by_role("button").count() == len(LINKED_BOARDS)  # one per board, none missing
        page.get_by_label("单位").select_option("410122")
        page.get_by_label("执法人员编号").fill("O410122001")  # li, of 中牟县
        target = _open(context, links, "案卷质量", opened, "cityboss")
        assert target.startswith("/superset/dashboard/dossier-quality/?native_filters=")
        assert "河南省 › 郑州市 › 中牟县" in target
        assert "extraFormData:(filters:!((col:officer_id,op:IN,val:!(O410122001))))" in target
        # an officer of 开封 (another city): no link, the page says the officer does not exist
        page.get_by_label("执法人员编号").fill("O410200001")
        links.get_by_role("button", name="案卷质量").click()
        assert "执法人员不存在" in links.get_by_role("alert").inner_text()
        assert len(opened) == 1
    finally:
        context.close()


def test_the_approval_page_links_to_the_lead_officers_dashboards(served: Served, browser: Browser) -> None:
    """The approver judging a deviation opens 罚款一致性 for the case's unit, lead officer and year."""
    with contextmanager(api_client)(served) as client:
        made = deviation_case(client, client.login("li"))  # li (O410122001) leads the case
        kase = client.get(f"/cases/{made['case_id']}", headers=client.login("cityboss")).json()
    discovered = datetime.fromisoformat(kase["discovered_at"]).astimezone(clock.LOCAL).date()
    # the year of discovery, ending today at the latest (the API refuses a date_to beyond its window)
    until = min(date(discovered.year + 1, 1, 1), clock.today() + timedelta(days=1))
    context, opened = _routed(browser)
    page = context.new_page()
    try:
        sign_in(page, served.url, "cityboss", at="/office.html#/login")
        page.goto(f"{served.url}/office.html#/approvals/{made['case_id']}/{made['approval_id']}")
        links = page.get_by_test_id("dashboard-links")
        target = _open(context, links, "罚款一致性", opened, "cityboss")
        assert target.startswith("/superset/dashboard/fine-consistency/?native_filters=")
        assert "河南省 › 郑州市 › 中牟县" in target
        assert "extraFormData:(filters:!((col:officer_id,op:IN,val:!(O410122001))))" in target
        assert f"time_range:'{discovered.year}-01-01 : {until.isoformat()}'" in target
    finally:
        context.close()


# the boards each page without a context of its own links, in the caller's scope (web/src/office/router.js)
PAGE_BOARDS = {
    "todo": list(LINKED_BOARDS),
    "deadlines": ["enforcement-risk"],
    "approvals": ["fine-consistency", "enforcement-risk"],
    "review-tasks": ["review-operations"],
    "rules": ["dossier-quality"],
    "quality/arbitration": ["review-operations"],
    "quality/calibration": ["review-operations"],
    "sampling": ["review-operations", "dossier-quality"],
    "training": ["enforcement-assessment"],
    "licensing": ["licensing"],
    "rectifications": ["dossier-quality", "enforcement-assessment"],
}


def test_every_page_links_the_boards_it_matches_and_the_workbench_none(
    served: Served, browser: Browser
) -> None:
    context, opened = _routed(browser)
    page = context.new_page()
    try:
        sign_in(page, served.url, "admin", at="/office.html#/login")
        shown = "JSON.stringify([...document.querySelectorAll('[data-testid=dashboard-links] [data-board]')]"
        for path, slugs in PAGE_BOARDS.items():
            page.goto(f"{served.url}/office.html#/{path}")
            expected = json.dumps([s for s in LINKED_BOARDS if s in slugs], separators=(",", ":"))
            wait_until(
                page, f"location.hash === '#/{path}' && {shown}.map(b => b.dataset.board)) === '{expected}'"
            )
        links = page.get_by_test_id("dashboard-links")
        # a page's link: the board in the caller's own scope
        target = _open(context, links, LINKED_BOARDS["dossier-quality"], opened, "admin")
        assert target == "/superset/dashboard/dossier-quality/"
        # a blind re-review must not lead to the first review's score: no links on the workbench
        page.goto(f"{served.url}/office.html#/review-tasks/999999")
        wait_until(page, "document.querySelector('.crumbs').textContent.includes('评查任务')")
        assert page.get_by_test_id("dashboard-links").count() == 0
    finally:
        context.close()
