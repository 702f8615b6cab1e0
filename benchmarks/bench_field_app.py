"""Field app (the officer's phone) benchmark: app-shell size compressed, Lighthouse mobile scores of the
login, home and new-case pages, and the time from a camera frame to the product on screen.

    uv run python benchmarks/bench_field_app.py [--scans N] [--skip-lighthouse]

Needs the built app (``make bootstrap``) and, for Lighthouse, ``npm ci`` in benchmarks/lighthouse (done
here when missing; Lighthouse is pinned by that folder's lock). The app is served by the real API on a
SQLite store seeded with the API tests' catalog and users, on 127.0.0.1 only. Lighthouse runs its
default mobile profile (Moto G-class device, simulated slow 4G) against Debian's Chromium, which
Playwright has logged in first (``--disable-storage-reset`` keeps that session). The fake camera plays a
real barcode photo (tests/api: same helpers as the browser tests).
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DIST = ROOT / "web" / "dist"
LIGHTHOUSE_DIR = ROOT / "benchmarks" / "lighthouse"
sys.path.insert(0, str(ROOT / "tests" / "api"))

import apitest_support  # noqa: E402
import conftest  # noqa: E402
import field_support  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402


def _load() -> float:
    return round(os.getloadavg()[0], 1)


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


# --- (1) app shell ----------------------------------------------------------------------------------------
def shell_size() -> dict[str, Any]:
    """What the first visit downloads before the login page can draw: index.html, the files it links
    (entry script, its CSS, modulepreloads, the service-worker registration) and the manifest; gzip -9.
    The decoder (zxing reader chunk + .wasm) is loaded only when the camera opens: listed apart."""
    html = (DIST / "index.html").read_text(encoding="utf-8")
    names = ["index.html", *re.findall(r'(?:src|href)="/([^"]+)"', html)]
    files = sorted({n for n in names if (DIST / n).is_file()})
    raw = {n: (DIST / n).read_bytes() for n in files}
    lazy = [p for p in (DIST / "assets").iterdir() if p.name.startswith(("reader-", "zxing_reader"))]
    return {
        "files": {n: len(gzip.compress(b, 9)) for n, b in raw.items()},
        "shell_raw": sum(len(b) for b in raw.values()),
        "shell_gzip": sum(len(gzip.compress(b, 9)) for b in raw.values()),
        "decoder_gzip": sum(len(gzip.compress(p.read_bytes(), 9)) for p in lazy),
    }


# --- (2) Lighthouse -----------------------------------------------------------------------------------------
def _lighthouse_bin() -> Path:
    binary = LIGHTHOUSE_DIR / "node_modules" / ".bin" / "lighthouse"
    if not binary.exists():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=LIGHTHOUSE_DIR, check=True)
    return binary


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def lighthouse(url: str, pages: dict[str, str]) -> dict[str, dict[str, float]]:
    binary = _lighthouse_bin()
    port = _free_port()
    profile = tempfile.mkdtemp(prefix="zhifa-lh-")
    chrome = subprocess.Popen(
        [field_support.CHROMIUM, "--headless=new", "--no-sandbox", f"--remote-debugging-port={port}",
         f"--user-data-dir={profile}", *field_support.CHROMIUM_ARGS[1:], "about:blank"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    out: dict[str, dict[str, float]] = {}
    try:
        time.sleep(2)
        for name, path in pages.items():
            if name == "home":  # the pages after login: log in once in this Chromium, keep the session
                with sync_playwright() as pw:
                    browser = pw.chromium.connect_over_cdp(f"http://127.0.0.1:{port}")
                    page = browser.contexts[0].new_page()
                    page.set_viewport_size(field_support.PHONE)
                    field_support.log_in(page, url)
                    page.close()
                    browser.close()  # disconnects; the Chromium keeps the session
            out[name] = _run_lighthouse(
                binary, port, f"{url}{path}", Path(profile) / f"{name}.json", name != "login"
            )
    finally:
        chrome.terminate()
        chrome.wait(timeout=20)
    return out


def _run_lighthouse(binary: Path, port: int, url: str, report: Path, keep_session: bool) -> dict[str, Any]:
    cmd = [str(binary), url, f"--port={port}", "--output=json", f"--output-path={report}",
           "--only-categories=performance,accessibility,best-practices", "--quiet"]  # fmt: skip
    if keep_session:
        cmd.append("--disable-storage-reset")
    subprocess.run(cmd, check=True, env={**os.environ, "CHROME_PATH": field_support.CHROMIUM})
    data = json.loads(report.read_text())
    scores: dict[str, Any] = {k: round(v["score"] * 100) for k, v in data["categories"].items()}
    audits = data["audits"]
    scores["lcp_ms"] = round(audits["largest-contentful-paint"]["numericValue"])
    scores["tbt_ms"] = round(audits["total-blocking-time"]["numericValue"])
    scores["load"] = _load()
    failed = [a for a, v in audits.items() if v.get("score") == 0 and a in _a11y_ids(data)]
    scores["a11y_failed"] = [
        f"{a}: {item['node'].get('snippet', '')[:80]}"
        for a in failed
        for item in audits[a].get("details", {}).get("items", [])[:3]
    ]
    return scores


def _a11y_ids(data: dict[str, Any]) -> set[str]:
    return {ref["id"] for ref in data["categories"]["accessibility"]["auditRefs"]}


# --- (3) camera frame → product on screen ------------------------------------------------------------
def scan_latency(url: str, rounds: int) -> dict[str, float]:
    video = field_support.y4m_from_photo(apitest_support.PHOTO, Path(tempfile.mkdtemp()) / "carton.y4m")
    args = [*field_support.CHROMIUM_ARGS, "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-video-capture={video}"]  # fmt: skip
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=field_support.CHROMIUM, args=args, headless=True)
        context = field_support.phone(browser, permissions=["camera"])
        page = context.new_page()
        field_support.log_in(page, url)
        page.get_by_role("tab", name="扫码").click()
        hits = page.get_by_role("list", name="识别结果").get_by_role("listitem")
        for n in range(rounds):
            hits.first.wait_for(timeout=30_000)
            page.wait_for_function(f"(window.__zhifaScanMs || []).length > {n}")
            hits.first.get_by_role("button", name="清除").click()  # forget it: the next frame is a new hit
        timings = [t["ms"] for t in page.evaluate("window.__zhifaScanMs")]
        browser.close()
    first, rest = timings[0], timings[1:]  # the first includes loading the decoder
    return {
        "first_ms": round(first),
        "p50_ms": round(statistics.median(rest)),
        "p95_ms": round(_pct(rest, 0.95)),
        "n": len(rest),
        "load": _load(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scans", type=int, default=30)
    parser.add_argument("--skip-lighthouse", action="store_true")
    args = parser.parse_args()
    field_support.require_build()
    shell = shell_size()
    kb = {k: f"{v / 1024:.1f} KB" for k, v in shell.items() if k != "files"}
    print(f"app shell: {kb['shell_gzip']} gzip ({kb['shell_raw']} raw) in {len(shell['files'])} files; "
          f"decoder (lazy) {kb['decoder_gzip']} gzip")  # fmt: skip
    for name, size in shell["files"].items():
        print(f"  {name}: {size / 1024:.1f} KB gzip")
    home = Path(tempfile.mkdtemp(prefix="zhifa-bench-field-"))
    (home / "template").mkdir()
    template = home / "template" / "api.sqlite3"
    conftest._seed(f"sqlite:///{template}", home / "template")
    served = field_support.serve(template, home / "serve")
    site = next(served)
    try:
        s = scan_latency(site.url, args.scans)
        print(f"camera frame → product shown: first {s['first_ms']} ms (decoder load),")
        print(f"  then p50 {s['p50_ms']} ms, p95 {s['p95_ms']} ms over {s['n']} scans (load {s['load']})")
        if not args.skip_lighthouse:
            pages = {"login": "/", "home": "/#/", "new-case": "/#/cases/new"}
            for name, scores in lighthouse(site.url, pages).items():
                print(f"lighthouse {name}: {scores}")
    finally:
        next(served, None)


if __name__ == "__main__":
    main()
