"""The pages' security policy (api/platform/web.py): every page is served with a Content-Security-Policy
that allows only our own origin, and no page of the office, the field app or the public list breaks it —
walked in Chromium, which reports each violation as a `securitypolicyviolation` event. A script injected
into a page does not run: the bearer token in localStorage stays where it is."""

from __future__ import annotations

from typing import Any

import pytest
from field_support import wait_until
from office_pages_support import desk, sign_in
from playwright.sync_api import Page

pytestmark = pytest.mark.slow

RECORD_VIOLATIONS = """
window.__violations = [];
document.addEventListener('securitypolicyviolation',
  (e) => window.__violations.push(`${e.violatedDirective} ${e.blockedURI}`));
"""
OFFICE_ROUTES = [
    "/todo",
    "/deadlines",
    "/messages",
    "/cases",
    "/approvals",
    "/review-tasks",
    "/rules",
    "/quality/arbitration",
    "/quality/calibration",
    "/sampling",
]


def _violations(page: Page) -> list[str]:
    return list(page.evaluate("window.__violations"))


@pytest.mark.parametrize("path", ["/", "/office.html", "/public.html"])
def test_every_page_carries_the_policy(api: Any, path: str) -> None:
    r = api.get(path)
    assert r.status_code == 200
    # Read from the answer, not the constant: what the browser receives is what protects the page.
    policy = dict(part.strip().split(" ", 1) for part in r.headers["content-security-policy"].split(";"))
    assert policy["default-src"] == "'self'"
    assert policy["script-src"] == "'self' 'wasm-unsafe-eval'"  # no inline or foreign script
    assert policy["connect-src"] == "'self'" and policy["object-src"] == "'none'"
    assert policy["frame-ancestors"] == "'none'"
    assert not any("http" in sources or "*" in sources for sources in policy.values())
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"] == "no-referrer"


def test_assets_are_not_sniffed(api: Any) -> None:
    page = api.get("/office.html").text
    asset = page.split('src="', 1)[1].split('"', 1)[0]
    r = api.get(asset)
    assert r.status_code == 200 and r.headers["x-content-type-options"] == "nosniff"
    assert "content-security-policy" not in r.headers  # a policy belongs to documents


def test_office_pages_break_no_rule_and_an_injected_script_does_not_run(served: Any, browser: Any) -> None:
    context = desk(browser)
    context.add_init_script(RECORD_VIOLATIONS)
    page = context.new_page()
    sign_in(page, served.url, "cityboss", at="/office.html")
    page.wait_for_url("**/office.html#/todo")
    for route in OFFICE_ROUTES:
        page.goto(f"{served.url}/office.html#{route}")
        page.wait_for_load_state("networkidle")
        assert _violations(page) == [], route
    page.evaluate(
        "() => { const s = document.createElement('script'); s.textContent = 'window.__ran = 1';"
        " document.body.append(s) }"
    )
    wait_until(page, "window.__violations.length > 0")
    assert page.evaluate("window.__ran") is None
    assert _violations(page)[0].startswith("script-src")
    context.close()


def test_field_app_and_public_page_break_no_rule(served: Any, browser: Any) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    context.add_init_script(RECORD_VIOLATIONS)
    page = context.new_page()
    sign_in(page, served.url, "li")
    page.get_by_role("button", name="新建案件").wait_for()
    page.wait_for_load_state("networkidle")
    assert _violations(page) == []
    page.goto(f"{served.url}/public.html")
    page.wait_for_load_state("networkidle")
    assert _violations(page) == []
    context.close()
