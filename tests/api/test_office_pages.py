"""The office area through the real served build in Debian Chromium at 1366×768 (issue #17): an officer's
deviation reaches the approver's 待办, is approved once (double click), and the case moves on; office
users land on 待办 and switch to the phone app and back; a user of another city gets 404-looking pages; a
manager searches, exports and opens a case; the phone never loads the office."""

from __future__ import annotations

import io
from typing import Any

import httpx
import openpyxl
from field_support import Served, shot
from office_pages_support import SCREENSHOTS, desk, nav_badge, sign_in
from office_support import REASON, deviation_case
from playwright.sync_api import Browser, expect


def test_deviation_reaches_approver_and_is_approved_once(served: Served, browser: Browser, api: Any) -> None:
    li = api.login("li")
    made = deviation_case(api, li)
    case_id, approval_id = made["case_id"], made["approval_id"]
    blockers = api.get(f"/cases/{case_id}/transitions/decided", headers=li).json()
    assert any("deviation" in b for b in blockers)

    context = desk(browser)
    page = context.new_page()
    sign_in(page, served.url, "head")  # on the shared login page: an approver lands on the office 待办
    page.wait_for_url("**/office.html#/todo")
    expect(page.get_by_test_id("who")).to_contain_text("中牟县烟草专卖局")
    expect(nav_badge(page, "待我审批")).to_have_text("1")
    row = page.get_by_test_id("todo-approvals").get_by_role("row").filter(has_text="裁量偏离")
    expect(row).to_contain_text("张三")
    expect(row).to_contain_text(REASON)
    shot(page, "01-todo", SCREENSHOTS)

    row.get_by_role("link", name="审批").click()
    page.wait_for_url(f"**/office.html#/approvals/{case_id}/{approval_id}")
    expect(page.get_by_test_id("case-value")).to_have_text("4,500.00元")  # 10 cartons × 450.00
    expect(page.get_by_test_id("tier")).to_contain_text(made["discretion"]["tier_label"])
    expect(page.get_by_test_id("fine")).to_have_text(f"{float(made['fine']):,.2f}元")
    expect(page.get_by_test_id("reason")).to_have_text(REASON)
    expect(page.get_by_test_id("similar-source")).to_contain_text("办案系统库")  # no snapshot published
    shot(page, "02-approval", SCREENSHOTS)

    decisions: list[str] = []
    page.on("request", lambda r: decisions.append(r.url) if r.url.endswith("/decision") else None)
    page.get_by_label("审批意见（退回时必填）").fill("同意，理由充分")
    page.get_by_role("button", name="批准").dblclick()
    expect(page.get_by_test_id("decided")).to_contain_text("已批准")
    expect(page.get_by_test_id("history")).to_contain_text("同意，理由充分")
    assert len(decisions) == 1
    audit = api.get(
        "/audit", params={"entity": "approval", "entity_id": str(approval_id)}, headers=api.login("admin")
    ).json()
    assert [a["action"] for a in audit].count("decide:approved") == 1
    assert audit[0]["username"] == "head"
    # the case moves on: the deviation no longer blocks the decision
    blockers = api.get(f"/cases/{case_id}/transitions/decided", headers=li).json()
    assert not any("deviation" in b for b in blockers)

    expect(nav_badge(page, "待我审批")).to_have_count(0)
    page.get_by_role("menuitem", name="待办事项").click()
    page.get_by_role("tab", name="已办").click()
    expect(page.get_by_test_id("done-approvals")).to_contain_text("已批准")
    shot(page, "03-done", SCREENSHOTS)
    context.close()


def test_office_user_switches_to_the_phone_app_and_back(served: Served, browser: Browser) -> None:
    context = desk(browser)
    page = context.new_page()
    sign_in(page, served.url, "kaifeng", at="/office.html")  # officer and approver
    page.wait_for_url("**/office.html#/todo")
    page.get_by_role("link", name="切换到现场办案").click()
    expect(page.get_by_role("button", name="新建案件")).to_be_visible()
    page.get_by_role("link", name="办公端").click()
    page.wait_for_url("**/office.html#/todo")
    expect(page.get_by_role("menuitem", name="待办事项")).to_be_visible()
    context.close()
    # an officer stays on the phone app, with no way into the office
    context = desk(browser)
    page = context.new_page()
    sign_in(page, served.url, "li")
    expect(page.get_by_role("button", name="新建案件")).to_be_visible()
    expect(page.get_by_role("link", name="办公端")).to_have_count(0)
    sign_in(page, served.url, "wang", at="/office.html#/login")
    expect(page.get_by_role("button", name="新建案件")).to_be_visible()  # sent to the phone home
    context.close()


