"""The field app's misread guard (docs/barcodes.md), in Debian Chromium: a code the server could not
confirm is only a candidate — nothing is looked up or captured until the officer taps 确认 — and an
ambiguous photo names no product. The server's answers are played by intercepting ``POST /scan`` (the
ladder itself is tested in tests/test_barcodes.py); the look-up after 确认 is the real one."""

from __future__ import annotations

import json

from apitest_support import PHOTO, YUXI, ZHONGHUA
from field_support import Served, log_in, phone
from playwright.sync_api import Browser, Route, expect


def _answer(confirmed: list[str], candidates: list[str], ambiguous: bool = False) -> str:
    return json.dumps(
        {
            "confirmed": confirmed,
            "candidates": [
                {"code": c, "symbology": "ean13", "seen_by": ["zxing-cpp/photo"]} for c in candidates
            ],
            "codes": confirmed,
            "ambiguous": ambiguous,
            "product": None,
            "level": None,
            "decoder": None,
            "spray_code": None,
        }
    )


def test_a_candidate_waits_for_the_officer(served: Served, browser: Browser) -> None:
    context = phone(browser)  # no camera: only the photo path
    page = context.new_page()
    answers = [_answer([], [YUXI["carton"]]), _answer([ZHONGHUA["carton"]], [YUXI["carton"]], ambiguous=True)]

    def scan(route: Route) -> None:
        route.fulfill(status=200, content_type="application/json", body=answers.pop(0))

    page.route("**/scan", scan)
    log_in(page, served.url)
    page.get_by_role("tab", name="扫码").click()
    results = page.get_by_role("list", name="识别结果")

    page.locator("#scan-photo").set_input_files(str(PHOTO))
    waiting = page.get_by_role("list", name="待确认的条码")
    expect(waiting).to_contain_text(YUXI["carton"])
    expect(page.get_by_role("status")).to_contain_text("未能确认")
    expect(results.get_by_role("listitem")).to_have_count(0)  # nothing looked up before the officer agrees
    waiting.get_by_role("button", name="确认").click()
    expect(results.get_by_role("listitem").first).to_contain_text("玉溪(软)")
    expect(waiting).to_have_count(0)
    assert [t["via"] for t in page.evaluate("window.__zhifaScanMs")] == ["photo-confirmed"]

    # two codes in one photo: both listed for choice, no product named
    page.locator("#scan-photo").set_input_files(str(PHOTO))
    expect(waiting.get_by_role("listitem")).to_have_count(2)
    expect(page.get_by_role("status")).to_contain_text("多个不同的条码")
    assert len(page.evaluate("window.__zhifaScanMs")) == 1
    context.close()
