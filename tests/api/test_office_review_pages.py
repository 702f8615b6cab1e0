"""The review and quality pages of the office through the real served build in Debian Chromium at 1366×768
(issue #17): a reviewer of another city claims from the pool and reviews side by side, a blind re-reviewer
sees nothing of it; quality staff write a rule, dry-run it, switch it on and find it in the next machine
review; they plan a sample, draw and verify it."""

from __future__ import annotations

import io
from typing import Any

import pypdf
import pytest
from field_support import Served, shot
from office_pages_support import SCREENSHOTS, desk, sign_in
from office_support import uploaded_dossier
from playwright.sync_api import Browser, expect
from review_support import add_dossier, add_users, bearer


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


def test_a_finding_overlays_the_recognised_fields_box(
    served: Served, browser: Browser, api: Any, reviewers: dict[str, int]
) -> None:
    """Clicking a finding draws the overlay at the box recognition measured for its field (page-relative,
    from the PDF's text layer), on the page pypdf finds the value on."""
    up = uploaded_dossier(api, api.login("li"))
    q, kf = bearer(reviewers["quality"]), bearer(reviewers["r_kf"])
    [task] = api.post("/review-tasks", json={"dossier_ids": [up["dossier_id"]]}, headers=q).json()
    assert api.post(f"/review-tasks/{task['task_id']}/claim", headers=kf).status_code == 200
    detail = api.get(f"/review-tasks/{task['task_id']}", headers=kf).json()
    [file] = api.get(f"/review-tasks/{task['task_id']}/files", headers=kf).json()
    boxed = {(f["field"], str(f["value"])): f for f in file["fields"] if f["bbox"]}
    finding, field = next(
        (f, boxed[(d["field"], str(d["value"]))])
        for f in detail["findings"]
        for d in (f["evidence"] or {}).get("documents", [])
        if d.get("document") == file["filename"] and (d.get("field"), str(d.get("value"))) in boxed
    )
    assert field["page"] == page_of(up["pdf"], str(field["value"]))

    context = desk(browser)
    page = context.new_page()
    sign_in(page, served.url, "r_kf", at="/office.html")
    page.wait_for_url("**/office.html#/todo")
    page.goto(f"{served.url}/office.html#/review-tasks/{task['task_id']}")
    expect(page.locator(".pdf-page canvas")).to_have_count(file["pages"])
    page.get_by_test_id("finding").filter(has_text=finding["rule_id"]).first.click()
    mark = page.get_by_test_id("field-box")
    expect(mark).to_have_count(1)
    expect(mark).to_be_in_viewport()
    expect(page.get_by_test_id("located")).to_contain_text(f"第 {field['page']} 页")
    sheet = page.locator(f'.pdf-page[data-page="{field["page"]}"]').bounding_box()
    drawn = mark.bounding_box()
    assert sheet is not None and drawn is not None
    want = field["bbox"]
    pad = 3  # the frame's room round the line
    assert drawn["x"] == pytest.approx(sheet["x"] + want["x"] * sheet["width"] - pad, abs=1.5)
    assert drawn["y"] == pytest.approx(sheet["y"] + want["y"] * sheet["height"] - pad, abs=1.5)
    assert drawn["width"] == pytest.approx(want["w"] * sheet["width"] + 2 * pad, abs=1.5)
    assert drawn["height"] == pytest.approx(want["h"] * sheet["height"] + 2 * pad, abs=1.5)
    shot(page, "15-field-overlay", SCREENSHOTS)
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
