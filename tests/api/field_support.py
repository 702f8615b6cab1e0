"""The field app in a real browser: one served app (real uvicorn, SQLite copied from the seeded template)
and one headless Debian Chromium per test module, phone-sized with touch."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from apitest_support import PASSWORD, SECRET, served_in_thread
from playwright.sync_api import Browser, BrowserContext, Page, ViewportSize, expect

from api.main import create_app
from zhifa.settings import PROJECT_ROOT, Settings

PHONE: ViewportSize = {"width": 360, "height": 740}
WEB_DIST = PROJECT_ROOT / "web" / "dist"
SCREENSHOTS = PROJECT_ROOT / "docs" / "screenshots" / "field"


@dataclass
class Served:
    url: str
    app: Any
    home: Path


def require_build() -> None:
    assert (WEB_DIST / "index.html").is_file(), "web/dist missing: run `make bootstrap` (npm ci + build)"


def serve(template: Path, home: Path) -> Iterator[Served]:
    """The app on a copy of the seeded SQLite store, served by uvicorn on a free port in a thread."""
    home.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(template, home / "api.sqlite3")
    settings = Settings(home=home, database_url=f"sqlite:///{home / 'api.sqlite3'}", secret_key=SECRET)
    app = create_app(settings)
    try:
        with served_in_thread(app) as url:
            yield Served(url, app, home)
    finally:
        app.state.engine.dispose()


def phone(browser: Browser, **extra: Any) -> BrowserContext:
    context = browser.new_context(
        viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2, locale="zh-CN",
        timezone_id="Asia/Shanghai", **extra,
    )  # fmt: skip
    context.set_default_timeout(15_000)
    return context


def log_in(page: Page, url: str, username: str = "li") -> None:
    page.goto(f"{url}/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("button", name="新建案件")).to_be_visible()


def wait_until(page: Page, expression: str, timeout_ms: int = 15_000) -> None:
    """Poll a JavaScript expression until it is truthy. Not ``page.wait_for_function``: its polling
    evaluates the string with eval() inside the page, which the pages' Content-Security-Policy forbids."""
    waited = 0
    while not page.evaluate(expression):
        if waited >= timeout_ms:
            raise AssertionError(f"still false after {timeout_ms} ms: {expression}")
        page.wait_for_timeout(100)
        waited += 100


def shot(page: Page, name: str, folder: Path = SCREENSHOTS) -> None:
    """docs/screenshots/field/NAME.png (or ``folder``), rewritten only with ZHIFA_UPDATE_SCREENSHOTS=1."""
    if os.environ.get("ZHIFA_UPDATE_SCREENSHOTS") == "1":
        folder.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(folder / f"{name}.png"), full_page=folder != SCREENSHOTS)


def y4m_from_photo(photo: Path, out: Path, frames: int = 10) -> Path:
    """A still photo as a Y4M video (4:2:0) for Chromium's fake camera, which loops it."""
    from PIL import Image

    image = Image.open(photo).convert("RGB")
    width, height = (image.width // 2) * 2, (image.height // 2) * 2
    y, cb, cr = image.crop((0, 0, width, height)).convert("YCbCr").split()
    half = (width // 2, height // 2)
    frame = b"FRAME\n" + y.tobytes() + cb.resize(half).tobytes() + cr.resize(half).tobytes()
    out.write_bytes(f"YUV4MPEG2 W{width} H{height} F10:1 Ip A1:1 C420jpeg\n".encode() + frame * frames)
    return out
