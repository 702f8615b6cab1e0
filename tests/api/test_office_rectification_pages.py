"""The rectification (整改) pages through the real served build in Chromium at 1366×768: the handling
unit's manager (cityboss, whose subtree holds the county unit) finds the task in 待办 and answers every
finding (a document upload, an explanation, a dispute with its reason) on a page whose every input is
labelled; the reviewer re-checks and closes it. Screenshots docs/screenshots/rectification-*.png
(ZHIFA_UPDATE_SCREENSHOTS=1)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from field_support import Served, shot
from office_pages_support import desk, sign_in
from playwright.sync_api import Browser, Page, expect
from rectification_support import reviewed
from review_support import add_users, bearer

from zhifa.settings import PROJECT_ROOT

SCREENSHOTS = PROJECT_ROOT / "docs" / "screenshots"
FIELDS = "[data-testid=rect-item] :is(input, textarea, select), .el-card :is(select)"
UNLABELLED = f"""() => [...document.querySelectorAll('{FIELDS}')].filter((e) => !e.labels?.length
  && !e.getAttribute('aria-label')).map((e) => e.outerHTML)"""


def _unlabelled(page: Page) -> list[str]:
    return list(page.evaluate(UNLABELLED))


def test_unit_answers_and_reviewer_closes(served: Served, browser: Browser, api: Any) -> None:
    ids = add_users(served.app)
    rid = reviewed(served.app, api, ids, api.login("li"), Decimal(3))["rectification_id"]
    items = api.get(f"/rectifications/{rid}", headers=bearer(ids["r_kf"])).json()["items"]

    page = desk(browser).new_page()
    sign_in(page, served.url, "cityboss", at="/office.html")
    page.wait_for_url("**/office.html#/todo")
    page.get_by_test_id("todo-rectifications").get_by_role("link", name="答复").first.click()
    page.wait_for_url(f"**/office.html#/rectifications/{rid}")
    cards = page.get_by_test_id("rect-item")
    expect(cards).to_have_count(len(items))
    first, disputed = items[0]["item_id"], items[1]["item_id"]
    page.set_input_files(
        f"#f{first}", files=[{"name": "补正材料.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4 x"}]
    )
    cards.nth(1).get_by_label("有异议").check()
    page.get_by_label("异议理由（必填）").fill("许可证属本辖区，管辖无误")
    for item in items[2:]:
        page.locator(f"#t{item['item_id']}").fill("已按要求补正")
    expect(page.locator("[data-testid=rect-item] textarea")).to_have_count(len(items))  # the check has fields
    assert _unlabelled(page) == []
    shot(page, "rectification-answer", SCREENSHOTS)
    page.get_by_role("button", name="提交答复").click()
    expect(page.get_by_test_id("rect-done")).to_contain_text("待复核")

    checker = desk(browser).new_page()
    sign_in(checker, served.url, "r_kf", at="/office.html")
    checker.wait_for_url("**/office.html#/todo")
    checker.get_by_test_id("todo-rectifications").get_by_role("link", name="复核").first.click()
    checker.wait_for_url(f"**/office.html#/rectifications/{rid}")
    expect(checker.get_by_test_id("rect-item").nth(0)).to_contain_text("补正材料.pdf")
    with checker.expect_download() as download:
        checker.get_by_test_id("rect-document").click()
    assert Path(download.value.path()).read_bytes() == b"%PDF-1.4 x"
    expect(checker.get_by_test_id("rect-item").nth(1)).to_contain_text("管辖无误")
    expect(checker.locator("[data-testid=rect-item] textarea")).to_have_count(len(items))
    assert _unlabelled(checker) == []
    shot(checker, "rectification-recheck", SCREENSHOTS)
    checker.get_by_role("button", name="提交复核").click()
    expect(checker.get_by_test_id("rect-done")).to_contain_text("已办结")
    stored = api.get(f"/rectifications/{rid}", headers=bearer(ids["r_kf"])).json()
    assert stored["status"] == "closed"
    assert {i["item_id"]: i["outcome"] for i in stored["items"]}[disputed] == "disputed"
    assert all(i["status"] == "accepted" for i in stored["items"])
