"""The officer's phone app, through the real served build in Debian Chromium (360×740, touch)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from field_support import CHROMIUM, CHROMIUM_ARGS, Served, log_in, phone, require_build, serve, shot
from playwright.sync_api import Browser, expect, sync_playwright


@pytest.fixture(scope="module")
def served(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    require_build()
    yield from serve(sqlite_template, tmp_path_factory.mktemp("field-home"))


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


def test_login_reaches_home_with_new_case(served: Served, browser: Browser) -> None:
    context = phone(browser)
    page = context.new_page()
    page.goto(f"{served.url}/")
    expect(page.get_by_label("用户名")).to_be_visible()
    shot(page, "01-login")
    page.get_by_label("用户名").fill("li")
    page.get_by_label("密码").fill("wrong-password")
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("alert")).to_contain_text("用户名或密码错误")
    log_in(page, served.url)
    for tab in ("首页", "案件", "扫码", "我的"):
        expect(page.get_by_role("tab", name=tab)).to_be_visible()
    shot(page, "02-home")
    context.close()


def test_shell_served_and_api_paths_untouched(served: Served) -> None:
    index = httpx.get(f"{served.url}/")
    assert index.status_code == 200 and "现场办案" in index.text
    assert index.headers["cache-control"] == "no-cache"
    asset = next(p for p in (served.app.state.settings.web_dist / "assets").iterdir() if p.suffix == ".js")
    r = httpx.get(f"{served.url}/assets/{asset.name}")
    assert r.status_code == 200 and "immutable" in r.headers["cache-control"]
    assert httpx.get(f"{served.url}/sw.js").status_code == 200
    # API paths keep their JSON answers
    assert httpx.get(f"{served.url}/cases").json()["code"] == "UNAUTHENTICATED"
    assert httpx.get(f"{served.url}/no-such-path").json()["code"] == "NOT_FOUND"
    assert httpx.get(f"{served.url}/assets/missing.js").status_code == 404


def test_unbuilt_front_end_says_what_to_run(sqlite_template: Path, tmp_path: Path) -> None:
    from apitest_support import SECRET
    from fastapi.testclient import TestClient

    from api.main import create_app
    from zhifa.settings import Settings

    db = tmp_path / "api.sqlite3"
    db.write_bytes(sqlite_template.read_bytes())
    settings = Settings(
        home=tmp_path, database_url=f"sqlite:///{db}", secret_key=SECRET, web_dist=tmp_path / "none"
    )
    app = create_app(settings)
    with TestClient(app) as client:
        r = client.get("/")
        assert r.status_code == 503 and "make bootstrap" in r.text and "前端页面尚未构建" in r.text
        assert client.get("/health").status_code == 200
    app.state.engine.dispose()
