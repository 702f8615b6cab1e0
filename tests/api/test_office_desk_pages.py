"""The office pages added after the first round (issue #17) in the real served build, Debian Chromium at
1366×768: reminders as in-app messages with the unread badge."""

from __future__ import annotations

from typing import Any

from field_support import Served, shot
from office_pages_support import PROJECT_ROOT, SCREENSHOTS, desk, nav_badge, sign_in
from office_support import deviation_case
from playwright.sync_api import Browser, expect
from quality_support import arbitration_task, publish
from review_support import add_users
from scorecard_support import publish as publish_scorecards

from api.office.services import reminders
from zhifa.clock import today


def test_reminders_reach_the_message_page_and_badge(served: Served, browser: Browser, api: Any) -> None:
    li = api.login("li")
    made = deviation_case(api, li)
    reminders.run(served.app.state.sessionmaker, today(), [])
    head = api.login("head")
    mine = api.get("/messages", headers=head).json()
    assert mine["unread"] == 2  # the digest and the due-soon notice of the county's new case

    page = desk(browser).new_page()
    sign_in(page, served.url, "head")
    page.wait_for_url("**/office.html#/todo")
    expect(nav_badge(page, "消息提醒")).to_have_text("2")
    page.get_by_role("menuitem", name="消息提醒").click()
    page.wait_for_url("**/office.html#/messages")
    table = page.get_by_test_id("messages")
    expect(table).to_contain_text("每日待办")
    expect(table).to_contain_text("临期提醒")
    due = table.get_by_role("row").filter(has_text="临期提醒")
    due.locator(".el-table__expand-icon").click()
    expect(table.get_by_role("link", name=made["case_id"])).to_be_visible()
    shot(page, "11-messages", SCREENSHOTS)
    due.get_by_role("button", name="未读 · 标为已读").click()
    expect(due).to_contain_text("已读")
    expect(nav_badge(page, "消息提醒")).to_have_text("1")
    assert api.get("/messages", headers=head).json()["unread"] == 1
    page.get_by_role("button", name="全部标为已读").click()
    expect(nav_badge(page, "消息提醒")).to_have_count(0)
    # another city's user has none (nothing due there) and cannot reach head's
    kaifeng = api.login("kaifeng")
    assert api.get("/messages", headers=kaifeng).json() == {"unread": 0, "messages": []}
    foreign = mine["messages"][0]["message_id"]
    assert api.post(f"/messages/{foreign}/read", headers=kaifeng).status_code == 404


def test_legal_reviewer_fills_the_checklist(served: Served, browser: Browser, api: Any) -> None:
    li = api.login("li")
    case_id = deviation_case(api, li)["case_id"]
    r = api.post(
        f"/cases/{case_id}/approvals", json={"kind": "legal_review", "reason": "重大案件"}, headers=li
    )
    approval_id = r.json()["approval_id"]
    items = api.get("/legal-review/checklist", headers=li).json()

    page = desk(browser).new_page()
    sign_in(page, served.url, "legal")
    page.wait_for_url("**/office.html#/todo")
    page.goto(f"{served.url}/office.html#/approvals/{case_id}/{approval_id}")
    checklist = page.get_by_test_id("checklist")
    for item in items:
        expect(checklist).to_contain_text(item["name_zh"])
    page.get_by_role("button", name="批准").click()
    expect(page.get_by_role("alert")).to_contain_text("请逐项审核")
    for item in items[:-1]:
        page.get_by_role("group", name=item["name_zh"]).get_by_label("无误").check()
    last = items[-1]["name_zh"]
    page.get_by_role("group", name=last).get_by_label("存疑").check()
    page.get_by_role("button", name="退回").click()
    expect(page.get_by_role("alert")).to_contain_text(f"存疑项须说明：{last}")
    page.get_by_label(f"{last}说明").fill("送达回证缺当事人签字")
    page.get_by_role("button", name="退回").click()
    expect(page.get_by_role("alert")).to_contain_text("有存疑项时须填写审核意见")
    page.get_by_label("审核意见（退回或有存疑项时必填）").fill("文书不规范，退回补正")
    shot(page, "12-legal-checklist", SCREENSHOTS)
    page.get_by_role("button", name="退回").click()
    expect(page.get_by_test_id("decided")).to_contain_text("已退回")
    expect(checklist.get_by_role("row").filter(has_text=last)).to_contain_text("存疑")
    expect(checklist.get_by_role("row").filter(has_text=last)).to_contain_text("送达回证缺当事人签字")

    [stored] = [
        a for a in api.get(f"/cases/{case_id}/approvals", headers=li).json() if a["kind"] == "legal_review"
    ]
    assert stored["outcome"] == "rejected" and stored["decision_note"] == "文书不规范，退回补正"
    assert [(e["item"], e["result"]) for e in stored["payload"]["checklist"]] == [
        (i["item_code"], "confirmed") for i in items[:-1]
    ] + [(items[-1]["item_code"], "flagged")]
    audit = api.get(
        "/audit", params={"entity": "approval", "entity_id": str(approval_id)}, headers=api.login("admin")
    ).json()
    assert [a["action"] for a in audit].count("decide:rejected") == 1


