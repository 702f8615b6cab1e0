"""Resumable photo upload in the field app (issue #16 §5), Debian Chromium at phone size: the connection is
cut after three chunks, the phone goes offline and reloads, comes back — the upload goes on from the
server's offset (no chunk sent twice) and the server's file equals the original byte for byte, once."""

from __future__ import annotations

import hashlib
import os
import random
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
from apitest_support import PASSWORD, PHOTO, case_body
from field_support import Served, log_in, phone, require_build, serve, shot, wait_until
from playwright.sync_api import Browser, Route, expect

from dashboards.browser import CHROMIUM, CHROMIUM_ARGS
from zhifa.settings import PROJECT_ROOT

CHUNK = 64 * 1024


@pytest.fixture(scope="module")
def served(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    require_build()
    for s in serve(sqlite_template, tmp_path_factory.mktemp("field-resumable-home")):
        s.app.state.api_settings = s.app.state.api_settings.model_copy(
            update={"upload_chunk_max_bytes": CHUNK}
        )
        yield s


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


def officer(served: Served) -> httpx.Client:
    token = httpx.post(f"{served.url}/auth/token", data={"username": "li", "password": PASSWORD})
    return httpx.Client(
        base_url=served.url, headers={"Authorization": f"Bearer {token.json()['access_token']}"}, timeout=30
    )


def test_upload_resumes_after_a_cut_and_a_reload(served: Served, browser: Browser, tmp_path: Path) -> None:
    api = officer(served)
    case_id = api.post("/cases", json=case_body(party_name="续传甲")).json()["case_id"]
    rnd = random.Random(16)
    original = PHOTO.read_bytes() + bytes(rnd.getrandbits(8) for _ in range(7 * CHUNK - 1000))
    photo = tmp_path / "现场照片.png"
    photo.write_bytes(original)
    chunks = -(-len(original) // CHUNK)
    assert chunks >= 7

    sent: list[tuple[str, int]] = []  # (session, offset) of every chunk let through
    state: dict[str, Any] = {"cut": True, "aborted": 0}

    def chunk_route(route: Route) -> None:
        if route.request.method != "PUT":
            route.continue_()
            return
        parsed = urlparse(route.request.url)
        offset = int(parse_qs(parsed.query)["offset"][0])
        if state["cut"] and len(sent) >= 3:
            state["aborted"] += 1
            route.abort("internetdisconnected")
            return
        sent.append((parsed.path.rsplit("/", 1)[1], offset))
        route.continue_()

    context = phone(browser)
    context.route(re.compile(r".*/upload-sessions/[0-9a-f]{32}\?offset=\d+$"), chunk_route)
    page = context.new_page()
    log_in(page, served.url)
    wait_until(page, "navigator.serviceWorker.controller !== null", 20_000)
    page.goto(f"{served.url}/#/cases/{case_id}")
    page.get_by_role("button", name="继续扫码 / 拍照").click()
    page.get_by_label("拍摄现场照片").set_input_files(str(photo))
    expect(page.get_by_text("已保存 1 张照片")).to_be_visible()
    for _ in range(200):  # the first three chunks go through, the fourth is cut
        if state["aborted"]:
            break
        page.wait_for_timeout(100)
    assert state["aborted"] and [o for _, o in sent] == [0, CHUNK, 2 * CHUNK]
    session = sent[0][0]
    held = api.get(f"/cases/{case_id}/upload-sessions/{session}").json()
    assert held["received"] == 3 * CHUNK and held["status"] == "open"
    assert api.get(f"/cases/{case_id}/dossier").json()["uploads"] == []
    bar = page.get_by_label("上传进度 现场照片.png")
    expect(bar).to_be_visible()  # where it stopped: three chunks, at most the cut one's bytes more
    assert 3 * CHUNK / len(original) <= float(bar.get_attribute("value") or 0) <= 4 * CHUNK / len(original)
    shot(page, "13-upload-interrupted")

    context.set_offline(True)
    page.reload()  # the queue, with the session's id, is in IndexedDB
    expect(page.get_by_role("link", name=re.compile("待同步"))).to_contain_text("待同步 1")
    state["cut"] = False
    context.set_offline(False)
    expect(page.get_by_role("link", name="已同步")).to_be_visible(timeout=60_000)

    # on from the server's offset, each chunk once, in one session
    assert sent == [(session, n * CHUNK) for n in range(chunks)]
    [upload] = api.get(f"/cases/{case_id}/dossier").json()["uploads"]
    assert upload["sha256"] == hashlib.sha256(original).hexdigest() and upload["size"] == len(original)
    got = api.get(f"/cases/{case_id}/uploads/{upload['upload_id']}/content").content
    assert got == original
    stored = [p for p in (served.home / "uploads").glob("??/*") if p.read_bytes() == original]
    assert len(stored) == 1 and not (served.home / "uploads" / ".partial" / session).exists()
    context.close()


def test_the_portable_sha256_matches_hashlib(tmp_path: Path) -> None:
    """Plain-http intranets have no crypto.subtle: the phone then hashes with web/src/shared/sha256.js,
    run here by Node on the padding edge cases and a multi-slice file, against hashlib."""
    node = shutil.which("node")
    if node is None:
        pytest.skip("node absent (it builds the web app)")
    rnd = random.Random(5)
    sizes = [0, 1, 55, 56, 63, 64, 65, 119, 120, 1000, 4 * 1024 * 1024 + 3]
    for n in sizes:
        (tmp_path / f"{n}.bin").write_bytes(
            bytes(rnd.getrandbits(8) for _ in range(n)) if n < 5000 else os.urandom(n)
        )
    module = (PROJECT_ROOT / "web" / "src" / "shared" / "sha256.js").as_uri()
    script = (
        f"const {{ sha256Portable }} = await import('{module}');"
        "const fs = await import('node:fs');"
        f"for (const n of {sizes}) {{"
        f"  const b = new Blob([fs.readFileSync('{tmp_path}/' + n + '.bin')]);"
        "  console.log(n + ' ' + await sha256Portable(b)); }"
    )
    out = subprocess.run(
        [node, "--input-type=module", "-e", script], capture_output=True, text=True, check=True
    )
    got = dict(line.split() for line in out.stdout.splitlines())
    assert got == {str(n): hashlib.sha256((tmp_path / f"{n}.bin").read_bytes()).hexdigest() for n in sizes}
