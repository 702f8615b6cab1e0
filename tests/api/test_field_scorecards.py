"""我的考评 on the phone (issue #19 §3): an officer with no office role — sent to the field app at login —
sees their own scorecards there, each point explained; never another person's."""

from __future__ import annotations

from field_support import Served, log_in, phone, shot
from playwright.sync_api import Browser, expect
from scorecard_support import publish


def test_an_officer_sees_their_own_scorecards_on_the_phone(served: Served, browser: Browser) -> None:
    publish(served.app.state.settings.serve_warehouse_path)
    page = phone(browser).new_page()
    log_in(page, served.url)  # 李明, officer of 中牟县 only
    page.goto(f"{served.url}/#/me")
    page.get_by_text("我的考评").click()
    home = page.get_by_test_id("scorecard-handler-410122-2026-11-01")
    expect(home).to_contain_text("80.0 分")  # quality 75 × 50 % + disparity 100 × 20 % + timeliness 75 × 30 %
    expect(home.get_by_test_id("sum")).to_contain_text("37.50 + 20.00 + 22.50 = 80.00")
    expect(home).to_contain_text("原始值 90.0，得分 75.0")
    # the same month in 开封, where he also decided cases: a second card, one component re-weighted to 100 %
    moved = page.get_by_test_id("scorecard-handler-410200-2026-11-01")
    expect(moved).to_contain_text("100.0 分")
    expect(moved).to_contain_text("权重按有数据的指标重新分配")
    expect(page.get_by_test_id("scorecard-handler-410122-2026-10-01")).to_be_visible()
    expect(page.locator("article")).to_have_count(3)  # 王芳's and 孙丽's cards are not his
    shot(page, "14-my-scorecards")
    page.context.close()
