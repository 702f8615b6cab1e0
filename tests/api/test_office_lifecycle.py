"""The case page's three-systems panel in the browser (#18): what blocks archiving is listed in words, an
approver publishes the drafted public text from the page, and the archived volume is shown with its number."""

from __future__ import annotations

from typing import Any

from case_flow_support import closed_case, generate
from field_support import Served, shot
from office_pages_support import SCREENSHOTS, desk, sign_in
from playwright.sync_api import Browser, expect


def test_publish_and_archive_from_the_case_page(served: Served, browser: Browser, api: Any) -> None:
    li, head = api.login("li"), api.login("head")
    case_id = closed_case(api, li, head)
    assert api.post(f"/cases/{case_id}/publication", headers=li).status_code == 201

    context = desk(browser)
    page = context.new_page()
    sign_in(page, served.url, "head")
    page.wait_for_url("**/office.html#/todo")
    page.goto(f"{served.url}/office.html#/cases/{case_id}")
    panel = page.locator(".el-card").filter(has_text="三项制度与归档")
    expect(panel).to_contain_text("不属于重大执法决定目录")
    expect(panel).to_contain_text("缺少文书")
    expect(panel).to_contain_text("结案报告表")
    expect(panel).to_contain_text("待发布")
    page.get_by_label("公示渠道").fill("中牟县人民政府门户网站")
    page.get_by_role("button", name="审核并发布").click()
    expect(panel).to_contain_text("在“中牟县人民政府门户网站”公示")
    assert api.get("/public/decisions").json()["total"] == 1

    for doc_type in ("inquiry_record", "investigation_report", "handling_approval", "payment_receipt",
                     "closing_report"):  # fmt: skip
        generate(api, li, case_id, doc_type)
    archive = api.post(f"/cases/{case_id}/archive", headers=li)
    assert archive.status_code == 201, archive.text
    page.reload()
    expect(panel).to_contain_text(f"卷宗编号 {archive.json()['archive_no']}")
    expect(page.get_by_role("button", name="下载卷宗 PDF")).to_be_visible()
    shot(page, "case-lifecycle", SCREENSHOTS)
    context.close()
