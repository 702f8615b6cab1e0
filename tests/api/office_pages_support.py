"""The office pages in a real browser: one served app (real uvicorn, SQLite copied from the seeded template),
one headless Debian Chromium per test module at 1366×768, an httpx client on the same app, and sign-in."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
from apitest_support import PASSWORD
from field_support import Served
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from dashboards.browser import CHROMIUM, CHROMIUM_ARGS
from zhifa.settings import PROJECT_ROOT

SCREENSHOTS = PROJECT_ROOT / "docs" / "screenshots" / "office"


def launch() -> Iterator[Browser]:
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


def api_client(served: Served) -> Iterator[Any]:
    """An httpx client on the served app with a `login(username)` → headers helper."""
    with httpx.Client(base_url=served.url, timeout=30) as client:

        def login(username: str) -> dict[str, str]:
            r = client.post("/auth/token", data={"username": username, "password": PASSWORD})
            assert r.status_code == 200, r.text
            return {"Authorization": f"Bearer {r.json()['access_token']}"}

        client.login = login  # type: ignore[attr-defined]
        yield client


def desk(browser: Browser) -> BrowserContext:
    context = browser.new_context(
        viewport={"width": 1366, "height": 768}, locale="zh-CN", timezone_id="Asia/Shanghai"
    )
    context.set_default_timeout(15_000)
    return context


def sign_in(page: Page, url: str, username: str, at: str = "/") -> None:
    """Log in on the phone app's page (the one sign-in screen) or the office's own."""
    page.goto(f"{url}{at}")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()


def nav_badge(page: Page, item: str) -> Any:
    return page.get_by_role("menuitem", name=item).locator(".el-badge__content")
