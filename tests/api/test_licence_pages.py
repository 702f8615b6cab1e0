"""Licensing in the real served build (#23), Debian Chromium: the office counter (1366×768) receives an
application, its completeness check names every missing item at once, then accepts it; the officer's phone
(fake GPS 23 m from a licensed shop, a photo) records the on-site check and shows the distance rule broken
in words; the approver refuses with that reason."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from field_support import PROJECT_ROOT, Served, log_in, phone, shot
from licence_support import NEW_MATERIALS, PDF, body, licensed_neighbour, north, png, seed
from office_pages_support import desk, sign_in
from playwright.sync_api import Browser, expect

SCREENSHOTS = PROJECT_ROOT / "docs" / "screenshots"


def _file(tmp: Path, name: str, data: bytes) -> str:
    path = tmp / name
    path.write_bytes(data)
    return str(path)


def test_counter_onsite_and_refusal_in_the_browser(
    served: Served, browser: Browser, api: Any, tmp_path: Path
) -> None:
    li, wang, head = api.login("li"), api.login("wang"), api.login("head")
    licensed_neighbour(api, li, head, wang)
    names = {
        r["material_code"]: r["name_zh"] for r in seed("ref_licence_materials.csv", application_kind="new")
    }
    gap = seed("ref_layout_rules.csv", city_code="410100", kind="retailer_min_distance")[0]["distance_m"]
    site = north(23.4)
    wanted = body("中牟县青年路3号", site)

    office = desk(browser).new_page()
    sign_in(office, served.url, "head", "/office.html")
    office.wait_for_url("**/office.html#/todo")
    office.get_by_role("menuitem", name="许可受理").click()
    for label, key in (
        ("申请人", "applicant_name"),
        ("字号名称", "shop_name"),
        ("经营地址", "place_address"),
    ):
        office.get_by_label(label, exact=True).fill(str(wanted[key]))
    office.get_by_label("纬度").fill(str(site[0]))
    office.get_by_label("经度").fill(str(site[1]))
    office.get_by_role("button", name="接收申请").click()
    card = office.get_by_test_id("application")
    expect(card).to_contain_text("已接收")
    pdf = _file(tmp_path, "form.pdf", PDF)
    office.get_by_label(f"上传{names[NEW_MATERIALS[0]]}").set_input_files(pdf)
    expect(card).to_contain_text("已上传")
    office.get_by_role("button", name="完整性检查").click()
    notice = office.get_by_test_id("correction")
    expect(notice).to_contain_text("、".join(names[c] for c in NEW_MATERIALS[1:]))
    shot(office, "licence-counter-correction", SCREENSHOTS)
    for code in NEW_MATERIALS[1:]:
        office.get_by_label(f"上传{names[code]}").set_input_files(pdf)
        expect(card.get_by_role("row").filter(has_text=names[code])).to_contain_text("已上传")
    office.get_by_role("button", name="完整性检查").click()
    expect(card).to_contain_text("已受理")
    office.get_by_label("实地核查人员").fill("li, wang")
    office.get_by_role("button", name="指派实地核查").click()
    expect(office.get_by_text("已指派实地核查：li、wang")).to_be_visible()  # stored before the phone asks
    shot(office, "licence-counter-accepted", SCREENSHOTS)
    app_id = api.get("/licensing/onsite-tasks", headers=wang).json()[0]["application_id"]

    context = phone(browser, geolocation={"latitude": site[0], "longitude": site[1], "accuracy": 8})
    context.grant_permissions(["geolocation"])
    mobile = context.new_page()
    log_in(mobile, served.url, "wang")
    mobile.get_by_role("button", name="许可实地核查").click()
    mobile.get_by_text(wanted["shop_name"]).click()
    mobile.get_by_role("button", name="记录现场定位").click()
    expect(mobile.get_by_test_id("gps")).to_contain_text(f"{site[0]:.6f}")
    rule = f"距最近零售户 23 米，低于本区最小间距 {float(gap):g} 米"
    expect(mobile.get_by_test_id("layout")).to_contain_text(rule)
    mobile.get_by_label("现场照片").set_input_files(_file(tmp_path, "site.png", png()))
    mobile.get_by_label("申请人签名").fill("张三")
    mobile.get_by_role("button", name="提交核查记录").click()
    expect(mobile.get_by_test_id("submitted")).to_contain_text("不符合合理布局要求")
    shot(mobile, "licence-onsite", SCREENSHOTS)
    assert api.get(f"/licensing/applications/{app_id}", headers=head).json()["status"] == "accepted"

    office.get_by_role("row").filter(has_text=app_id).click()
    office.get_by_role("button", name="不予许可").click()
    expect(office.get_by_test_id("reasons")).to_contain_text(rule)
    shot(office, "licence-refused", SCREENSHOTS)
    if os.environ.get("ZHIFA_UPDATE_SCREENSHOTS") == "1":
        assert (SCREENSHOTS / "licence-onsite.png").is_file()