def test_another_city_walks_the_pages_and_finds_nothing(served: Served, browser: Browser, api: Any) -> None:
    made = deviation_case(api, api.login("li"))
    context = desk(browser)
    page = context.new_page()
    sign_in(page, served.url, "kaifeng", at="/office.html")
    page.wait_for_url("**/office.html#/todo")
    for section in ("todo-approvals", "todo-deadlines"):
        expect(page.get_by_test_id(section)).not_to_contain_text(made["case_id"])
    for path in (f"/approvals/{made['case_id']}/{made['approval_id']}", "/approvals/C-NOSUCH/1"):
        page.goto(f"{served.url}/office.html#{path}")
        expect(page.get_by_text("案件或审批不存在")).to_be_visible()
    shot(page, "04-not-found", SCREENSHOTS)
    # a real approval under a foreign case reads like a made-up one: same page, same API code
    r = api.get(f"/cases/{made['case_id']}/approvals", headers=api.login("kaifeng"))
    assert r.status_code == 404 and r.json()["code"] == "CASE_NOT_FOUND"
    context.close()


def test_login_page_and_deadlines_page(served: Served, browser: Browser) -> None:
    context = desk(browser)
    page = context.new_page()
    page.goto(f"{served.url}/office.html")
    expect(page.get_by_label("用户名")).to_be_visible()
    shot(page, "00-login", SCREENSHOTS)
    sign_in(page, served.url, "cityboss", at="/office.html")
    page.wait_for_url("**/office.html#/todo")
    page.get_by_role("menuitem", name="期限预警").click()
    first = page.get_by_test_id("todo-deadlines").get_by_role("row").nth(1)
    expect(first).to_contain_text("立案")
    expect(first).not_to_contain_text("filing")  # no English code on screen
    expect(page.get_by_test_id("todo-approvals")).to_have_count(0)
    shot(page, "05-deadlines", SCREENSHOTS)
    context.close()


def test_manager_searches_sorts_exports_and_opens_a_case(served: Served, browser: Browser, api: Any) -> None:
    li = api.login("li")
    mine = deviation_case(api, li, cartons=2, party_name="周七")["case_id"]
    boss = api.login("cityboss")
    expected = api.get(
        "/office/cases", params={"sort": "illegal_amount", "desc": "false", "limit": 500}, headers=boss
    )
    ordered = [r["case_id"] for r in expected.json()["rows"]]
    context = desk(browser)
    page = context.new_page()
    sign_in(page, served.url, "cityboss", at="/office.html")
    page.wait_for_url("**/office.html#/todo")
    page.get_by_role("menuitem", name="案件查询").click()
    results = page.get_by_test_id("results")
    expect(page.get_by_text(f"共 {expected.json()['total']} 条")).to_be_visible()

    results.get_by_role("columnheader", name="案值").click()  # ascending
    expect(results.get_by_role("row").nth(1)).to_contain_text(ordered[0])
    page.get_by_label("当事人或许可证号").fill("周七")
    page.get_by_role("button", name="查询").click()
    expect(results.get_by_role("row")).to_have_count(2)  # header + the one case
    expect(results.get_by_role("row").nth(1)).to_contain_text("周七")
    shot(page, "07-case-search", SCREENSHOTS)

    with page.expect_download() as download:
        page.get_by_role("button", name="导出Excel").click()
    assert download.value.suggested_filename == "案件查询.xlsx"
    sheet = openpyxl.load_workbook(io.BytesIO(download.value.path().read_bytes()))["案件"]
    assert [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)] == [mine]

    results.get_by_role("link", name="查看").click()
    page.wait_for_url(f"**/office.html#/cases/{mine}")
    expect(page.get_by_test_id("trail")).to_contain_text("创建")
    expect(page.get_by_test_id("trail")).to_contain_text("拟定罚款")
    shot(page, "08-case", SCREENSHOTS)
    context.close()

    context = desk(browser)
    page = context.new_page()
    sign_in(page, served.url, "kaifeng", at="/office.html")
    page.wait_for_url("**/office.html#/todo")
    page.goto(f"{served.url}/office.html#/cases/{mine}")
    expect(page.get_by_text("案件不存在", exact=True)).to_be_visible()
    context.close()


def test_the_phone_never_loads_or_precaches_the_office(served: Served) -> None:
    """Two builds, no shared chunk: the phone's shell and service worker name no office file, and the office
    page names only its own (office-*) assets."""
    dist = served.app.state.settings.web_dist
    sw, index = (dist / "sw.js").read_text(), httpx.get(f"{served.url}/").text
    assert "office" not in sw and "office" not in index
    office = httpx.get(f"{served.url}/office.html")
    assert office.status_code == 200
    assets = [a for a in office.text.split('"') if a.startswith("/assets/")]
    assert assets and all(a.startswith("/assets/office-") for a in assets)
    worker = next(p.name for p in (dist / "assets").iterdir() if p.name.startswith("office-pdf.worker"))
    r = httpx.get(f"{served.url}/assets/{worker}")  # pdf.js worker served by us, as a module script
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/javascript")
