"""The case page's three-systems panel in the browser (#18): what blocks archiving is listed in words, an
approver publishes the drafted public text from the page, and the archived volume is shown with its number."""

from __future__ import annotations

import io
from typing import Any

from apitest_support import PASSWORD
from case_flow_support import closed_case, generate, major_case_ready_to_decide, move
from field_support import Served, shot
from office_pages_support import SCREENSHOTS, desk, sign_in
from PIL import Image
from playwright.sync_api import Browser, expect

from api.platform.services.users import create_user


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


def _legal_review(api: Any, li: dict[str, str], case_id: str) -> None:
    legal = api.login("legal")
    approval = api.post(f"/cases/{case_id}/approvals", json={"kind": "legal_review"}, headers=li).json()
    items = api.get("/legal-review/checklist", headers=legal).json()
    body = {
        "outcome": "approved",
        "conclusion": "同意",
        "note": "事实清楚，证据确凿。",
        "checklist": [{"item": i["item_code"], "result": "confirmed"} for i in items],
    }
    r = api.post(f"/approvals/{approval['approval_id']}/decision", json=body, headers=legal)
    assert r.status_code == 200, r.text


def test_discussion_and_supplement_from_the_case_page(served: Served, browser: Browser, api: Any) -> None:
    """A complex case's collective discussion is recorded on the case page (and then no longer blocks the
    decision); after archiving, a correction is appended as a supplementary file with its reason."""
    li, head = api.login("li"), api.login("head")
    case_id = closed_case(api, li, head, to="investigating")
    assert api.patch(f"/cases/{case_id}", json={"marked_complex": True}, headers=li).status_code == 200
    _legal_review(api, li, case_id)

    with served.app.state.sessionmaker() as session:  # the county's deputy head: an officer at the desk
        create_user(session, "deputy", PASSWORD, "410122", ["officer", "approver"], None)
        session.commit()
    context = desk(browser)
    page = context.new_page()
    sign_in(page, served.url, "deputy", at="/office.html")
    page.wait_for_url("**/office.html#/todo")
    page.goto(f"{served.url}/office.html#/cases/{case_id}")
    panel = page.locator(".el-card").filter(has_text="三项制度与归档")
    expect(panel).to_contain_text("须经负责人集体讨论")
    page.get_by_label("参加人员（以顿号或逗号分隔，至少三人）").fill("局长甲、副局长乙")
    page.get_by_label("讨论结论").fill("同意按裁量基准处罚")
    page.get_by_role("button", name="记录集体讨论").click()
    expect(panel).to_contain_text("至少三名负责人")  # refused in words, nothing recorded
    page.get_by_label("参加人员（以顿号或逗号分隔，至少三人）").fill("局长甲、副局长乙、副局长丙")
    page.get_by_role("button", name="记录集体讨论").click()
    expect(panel).to_contain_text("法制审核与集体讨论已完成")
    discussions = api.get(f"/cases/{case_id}/dossier", headers=li).json()["documents"]
    assert [d["doc_type"] for d in discussions].count("collective_discussion") == 1

    move(api, li, case_id, "decided")
    penalty = generate(api, li, case_id, "penalty_decision")
    generate(api, li, case_id, "service_receipt", served_document_id=penalty["document_id"])
    for step in ("served", "executed", "closed"):
        move(api, li, case_id, step)
    for doc_type in ("inquiry_record", "investigation_report", "handling_approval", "payment_receipt",
                     "closing_report"):  # fmt: skip
        generate(api, li, case_id, doc_type)
    assert api.post(f"/cases/{case_id}/archive", headers=li).status_code == 201
    page.reload()
    expect(panel).to_contain_text("卷宗编号")
    expect(panel).to_contain_text("无。")
    png = io.BytesIO()
    Image.new("RGB", (60, 30), "white").save(png, format="PNG")
    page.get_by_label("补充材料（PDF 或图片）").set_input_files(
        {"name": "更正说明.png", "mimeType": "image/png", "buffer": png.getvalue()}
    )
    page.get_by_label("补充或更正理由").fill("当事人地址笔误更正")
    page.get_by_role("button", name="追加到卷宗").click()
    expect(panel).to_contain_text("补充材料：更正说明.png：当事人地址笔误更正")
    assert api.get(f"/cases/{case_id}/archive/verification", headers=li).json()["ok"] is True
    shot(page, "case-discussion-supplement", SCREENSHOTS)
    context.close()


def test_the_city_records_a_county_major_case_report_from_its_todo(
    served: Served, browser: Browser, api: Any
) -> None:
    """A county case found major (大案) owes the city a report within hours: it is in the city's 待办 with
    its reason and due time, recorded there with a note, and then gone from the list."""
    li, head, city = api.login("li"), api.login("head"), api.login("cityboss")
    case_id, _ = major_case_ready_to_decide(api, li, head)
    reports = api.get(f"/cases/{case_id}/upward-reports", headers=li).json()
    major = next(r for r in reports if r["kind"] == "major_case")
    assert major["to_unit"] == "410100" and major["acknowledged_at"] is None

    page = desk(browser).new_page()
    sign_in(page, served.url, "cityboss", at="/office.html")
    page.wait_for_url("**/office.html#/todo")
    row = page.get_by_test_id("todo-upward").get_by_role("row").filter(has_text=case_id)
    expect(row).to_contain_text(major["name_zh"])
    row.get_by_role("button", name="登记").click()
    expect(page.get_by_role("alert")).to_contain_text("请填写登记意见")  # nothing sent without a note
    row.get_by_label(f"{major['name_zh']}登记意见").fill("已收悉，请按时报送调查终结报告")
    shot(page, "todo-upward-reports", SCREENSHOTS)
    row.get_by_role("button", name="登记").click()
    expect(page.get_by_test_id("todo-upward").get_by_role("row").filter(has_text=case_id)).to_have_count(0)
    recorded = {r["kind"]: r for r in api.get(f"/cases/{case_id}/upward-reports", headers=city).json()}
    assert recorded["major_case"]["acknowledged_at"] is not None
    assert recorded["major_case"]["note"] == "已收悉，请按时报送调查终结报告"
    page.context.close()
