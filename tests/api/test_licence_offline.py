"""The licence on-site check with no signal (#23), Debian Chromium on a phone (360×740, fake GPS): the
officer opens the assigned task online (the task and its layout data are kept on the phone), loses the
network, records GPS, two photos and the applicant's signature; the distance rule is explained on the phone
in the server's words; the record waits as 待同步, survives a reload, and once online is sent — the first
answer lost on the way, the retry under the same Idempotency-Key stored once — and is on the server. A
record without GPS is not queued (the phone says so at the site); a record the server refuses on sync (the
other officer recorded the check meanwhile) stays on the phone with the reason until the officer discards
it."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from field_support import Served, log_in, phone, shot, wait_until
from licence_support import body, licensed_neighbour, north, onsite, png, seed, to_site_check
from playwright.sync_api import Browser, Route, expect

CACHED = """new Promise((done) => {{
  const open = indexedDB.open('zhifa')
  open.onsuccess = () => {{
    const get = open.result.transaction('cache').objectStore('cache').get('licence-layout:{app_id}')
    get.onsuccess = () => done(!!get.result)
  }}
}})"""


def test_onsite_check_offline_is_queued_survives_reload_and_syncs_once(
    served: Served, browser: Browser, api: Any, tmp_path: Path
) -> None:
    li, wang, head = api.login("li"), api.login("wang"), api.login("head")
    neighbour = licensed_neighbour(api, li, head, wang)
    gap = float(
        seed("ref_layout_rules.csv", city_code="410100", kind="retailer_min_distance")[0]["distance_m"]
    )
    site = north(23.4)
    wanted = body("中牟县青年路3号", site, name="赵六")
    app_id = to_site_check(api, li, head, wanted)
    photos = []
    for name in ("front.png", "street.png"):
        (tmp_path / name).write_bytes(png())
        photos.append(str(tmp_path / name))

    context = phone(browser, geolocation={"latitude": site[0], "longitude": site[1], "accuracy": 8})
    context.grant_permissions(["geolocation"])
    page = context.new_page()
    log_in(page, served.url, "wang")
    wait_until(page, "navigator.serviceWorker.controller !== null", 20_000)  # the shell works offline
    page.get_by_role("button", name="许可实地核查").click()
    page.get_by_text(wanted["shop_name"]).click()
    wait_until(page, CACHED.format(app_id=app_id))

    context.set_offline(True)
    page.get_by_role("button", name="记录现场定位").click()
    expect(page.get_by_test_id("gps")).to_contain_text(f"{site[0]:.6f}")
    rule = f"距最近零售户 23 米，低于本区最小间距 {gap:g} 米"
    layout = page.get_by_test_id("layout")
    expect(layout).to_contain_text(rule)  # computed on the phone from the kept layout data
    expect(layout).to_contain_text(neighbour)
    page.get_by_label("现场照片").set_input_files(photos)
    page.get_by_label("申请人签名").fill("赵六")
    page.get_by_role("button", name="提交核查记录").click()
    expect(page.get_by_test_id("queued")).to_contain_text("待联网后自动同步")
    badge = page.get_by_role("link", name=re.compile("待同步"))
    expect(badge).to_contain_text("待同步 1")
    shot(page, "15-licence-offline")
    page.reload()
    expect(page.get_by_test_id("queued")).to_be_visible()
    expect(badge).to_contain_text("待同步 1")
    expect(layout).to_contain_text(rule)
    assert api.get(f"/licensing/applications/{app_id}/onsite", headers=head).status_code == 404

    # back online; the server stores the first send but its answer is lost: the phone sends it again
    keys: list[str] = []

    def lose_first_answer(route: Route) -> None:
        keys.append(route.request.headers.get("idempotency-key", ""))
        if len(keys) == 1:
            route.fetch()
            route.abort()
        else:
            route.continue_()

    page.route(re.compile(rf".*/licensing/applications/{app_id}/onsite$"), lose_first_answer)
    context.set_offline(False)
    expect(page.get_by_test_id("submitted")).to_contain_text("不符合合理布局要求", timeout=30_000)
    expect(page.get_by_role("link", name="已同步")).to_be_visible()
    assert len(keys) == 2 and keys[0] == keys[1] != "", keys
    stored = api.get(f"/licensing/applications/{app_id}/onsite", headers=head).json()
    assert (stored["photos"], stored["signed_by"], stored["passed"]) == (2, "赵六", False)
    assert (round(stored["lat"], 6), round(stored["lon"], 6)) == (round(site[0], 6), round(site[1], 6))
    assert rule in [o["text_zh"] for o in stored["outcomes"]]
    assert api.get("/licensing/onsite-tasks", headers=wang).json() == []

    # offline, a record without GPS is not queued: the phone says what is missing while still at the site
    other = to_site_check(api, li, head, body("中牟县青年路9号", north(500), name="钱七"))
    page.goto(f"{served.url}/#/licence-checks")
    page.get_by_text("钱七便利店").click()
    wait_until(page, CACHED.format(app_id=other))
    context.set_offline(True)
    page.get_by_label("现场照片").set_input_files(photos[:1])
    page.get_by_label("申请人签名").fill("钱七")
    page.get_by_role("button", name="提交核查记录").click()
    expect(page.get_by_role("alert")).to_contain_text("尚缺现场定位")
    # the badge: offline, nothing waiting
    expect(page.get_by_role("link", name="离线", exact=True)).to_be_visible()
    page.get_by_role("button", name="记录现场定位").click()
    page.get_by_role("button", name="提交核查记录").click()
    expect(page.get_by_test_id("queued")).to_be_visible()
    # meanwhile the other assigned officer records the check: on sync the server refuses the phone's record,
    # which stays on the phone with the reason until the officer discards it; the server keeps li's record
    assert onsite(api, li, other, north(500)).status_code == 201
    context.set_offline(False)
    refused = page.get_by_test_id("refused")
    expect(refused).to_contain_text("实地核查记录已提交", timeout=30_000)
    page.reload()
    expect(refused).to_contain_text("实地核查记录已提交")
    expect(badge).to_contain_text("待同步 1")
    page.get_by_role("button", name="放弃此记录").click()
    expect(page.get_by_role("link", name="已同步")).to_be_visible()
    expect(refused).to_have_count(0)
    stored = api.get(f"/licensing/applications/{other}/onsite", headers=head).json()
    assert (stored["photos"], stored["signed_by"]) == (1, "张三")  # li's record, not the phone's
    context.close()
