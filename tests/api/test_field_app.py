"""The officer's phone app, through the real served build in Debian Chromium (360×740, touch): login,
the new-case wizard to a generated decision document, the deviation flow, and bad input."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
from apitest_support import PASSWORD, SECRET, ZHONGHUA, case_body, ean
from field_support import Served, log_in, phone, shot
from playwright.sync_api import Browser, Page, expect

from api.main import create_app
from zhifa.settings import Settings


def api_as(served: Served, username: str) -> httpx.Client:
    token = httpx.post(f"{served.url}/auth/token", data={"username": username, "password": PASSWORD})
    assert token.status_code == 200, token.text
    headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
    return httpx.Client(base_url=served.url, headers=headers, timeout=30)


def test_login_reaches_home_with_new_case(served: Served, browser: Browser) -> None:
    context = phone(browser)
    page = context.new_page()
    page.goto(f"{served.url}/")
    expect(page.get_by_label("用户名")).to_be_visible()
    shot(page, "01-login")
    page.get_by_label("用户名").fill("li")
    page.get_by_label("密码").fill("wrong-password")
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("alert")).to_contain_text("用户名或密码错误")
    log_in(page, served.url)
    for tab in ("首页", "案件", "扫码", "我的"):
        expect(page.get_by_role("tab", name=tab)).to_be_visible()
    context.close()


def _manual_code(page: Page, code: str) -> None:
    page.get_by_label("手动输入条码").fill(code)
    page.get_by_role("button", name="查询").click()


def _generate(page: Page, name: str) -> None:
    page.get_by_label("生成文书", exact=True).select_option(label=name)
    page.get_by_role("button", name="生成", exact=True).click()
    expect(page.get_by_role("list", name="已生成文书")).to_contain_text(name)


def test_wizard_from_login_to_decision_document(served: Served, browser: Browser) -> None:
    context = phone(browser)  # no camera flags: this browser has no camera
    page = context.new_page()
    log_in(page, served.url)
    page.get_by_role("button", name="新建案件").click()

    # 1 violation, searchable by its Chinese name
    page.get_by_label("违法行为（输入关键字筛选）").fill("进货")
    expect(page.get_by_label("无烟草专卖零售许可证经营烟草制品零售业务")).to_have_count(0)
    page.get_by_label("零售户未在当地烟草专卖批发企业进货").check()
    shot(page, "03-wizard-violation")
    page.get_by_role("button", name="下一步").click()
    # 2 party: an empty name is refused in words
    page.get_by_role("button", name="下一步").click()
    expect(page.get_by_role("alert")).to_have_text("请填写当事人名称")
    page.get_by_label("烟草专卖零售许可证号").fill("410122100009")
    page.get_by_label("当事人名称").fill("钱七")
    page.get_by_label("当事人地址").fill("中牟县城关镇人民路8号")
    page.get_by_role("button", name="下一步").click()
    page.get_by_label("检查地点").fill("中牟县城关镇人民路8号钱七便利店")
    page.get_by_role("button", name="下一步").click()
    # 4 officers: the expired certificate is shown in words and cannot be chosen
    expired = page.get_by_label(re.compile("赵强"))
    expect(expired).to_be_disabled()
    expect(
        page.get_by_text(re.compile(r"执法证已过期（有效期至\d{4}-\d{2}-\d{2}），请更换执法人员"))
    ).to_be_visible()
    expect(page.get_by_label(re.compile("李明"))).to_be_checked()  # the logged-in officer
    page.get_by_label(re.compile("王芳")).check()
    shot(page, "04-wizard-officers")
    page.get_by_role("button", name="下一步").click()
    expect(page.get_by_label("发现时间")).not_to_have_value("")
    page.get_by_role("button", name="保存并采集物品").click()

    # capture: no camera → said so, manual entry works; bad check digit and unknown code are explained
    expect(page.get_by_text("未找到可用的相机")).to_be_visible()
    _manual_code(page, "6901028075016")
    expect(page.get_by_text("条码校验位错误：6901028075016")).to_be_visible()
    unknown = ean("690000000001")
    _manual_code(page, unknown)
    expect(page.get_by_text(re.compile(f"目录中无此条码.*{unknown}"))).to_be_visible()
    page.get_by_role("article", name=f"条码 {unknown}").get_by_role("button", name="不要").click()
    page.get_by_role("article", name="条码 6901028075016").get_by_role("button", name="不要").click()
    _manual_code(page, ZHONGHUA["carton"])
    card = page.get_by_role("article", name=f"条码 {ZHONGHUA['carton']}")
    expect(card).to_contain_text("中华(硬)")
    expect(card).to_contain_text("450.00元/条")  # Henan's own price, not the national 500
    card.get_by_label("数量").fill("10")
    shot(page, "05-capture")
    card.get_by_role("button", name="确认加入").click()
    page.get_by_role("button", name="完成采集").click()

    # the case on the server: valuation, tier, fine
    expect(page.get_by_text("案值合计 4,500.00元")).to_be_visible()
    case_id = page.url.rsplit("/", 1)[1]
    expect(page.get_by_text("裁量档次：")).to_contain_text("二档")
    page.get_by_role("button", name="确认罚款").click()
    expect(page.get_by_role("status").filter(has_text="罚款已确认")).to_be_visible()
    shot(page, "06-case-fine")

    # the next step says what blocks it, in words
    blockers = page.get_by_role("list", name="尚未满足的条件")
    expect(blockers).to_contain_text("立案未经批准")
    expect(page.get_by_role("button", name="进入调查")).to_be_disabled()
    page.get_by_role("button", name="申请立案审批").click()
    expect(page.get_by_text("立案审批：待审批")).to_be_visible()
    head = api_as(served, "head")
    pending = [a for a in head.get("/approvals/pending").json() if a["case_id"] == case_id]
    assert [a["kind"] for a in pending] == ["filing"]
    assert head.post(
        f"/approvals/{pending[0]['approval_id']}/decision", json={"outcome": "approved"}
    ).is_success
    page.reload()
    expect(blockers).to_have_text("缺少文书：现场检查笔录")  # a name, not inspection_record
    _generate(page, "现场检查笔录")
    _generate(page, "立案报告表")
    page.get_by_role("button", name="进入调查").click()
    expect(page.get_by_text("调查取证", exact=True)).to_be_visible()
    _generate(page, "涉案烟草专卖品核价表")
    _generate(page, "行政处罚事先告知书")
    page.get_by_role("button", name="作出处罚决定").click()
    expect(page.get_by_text("已决定", exact=True)).to_be_visible()
    _generate(page, "行政处罚决定书")
    docs = page.get_by_role("list", name="已生成文书")
    docs.get_by_role("listitem").filter(has_text="行政处罚决定书").get_by_role("button", name="预览").click()
    expect(page.get_by_title("文书预览")).to_be_visible()
    shot(page, "07-documents")

    officer = api_as(served, "li")
    case = officer.get(f"/cases/{case_id}").json()
    assert case["status"] == "decided" and case["party_name"] == "钱七"
    assert [(i["barcode"], float(i["quantity"])) for i in case["items"]] == [(ZHONGHUA["carton"], 10.0)]
    dossier = officer.get(f"/cases/{case_id}/dossier").json()
    assert "penalty_decision" in {d["doc_type"] for d in dossier["documents"]}
    context.close()


def test_deviation_goes_to_the_approver(served: Served, browser: Browser) -> None:
    officer = api_as(served, "li")
    case_id = officer.post("/cases", json=case_body(party_name="孙八")).json()["case_id"]
    assert officer.post(
        f"/cases/{case_id}/items", json={"barcode": ZHONGHUA["carton"], "quantity": 10}
    ).is_success
    disc = officer.get(f"/cases/{case_id}/discretion").json()
    base = Decimal(disc["base_amount"])
    above = (base * Decimal(disc["tier_rate_max"]) + 10).quantize(Decimal("1"))
    below = (base * Decimal(disc["tier_rate_min"]) - 10).quantize(Decimal("1"))
    outside = above if above <= Decimal(disc["fine_max"]) else below  # outside the tier, inside the statute
    assert Decimal(disc["fine_min"]) <= outside <= Decimal(disc["fine_max"])
    context = phone(browser)
    page = context.new_page()
    log_in(page, served.url)
    expect(page.get_by_role("list", name="案件列表")).to_contain_text("孙八")
    page.get_by_label("搜索当事人或案号").fill("钱七")  # the wizard's case, by party
    expect(page.get_by_role("list", name="案件列表").get_by_role("listitem")).to_have_count(1)
    expect(page.get_by_role("list", name="案件列表")).to_contain_text("已决定")
    page.get_by_label("搜索当事人或案号").fill("")
    shot(page, "02-home")
    page.get_by_role("tab", name="我的").click()
    expect(page.get_by_text("退出登录不会删除本机待同步的数据")).to_be_visible()
    shot(page, "12-me")
    page.goto(f"{served.url}/#/cases/{case_id}")
    fine = page.get_by_label("拟罚款金额（元）")
    expect(fine).not_to_have_value("")
    fine.fill(str(outside))
    page.get_by_role("button", name="提交偏离审批").click()
    expect(page.get_by_role("alert")).to_have_text("罚款超出裁量档次，须填写偏离理由")
    page.get_by_label("偏离理由（超出裁量档次，须经审批）").fill("初次违法且主动配合调查")
    page.get_by_role("button", name="提交偏离审批").click()
    expect(page.get_by_role("status").filter(has_text="已提交裁量偏离审批")).to_be_visible()
    expect(page.get_by_text("裁量偏离审批：待审批")).to_be_visible()
    shot(page, "08-deviation")
    inbox = api_as(served, "head").get("/approvals/pending").json()
    mine = [a for a in inbox if a["case_id"] == case_id]
    assert [(a["kind"], a["reason"], a["payload"]["fine_amount"]) for a in mine] == [
        ("discretion_deviation", "初次违法且主动配合调查", f"{outside:.2f}")
    ]
    context.close()


def test_shell_served_and_api_paths_untouched(served: Served) -> None:
    index = httpx.get(f"{served.url}/")
    assert index.status_code == 200 and "现场办案" in index.text
    assert index.headers["cache-control"] == "no-cache"
    scripts = [p for p in (served.app.state.settings.web_dist / "assets").iterdir() if p.suffix == ".js"]
    asset = max(scripts, key=lambda p: p.stat().st_size)
    r = httpx.get(f"{served.url}/assets/{asset.name}")
    assert r.status_code == 200 and "immutable" in r.headers["cache-control"]
    assert r.headers["content-encoding"] == "gzip" and r.content == asset.read_bytes()  # httpx unzips
    assert int(r.headers["content-length"]) < asset.stat().st_size / 2
    plain = httpx.get(f"{served.url}/assets/{asset.name}", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers and plain.content == asset.read_bytes()
    again = httpx.get(f"{served.url}/assets/{asset.name}", headers={"If-None-Match": r.headers["etag"]})
    assert again.status_code == 304
    wasm = next(p for p in asset.parent.iterdir() if p.suffix == ".wasm")
    assert httpx.get(f"{served.url}/assets/{wasm.name}").headers["content-type"] == "application/wasm"
    assert httpx.get(f"{served.url}/sw.js").status_code == 200
    # installable: a manifest with the fields browsers require, icons that exist
    manifest = httpx.get(f"{served.url}/manifest.webmanifest")
    assert manifest.headers["content-type"].startswith("application/manifest+json")
    m = manifest.json()
    assert m["name"] and m["start_url"] == "/" and m["display"] == "standalone"
    sizes = {i["sizes"] for i in m["icons"]}
    assert {"192x192", "512x512"} <= sizes
    assert all(httpx.get(f"{served.url}/{i['src']}").status_code == 200 for i in m["icons"])
    # API paths keep their JSON answers
    assert httpx.get(f"{served.url}/cases").json()["code"] == "UNAUTHENTICATED"
    assert httpx.get(f"{served.url}/no-such-path").json()["code"] == "NOT_FOUND"
    assert httpx.get(f"{served.url}/assets/missing.js").status_code == 404


def test_unbuilt_front_end_says_what_to_run(sqlite_template: Path, tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    db = tmp_path / "api.sqlite3"
    db.write_bytes(sqlite_template.read_bytes())
    settings = Settings(
        home=tmp_path, database_url=f"sqlite:///{db}", secret_key=SECRET, web_dist=tmp_path / "none"
    )
    app: Any = create_app(settings)
    with TestClient(app) as client:
        r = client.get("/")
        assert r.status_code == 503 and "make bootstrap" in r.text and "前端页面尚未构建" in r.text
        assert client.get("/health").status_code == 200
    app.state.engine.dispose()
