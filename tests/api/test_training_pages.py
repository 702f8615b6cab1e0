"""The training page (培训) in Chromium: a manager sees the needs of the subtree with their evidence, assigns
the recommended course from a need row, and the effect table with its small-sample label; the officer marks
the course done (refused without a score or certificate, then with a score)."""

from __future__ import annotations

from datetime import timedelta

from field_support import Served, shot, wait_until
from office_pages_support import desk, sign_in
from playwright.sync_api import Browser, expect
from training_support import publish

from zhifa.clock import today
from zhifa.settings import PROJECT_ROOT

SCREENSHOTS = PROJECT_ROOT / "docs" / "screenshots"


def test_manager_assigns_from_a_need_and_the_officer_completes(served: Served, browser: Browser) -> None:
    publish(served.app.state.settings.serve_warehouse_path)
    page = desk(browser).new_page()
    sign_in(page, served.url, "cityboss")
    page.wait_for_url("**/office.html#/todo")
    page.get_by_role("menuitem", name="培训").click()
    page.wait_for_url("**/office.html#/training")
    needs = page.get_by_test_id("training-needs")
    row = needs.get_by_role("row").filter(has_text="李明")
    expect(row).to_contain_text("涉案物品核价实务")
    expect(row).to_contain_text("核价单价与价格目录一致（R034）6/10")
    expect(needs).not_to_contain_text("O410200001")  # Kaifeng's officer is outside Zhengzhou's subtree
    effect = page.get_by_test_id("training-effect")
    expect(effect.get_by_role("row").filter(has_text="法律适用与案件移送")).to_contain_text(
        "样本过小，仅供参考"
    )
    expect(effect.get_by_role("row").filter(has_text="告知、听证与法制审核")).to_contain_text("-29.0")
    row.get_by_role("button", name="分配").click()
    expect(page.get_by_label("课程", exact=True)).to_have_value("TC04")
    page.get_by_label("完成期限").fill("2099-01-01")
    page.get_by_role("button", name="分配", exact=True).last.click()
    expect(page.get_by_role("alert").filter(has_text="完成期限不能晚于")).to_be_visible()  # the API's words
    page.get_by_label("完成期限").fill((today() + timedelta(days=7)).isoformat())
    page.get_by_label("执法人员（可多选）").select_option(["O410122001"])
    page.get_by_role("button", name="分配", exact=True).last.click()
    expect(page.get_by_test_id("training-notice")).to_contain_text("已分配 1 人：涉案物品核价实务")
    expect(
        page.get_by_test_id("training-assignments").get_by_role("row").filter(has_text="李明")
    ).to_contain_text("待完成")
    shot(page, "training-needs", SCREENSHOTS)

    page = desk(browser).new_page()
    sign_in(page, served.url, "li")
    wait_until(page, "localStorage.getItem('zhifa.user') !== null")  # an officer lands on the field app
    page.goto(f"{served.url}/office.html#/training")
    mine = page.get_by_test_id("my-training")
    mine.get_by_role("button", name="标记完成").click()
    expect(page.get_by_role("alert").filter(has_text="请上传结业证书或填写考试成绩")).to_be_visible()
    page.get_by_label("考试成绩（涉案物品核价实务）").fill("92")
    mine.get_by_role("button", name="标记完成").click()
    expect(page.get_by_test_id("training-notice")).to_contain_text("已登记完成：涉案物品核价实务")
    expect(mine.get_by_role("row").filter(has_text="涉案物品核价实务")).to_contain_text("成绩 92")
    shot(page, "training-mine", SCREENSHOTS)