def test_calibration_page_shows_the_subtree(served: Served, browser: Browser) -> None:
    publish(served.app.state.settings.serve_warehouse_path)
    page = desk(browser).new_page()
    sign_in(page, served.url, "cityboss")
    page.wait_for_url("**/office.html#/todo")
    page.get_by_role("menuitem", name="评查员校准").click()
    page.wait_for_url("**/office.html#/quality/calibration")
    table = page.get_by_test_id("calibration")
    lenient = table.get_by_role("row").filter(has_text="2026").filter(has_text="李明")
    expect(lenient).to_contain_text("偏宽")
    expect(lenient).to_contain_text("+2.3 ~ +7.9")
    expect(table.get_by_role("row").filter(has_text="王芳")).to_contain_text("正常")
    expect(table).not_to_contain_text("孙丽")  # Kaifeng's reviewer is outside Zhengzhou's subtree
    shot(page, "13-calibration", SCREENSHOTS)


def test_quality_arbitrates_from_the_queue(served: Served, browser: Browser, api: Any) -> None:
    ids = add_users(served.app)
    _, task, first, second = arbitration_task(served.app, api, ids, "C410122-arbpage")
    page = desk(browser).new_page()
    sign_in(page, served.url, "quality")
    page.wait_for_url("**/office.html#/todo")
    page.get_by_role("menuitem", name="仲裁队列").click()
    page.wait_for_url("**/office.html#/quality/arbitration")
    row = page.get_by_test_id("arbitration").get_by_role("row").filter(has_text="C410122-arbpage")
    expect(row).to_contain_text(f"{first['total_score']:.2f}")
    expect(row).to_contain_text(f"{second['total_score']:.2f}")
    row.get_by_role("button", name="仲裁").click()
    page.get_by_role("button", name="确认仲裁").click()
    expect(page.get_by_role("alert")).to_contain_text("最终得分须在 0 至 100 之间")
    page.get_by_label("最终得分").fill("93.5")
    page.get_by_role("button", name="确认仲裁").click()
    expect(page.get_by_role("alert")).to_contain_text("须填写仲裁理由")
    page.get_by_label("仲裁理由（必填）").fill("复评扣分依据不足，采纳初评意见并酌减")
    shot(page, "14-arbitration", SCREENSHOTS)
    requests: list[str] = []
    page.on(
        "request",
        lambda r: requests.append(r.url) if r.method == "POST" and "/quality/arbitration/" in r.url else None,
    )
    page.get_by_role("button", name="确认仲裁").dblclick()
    expect(page.get_by_test_id("arbitrated")).to_contain_text("最终得分 93.50")
    expect(page.get_by_test_id("arbitration")).to_contain_text("暂无待仲裁案卷")
    assert len(requests) == 1 and requests[0].endswith(f"/quality/arbitration/{task}")


def test_my_scorecard_explains_every_point(served: Served, browser: Browser) -> None:
    """我的考评: 孙丽 (officer and approver) sees her November scorecards as handler and as approver, each
    point with its source; Zhengzhou's manager sees his subtree and opens 李明's — not his 开封 card."""
    publish_scorecards(served.app.state.settings.serve_warehouse_path)
    page = desk(browser).new_page()
    sign_in(page, served.url, "kaifeng", at="/office.html")
    page.wait_for_url("**/office.html#/todo")
    page.get_by_role("menuitem", name="我的考评").click()
    page.wait_for_url("**/office.html#/scorecard")
    handler = page.get_by_test_id("scorecard-handler-410200-2026-11-01")
    expect(handler).to_contain_text("90.8 分")  # 87.5 × 50 % + 90 × 30 % + 100 × 20 %
    quality = handler.get_by_role("row").filter(has_text="案卷质量")
    expect(quality).to_contain_text("95.0")  # raw: the mean dossier score
    expect(quality).to_contain_text("43.75")
    expect(handler.get_by_test_id("sum")).to_contain_text("43.75 + 20.00 + 27.00 = 90.75")
    approver = page.get_by_test_id("scorecard-approver-410200-2026-11-01")
    expect(approver).to_contain_text("权重按有数据的指标重新分配")  # 2 of the 3 approver components
    shot(page, "scorecard", PROJECT_ROOT / "docs" / "screenshots")

    boss = desk(browser).new_page()
    sign_in(boss, served.url, "cityboss", at="/office.html")
    boss.wait_for_url("**/office.html#/todo")
    boss.get_by_role("menuitem", name="我的考评").click()
    team = boss.get_by_test_id("team")
    expect(team).to_contain_text("王芳")
    expect(team).not_to_contain_text("孙丽")  # 开封 is outside Zhengzhou's subtree
    team.get_by_role("row").filter(has_text="李明").click()
    expect(boss.get_by_test_id("scorecard-handler-410122-2026-11-01").first).to_contain_text("80.0 分")
    expect(boss.get_by_test_id("scorecard-handler-410200-2026-11-01")).to_have_count(0)
    shot(boss, "scorecard-team", PROJECT_ROOT / "docs" / "screenshots")
