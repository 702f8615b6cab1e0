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
import os
import re
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DIST = ROOT / "web" / "dist"
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "tests" / "api"))
sys.path.insert(0, str(ROOT / "benchmarks"))

import apitest_support  # noqa: E402
import conftest  # noqa: E402
import field_support  # noqa: E402
import lighthouse_run  # noqa: E402
from playwright.sync_api import Page, sync_playwright  # noqa: E402

from dashboards.browser import CHROMIUM, CHROMIUM_ARGS  # noqa: E402


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


# --- (3) camera frame → product on screen ------------------------------------------------------------
def scan_latency(url: str, rounds: int) -> dict[str, float]:
    video = field_support.y4m_from_photo(apitest_support.PHOTO, Path(tempfile.mkdtemp()) / "carton.y4m")
    args = [*CHROMIUM_ARGS, "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-video-capture={video}"]  # fmt: skip
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=args, headless=True)
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

            def sign_in(page: Page) -> None:
                page.set_viewport_size(field_support.PHONE)
                field_support.log_in(page, site.url)

            chromium_args = CHROMIUM_ARGS[1:]
            audited = lighthouse_run.audit(CHROMIUM, chromium_args, site.url, pages, sign_in)
            for name, scores in audited.items():
                print(f"lighthouse {name}: {scores}")
    finally:
        next(served, None)


if __name__ == "__main__":
    main()
