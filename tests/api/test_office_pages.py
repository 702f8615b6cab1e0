"""The office area through the real served build in Debian Chromium at 1366×768 (issue #17): an officer's
deviation reaches the approver's 待办, is approved once (double click), and the case moves on; office
users land on 待办 and switch to the phone app and back; a user of another city gets 404-looking pages."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import openpyxl
import pypdf
import pytest
from apitest_support import PASSWORD
from field_support import CHROMIUM, CHROMIUM_ARGS, Served, require_build, serve, shot
from office_support import REASON, deviation_case, uploaded_dossier
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright
from review_support import add_dossier, add_users, bearer

from zhifa.settings import PROJECT_ROOT

SCREENSHOTS = PROJECT_ROOT / "docs" / "screenshots" / "office"


@pytest.fixture(scope="module")
def served(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    require_build()
    yield from serve(sqlite_template, tmp_path_factory.mktemp("office-home"))


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture(scope="module")
def api(served: Served) -> Iterator[Any]:
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


@pytest.fixture(scope="module")
def reviewers(served: Served) -> dict[str, int]:
    return add_users(served.app)


def page_of(pdf: bytes, value: str) -> int:
    """Where a value stands in the PDF, read with pypdf (not with the page's pdf.js)."""
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    squash = value.replace(" ", "")
    return next(
        n for n, p in enumerate(reader.pages, 1) if squash in (p.extract_text() or "").replace(" ", "")
    )


def test_reviewer_claims_reviews_side_by_side_and_submits(
    served: Served, browser: Browser, api: Any, reviewers: dict[str, int]
) -> None:
    up = uploaded_dossier(api, api.login("li"))
    q = bearer(reviewers["quality"])
    [task] = api.post("/review-tasks", json={"dossier_ids": [up["dossier_id"]]}, headers=q).json()
    context = desk(browser)
    page = context.new_page()
    sign_in(page, served.url, "r_kf", at="/office.html")
    page.wait_for_url("**/office.html#/todo")
    page.get_by_role("menuitem", name="评查任务").click()
    pool_row = page.get_by_test_id("pool").get_by_role("row").filter(has_text=up["case_id"])
    pool_row.get_by_role("button", name="领取").click()
    page.wait_for_url(f"**/office.html#/review-tasks/{task['task_id']}")
    [uploaded] = up["files"]
    expect(page.locator(".pdf-page canvas")).to_have_count(uploaded["pages"])

    detail = api.get(f"/review-tasks/{task['task_id']}", headers=bearer(reviewers["r_kf"])).json()
    finding, doc = next(
        (f, d)
        for f in detail["findings"]
        for d in (f["evidence"] or {}).get("documents", [])
        if d.get("document") == "现场检查笔录.pdf" and d.get("value")
    )
    card = page.get_by_test_id("finding").filter(has_text=finding["rule_id"]).first
    card.click()
    expect(page.get_by_test_id("located")).to_contain_text(f"第 {page_of(up['pdf'], str(doc['value']))} 页")
    expect(page.locator(".pdf-mark")).to_have_count(1)
    expect(page.locator(".pdf-mark")).to_be_in_viewport()
    shot(page, "06-workbench", SCREENSHOTS)

    # from the keyboard: J selects the next finding, 2 rejects it, 1 confirms it again
    order = [f["rule_id"] for f in detail["findings"]]
    page.locator("body").click(position={"x": 5, "y": 760})  # focus off the fields
    page.keyboard.press("j")
    following = order[order.index(finding["rule_id"]) + 1]
    expect(page.locator(".finding.on")).to_contain_text(following)
    nxt = next(f for f in detail["findings"] if f["rule_id"] == following)
    if nxt["decision_needed"]:
        page.keyboard.press("2")
        expect(page.locator(".finding.on").get_by_label("否定")).to_be_checked()
        page.keyboard.press("1")
        expect(page.locator(".finding.on").get_by_label("确认")).to_be_checked()

    for f in detail["findings"]:
        if f["decision_needed"] and not f["prefill"]:
            page.get_by_test_id("finding").filter(has_text=f["rule_id"]).first.get_by_label("确认").check()
    page.get_by_label("总体意见").fill("首评意见：卷宗基本规范")
    page.get_by_role("button", name="提交评查").click()
    expect(page.get_by_test_id("submitted")).to_contain_text("已提交")
    [review] = api.get("/human-reviews", params={"dossier_id": up["dossier_id"]}, headers=q).json()
    assert review["comment"] == "首评意见：卷宗基本规范" and review["reviewer_id"] == reviewers["r_kf"]
    expect(page.get_by_test_id("submitted")).to_contain_text(f"{review['total_score']:g} 分")
    context.close()

    # a blind re-review by another reviewer shows nothing of the first
    [again] = api.post(
        "/review-tasks", json={"dossier_ids": [up["dossier_id"]], "mode": "re_review"}, headers=q
    ).json()
    kf2 = bearer(reviewers["r_kf2"])
    assert api.post(f"/review-tasks/{again['task_id']}/claim", headers=kf2).status_code == 200
    context = desk(browser)
    page = context.new_page()
    sign_in(page, served.url, "r_kf2", at="/office.html")
    page.wait_for_url("**/office.html#/todo")
    page.goto(f"{served.url}/office.html#/review-tasks/{again['task_id']}")
    expect(page.locator(".pdf-page canvas")).to_have_count(uploaded["pages"])
    body = page.locator("main").inner_text()
    assert "首评意见" not in body and "待仲裁" not in body
    # and a reviewer who holds nothing of it finds no such task
    sign_in(page, served.url, "r_kf3", at="/office.html#/login")
    page.wait_for_url("**/office.html#/todo")
    page.goto(f"{served.url}/office.html#/review-tasks/{task['task_id']}")
    expect(page.get_by_text("评查任务不存在")).to_be_visible()
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
    sheet = openpyxl.load_workbook(io.BytesIO(download.value.path().read_bytes())).active
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


def test_quality_writes_a_rule_dry_runs_switches_it_on(
    served: Served, browser: Browser, api: Any, reviewers: dict[str, int]
) -> None:
    uploaded_dossier(api, api.login("li"))  # a past dossier for the dry run
    q = bearer(reviewers["quality"])
    context = desk(browser)
    page = context.new_page()
    sign_in(page, served.url, "quality", at="/office.html")
    page.wait_for_url("**/office.html#/todo")
    page.get_by_role("menuitem", name="评查规则").click()
    page.get_by_role("link", name="新建规则").click()
    page.get_by_label("规则编号").fill("Q901")
    page.get_by_label("名称").fill("应有现场检查笔录")
    page.get_by_label("条件").fill("has_inspection_recordx")
    expect(page.get_by_test_id("condition-check")).to_contain_text(
        "has_inspection_recordx"
    )  # inline, naming it
    expect(page.get_by_role("button", name="保存为草稿")).to_be_disabled()

    condition, template = "coalesce(has_inspection_record, FALSE)", "现场检查笔录：{has_inspection_record}"
    page.get_by_label("条件").fill(condition)
    page.get_by_label("证据模板").fill(template)
    page.get_by_label("扣分").fill("2")
    body = {"condition": condition, "evidence_template_zh": template, "deduct_points": 2, "max_examples": 5}
    want = api.post("/review-rules/dry-run", json=body, headers=q).json()
    assert want["population"] >= 1
    expect(page.get_by_test_id("condition-check")).to_contain_text(
        f"试运行：{want['population']} 份案卷中 不符合 {want['n_fail']}，符合 {want['n_pass']}"
    )
    page.get_by_role("button", name="保存为草稿").click()
    expect(page.get_by_test_id("saved")).to_contain_text("已保存为草稿：Q901 第1版")
    page.get_by_role("button", name="启用第1版").click()
    expect(page.get_by_test_id("saved")).to_contain_text("已启用")
    assert api.get("/review-rules/Q901", headers=q).json()["version_in_force"] == 1

    page.get_by_label("扣分").fill("3")
    page.get_by_role("button", name="保存为草稿").click()
    expect(page.get_by_test_id("saved")).to_contain_text("第2版")
    page.get_by_test_id("versions").get_by_role("row").nth(2).get_by_role("button", name="对比").click()
    expect(page.get_by_test_id("diff")).to_contain_text("扣分")
    shot(page, "09-rule-editor", SCREENSHOTS)
    context.close()

    # the rule in force is in the next machine review
    report = uploaded_dossier(api, api.login("li"))["report"]
    [mine] = [f for f in report["findings"] if f["rule_id"] == "Q901"]
    assert mine["outcome"] == "passed" and mine["rule_version"] == 1


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


def test_quality_plans_a_sample_draws_and_verifies(
    served: Served, browser: Browser, api: Any, reviewers: dict[str, int]
) -> None:
    for n in range(2):
        add_dossier(served.app, f"C410122-sample-{n}", "410122", uploader=reviewers["quality"])
    context = desk(browser)
    page = context.new_page()
    sign_in(page, served.url, "quality", at="/office.html")
    page.wait_for_url("**/office.html#/todo")
    page.get_by_role("menuitem", name="抽查方案").click()
    page.get_by_label("方案名称").fill("第一季度案卷抽查")
    page.get_by_label("抽取比例（%）").fill("100")
    page.get_by_role("button", name="保存方案").click()
    row = page.get_by_test_id("plans").get_by_role("row").filter(has_text="第一季度案卷抽查")
    expect(row).to_contain_text("100.0%")
    row.get_by_role("button", name="抽取").click()
    link = row.get_by_role("link", name="核验")
    draw_id = (link.get_attribute("href") or "").rsplit("/", 1)[1]
    logged = api.get(f"/sampling-draws/{draw_id}", headers=bearer(reviewers["quality"])).json()
    assert {"C410122-sample-0", "C410122-sample-1"} <= set(logged["selected"])
    expect(row).to_contain_text(f"{logged['population_size']} 份中抽出 {len(logged['selected'])} 份")
    link.click()
    page.wait_for_url(f"**/office.html#/sampling/draws/{draw_id}")
    expect(page.get_by_test_id("verify")).to_contain_text("总体摘要与记录：一致")
    expect(page.get_by_test_id("verify")).to_contain_text("按记录重新抽取的结果：一致")
    expect(page.get_by_text(logged["population_digest"])).to_be_visible()
    shot(page, "10-sampling-verify", SCREENSHOTS)
    context.close()
