"""The field app with a fake camera and without network, in Debian Chromium (360×740, touch): a real
barcode photo played as the camera decodes on the device to the right product; a case with two items
and a photo captured offline survives a reload and reaches the server exactly once; a lost session
and a server refusal during sync keep the queue."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from apitest_support import PASSWORD, PHOTO, PHOTO_CODE, YUXI, ZHONGHUA, case_body
from field_support import (
    Served,
    log_in,
    phone,
    require_build,
    serve,
    shot,
    wait_until,
    y4m_from_photo,
)
from playwright.sync_api import Browser, Page, Route, expect, sync_playwright

from dashboards.browser import CHROMIUM, CHROMIUM_ARGS


@pytest.fixture(scope="module")
def served(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    require_build()
    yield from serve(sqlite_template, tmp_path_factory.mktemp("field-offline-home"))


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Browser]:
    """A camera that films the barcode photo; access to it is granted per context (or refused)."""
    video = y4m_from_photo(PHOTO, tmp_path_factory.mktemp("camera") / "carton.y4m")
    args = [
        *CHROMIUM_ARGS,
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-video-capture={video}",
    ]
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=args, headless=True)
        yield b
        b.close()


def api_as(served: Served, username: str) -> httpx.Client:
    token = httpx.post(f"{served.url}/auth/token", data={"username": username, "password": PASSWORD})
    return httpx.Client(
        base_url=served.url, headers={"Authorization": f"Bearer {token.json()['access_token']}"}, timeout=30
    )


def _cases_of(served: Served, party: str) -> list[dict]:
    return [c for c in api_as(served, "li").get("/cases?limit=500").json() if c["party_name"] == party]


def _wizard(page: Page, party: str) -> None:
    page.get_by_role("button", name="新建案件").click()
    page.get_by_label("零售户未在当地烟草专卖批发企业进货").check()
    page.get_by_role("button", name="下一步").click()
    page.get_by_label("当事人名称").fill(party)
    page.get_by_role("button", name="下一步").click()
    page.get_by_role("button", name="下一步").click()
    page.get_by_label(re.compile("王芳")).check()
    page.get_by_role("button", name="下一步").click()
    page.get_by_role("button", name="保存并采集物品").click()
    expect(page.get_by_role("button", name="完成采集")).to_be_visible()


def _add(page: Page, code: str, quantity: str) -> None:
    page.get_by_label("手动输入条码").fill(code)
    page.get_by_role("button", name="查询").click()
    card = page.get_by_role("article", name=f"条码 {code}")
    card.get_by_label("数量").fill(quantity)
    card.get_by_role("button", name="确认加入").click()
    expect(card).to_have_count(0)


def _controlled(page: Page) -> None:
    """The service worker installed and controlling the page (the shell is precached)."""
    wait_until(page, "navigator.serviceWorker.controller !== null", 20_000)


def test_fake_camera_decodes_the_carton_on_the_device(served: Served, browser: Browser) -> None:
    context = phone(browser, permissions=["camera"])
    outside: list[str] = []  # the intranet has no internet: anything not ours is blocked and recorded

    def block(route: Route) -> None:
        outside.append(route.request.url)
        route.abort()

    context.route(re.compile(r"^https?://(?!127\.0\.0\.1[:/])"), block)
    page = context.new_page()
    wasm_requests: list[str] = []
    page.on("request", lambda r: wasm_requests.append(r.url) if r.url.endswith(".wasm") else None)
    log_in(page, served.url)
    page.get_by_role("tab", name="扫码").click()
    hit = page.get_by_role("list", name="识别结果").get_by_role("listitem").first
    expect(hit).to_contain_text("照片样品(硬)", timeout=30_000)
    expect(hit).to_contain_text(PHOTO_CODE)
    expect(hit).to_contain_text("100.00元/条")
    shot(page, "09-scan")
    # decoded by our own .wasm (no CDN), on the device: /scan was never called
    assert wasm_requests and all(u.startswith(served.url + "/assets/") for u in wasm_requests)
    assert outside == []
    timings = page.evaluate("window.__zhifaScanMs")
    assert [t["via"] for t in timings] == ["camera"] and timings[0]["code"] == PHOTO_CODE
    # the same code again is not a new hit (de-duplication) while it is on screen
    page.wait_for_timeout(1000)
    assert len(page.evaluate("window.__zhifaScanMs")) == 1
    context.close()


def test_camera_refused_is_explained(served: Served, browser: Browser) -> None:
    context = phone(browser)  # no camera permission: the prompt is refused
    page = context.new_page()
    log_in(page, served.url)
    page.get_by_role("tab", name="扫码").click()
    expect(page.get_by_role("alert")).to_contain_text("相机权限被拒绝")
    expect(page.get_by_label("手动输入条码")).to_be_visible()
    context.close()


def test_offline_capture_survives_reload_and_syncs_once(served: Served, browser: Browser) -> None:
    context = phone(browser)
    page = context.new_page()
    log_in(page, served.url)
    _controlled(page)
    page.reload()  # let the app cache reference data, officers and the catalog under the worker
    expect(page.get_by_role("button", name="新建案件")).to_be_visible()
    wait_until(page, "navigator.serviceWorker.controller !== null")
    page.wait_for_timeout(500)

    context.set_offline(True)
    _wizard(page, "离线甲")
    _add(page, ZHONGHUA["carton"], "5")
    _add(page, YUXI["pack"], "20")
    page.get_by_label("拍摄现场照片").set_input_files(str(PHOTO))
    expect(page.get_by_text("已保存 1 张照片")).to_be_visible()
    badge = page.get_by_role("link", name=re.compile("待同步"))
    expect(badge).to_contain_text("待同步 4")  # the case, two lines, one photo
    shot(page, "10-offline-capture")
    page.reload()
    expect(page.get_by_role("button", name="完成采集")).to_be_visible()
    expect(badge).to_contain_text("待同步 4")
    assert _cases_of(served, "离线甲") == []

    # back online, and the answers to the case's create and to the photo's upload session are lost on the
    # way: sent and stored, never seen by the phone, which sends them again under the same keys
    lost: dict[str, str] = {}

    def drop_first_answer(route: Route) -> None:
        kind = "upload" if route.request.url.endswith("/upload-sessions") else "case"
        if route.request.method == "POST" and kind not in lost:
            lost[kind] = route.request.headers.get("idempotency-key", "")
            route.fetch()
            route.abort()
        else:
            route.continue_()

    page.route(re.compile(r".*/cases(/[^/]+/upload-sessions)?$"), drop_first_answer)
    context.set_offline(False)
    expect(page.get_by_role("link", name="已同步")).to_be_visible(timeout=60_000)
    assert set(lost) == {"case", "upload"} and all(lost.values())
    found = _cases_of(served, "离线甲")
    assert len(found) == 1, found
    items = sorted((i["barcode"], float(i["quantity"])) for i in found[0]["items"])
    assert items == sorted([(ZHONGHUA["carton"], 5.0), (YUXI["pack"], 2.0)])  # 20 packs = 2 cartons
    uploads = api_as(served, "li").get(f"/cases/{found[0]['case_id']}/dossier").json()["uploads"]
    assert [u["media_type"] for u in uploads] == ["image/png"]
    context.close()


def test_expired_session_offline_keeps_the_queue(served: Served, browser: Browser) -> None:
    context = phone(browser)
    page = context.new_page()
    log_in(page, served.url)
    _controlled(page)
    context.set_offline(True)
    _wizard(page, "离线乙")
    _add(page, ZHONGHUA["carton"], "1")
    page.evaluate("localStorage.setItem('zhifa.token', 'expired-token')")
    page.reload()  # the app now holds a token the server will refuse
    context.set_offline(False)
    expect(page.get_by_label("用户名")).to_be_visible(timeout=60_000)
    expect(page.get_by_role("status")).to_contain_text("登录已过期")
    assert _cases_of(served, "离线乙") == []
    page.get_by_label("用户名").fill("li")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("link", name="已同步")).to_be_visible(timeout=60_000)
    assert len(_cases_of(served, "离线乙")) == 1
    context.close()


def test_server_refusal_stays_queued_with_its_reason(served: Served, browser: Browser) -> None:
    officer = api_as(served, "li")
    case_id = officer.post("/cases", json=case_body(party_name="冲突丙")).json()["case_id"]
    context = phone(browser)
    page = context.new_page()
    log_in(page, served.url)
    page.goto(f"{served.url}/#/cases/{case_id}")
    page.get_by_role("button", name="继续扫码 / 拍照").click()
    context.set_offline(True)
    _add(page, ZHONGHUA["carton"], "2")
    # meanwhile the office withdraws the case
    withdrawn = officer.post(f"/cases/{case_id}/transitions", json={"to": "withdrawn", "reason": "撤销立案"})
    assert withdrawn.status_code == 200, withdrawn.text
    context.set_offline(False)
    page.get_by_role("link", name=re.compile("待同步")).click()
    refusal = page.get_by_role("alert")
    expect(refusal).to_contain_text("冲突（案件已在其他地方被修改，未覆盖）", timeout=60_000)
    expect(refusal).to_contain_text("“已撤销” 状态的案件不能修改")  # a status in words, not a code
    expect(page.get_by_text(re.compile("中华\\(硬\\) 2条"))).to_be_visible()
    shot(page, "11-sync-conflict")
    assert officer.get(f"/cases/{case_id}").json()["items"] == []
    page.get_by_role("button", name="放弃此项").click()
    expect(page.get_by_text("全部已同步")).to_be_visible()
    context.close()
