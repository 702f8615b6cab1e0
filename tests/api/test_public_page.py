"""The public page of published decisions in a real browser, without logging in: the masked text is shown,
the search narrows it, nothing personal appears, and the form is labelled."""

from __future__ import annotations

from typing import Any

from case_flow_support import closed_case
from field_support import Served, shot
from playwright.sync_api import Browser

from zhifa.settings import PROJECT_ROOT

SCREENSHOTS = PROJECT_ROOT / "docs" / "screenshots" / "public"
FACTS = "经检查，王五（电话13900139000）店内存放的卷烟未在当地烟草专卖批发企业进货。"


def test_public_page_without_login(served: Served, browser: Browser, api: Any) -> None:
    li, head = api.login("li"), api.login("head")
    case_id = closed_case(api, li, head, to="served", facts=FACTS, party_name="王五")
    assert api.post(f"/cases/{case_id}/publication", headers=li).status_code == 201
    r = api.post(f"/cases/{case_id}/publication/publish", json={"channel": "门户网站"}, headers=head)
    assert r.status_code == 200, r.text

    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    page = context.new_page()
    page.goto(f"{served.url}/public.html")
    page.get_by_role("status").filter(has_text="共 1 条公示").wait_for()
    body = page.locator("main").inner_text()
    assert "王某" in body and "王五" not in body and "13900139000" not in body and "4101******01" in body
    shot(page, "decisions", SCREENSHOTS)
    page.get_by_label("关键词").fill("不存在的机关")
    page.get_by_role("button", name="查询").click()
    page.get_by_role("status").filter(has_text="共 0 条公示").wait_for()
    page.get_by_label("关键词").fill("王某")
    page.get_by_role("button", name="查询").click()
    page.get_by_role("status").filter(has_text="共 1 条公示").wait_for()
    excel = page.get_by_role("link", name="下载 Excel").get_attribute("href")
    assert excel == "/public/decisions.xlsx?q=%E7%8E%8B%E6%9F%90"
    context.close()
