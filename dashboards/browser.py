"""Look at the dashboards as a person would: headless Debian Chromium (Playwright, no browser download)
logs in, opens each dashboard, waits until every chart has drawn, and saves a screenshot.

Used by the tests and by ``python -m dashboards.browser URL USER PASSWORD OUT_DIR``.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
VIEWPORT = {"width": 1600, "height": 1000}
# what Superset draws while loading, and what it draws when a chart fails
LOADING = ".dashboard-chart .loading, [data-test='loading-indicator']"
CHART_ERROR = ".dashboard-chart [data-test='error-tooltip'], .dashboard-chart .alert-danger, [role='alert']"


@dataclass
class PageReport:
    slug: str
    screenshot: Path
    charts: int
    errors: list[str] = field(default_factory=list)
    text: str = ""  # the page's visible text (filter bar, titles)


def _login(page: Page, url: str, user: str, password: str) -> None:
    page.goto(f"{url}/login/")
    page.fill("input[name='username'], #username", user)
    page.fill("input[name='password'], #password", password)
    page.keyboard.press("Enter")
    page.wait_for_url(lambda u: "/login" not in u, timeout=60_000)


def _wait_for_charts(page: Page, expected: int, timeout_ms: int) -> int:
    """Wait until ``expected`` chart holders exist and none is loading; returns how many there are."""
    page.wait_for_function(
        """([expected, loading]) => {
            const holders = document.querySelectorAll('.dashboard-chart');
            return holders.length >= expected && document.querySelectorAll(loading).length === 0;
        }""",
        arg=[expected, LOADING],
        timeout=timeout_ms,
        polling=500,
    )
    page.wait_for_timeout(1500)  # echarts animates in
    return page.locator(".dashboard-chart").count()


def screenshot_dashboards(
    url: str,
    user: str,
    password: str,
    boards: dict[str, int],
    out_dir: Path,
    timeout_ms: int = 120_000,
) -> list[PageReport]:
    """``boards``: slug → number of charts expected on it. One full-page PNG per dashboard."""
    out_dir.mkdir(parents=True, exist_ok=True)
    reports = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            context = browser.new_context(viewport=VIEWPORT, locale="zh-CN")  # type: ignore[arg-type]
            page = context.new_page()
            _login(page, url, user, password)
            for slug, expected in boards.items():
                page.goto(f"{url}/superset/dashboard/{slug}/?standalone=0")
                count = _wait_for_charts(page, expected, timeout_ms)
                errors = [e.inner_text()[:300] for e in page.locator(CHART_ERROR).all()]
                shot = out_dir / f"dashboard-{slug}.png"
                page.screenshot(path=str(shot), full_page=True)
                text = page.locator("body").inner_text()
                reports.append(PageReport(slug, shot, count, errors, text))
        finally:
            browser.close()
    return reports


def main() -> None:
    from dashboards.boards import BOARDS

    url, user, password, out = sys.argv[1:5]
    boards = {b.slug: len(b.charts) for b in BOARDS}
    for report in screenshot_dashboards(url, user, password, boards, Path(out)):
        print(report)


if __name__ == "__main__":
    main()
