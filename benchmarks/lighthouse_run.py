"""Lighthouse (pinned in benchmarks/lighthouse/, ``npm ci`` on first use) against Debian's Chromium, on
pages of a served app after a Playwright sign-in in the same Chromium (``--disable-storage-reset`` keeps
the session). Shared by bench_field_app.py (mobile profile) and bench_office_pages.py (desktop preset)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, sync_playwright

ROOT = Path(__file__).resolve().parents[1]
LIGHTHOUSE_DIR = ROOT / "benchmarks" / "lighthouse"


def _bin() -> Path:
    binary = LIGHTHOUSE_DIR / "node_modules" / ".bin" / "lighthouse"
    if not binary.exists():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=LIGHTHOUSE_DIR, check=True)
    return binary


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def audit(
    chromium: str,
    chromium_args: list[str],
    url: str,
    pages: dict[str, str],
    sign_in: Callable[[Page], None],
    *,
    public: frozenset[str] = frozenset({"login"}),
    flags: tuple[str, ...] = (),
    categories: str = "performance,accessibility,best-practices",
) -> dict[str, dict[str, Any]]:
    """Scores per page name; pages not in ``public`` are audited after ``sign_in`` ran once."""
    binary = _bin()
    port = _free_port()
    profile = tempfile.mkdtemp(prefix="zhifa-lh-")
    chrome = subprocess.Popen(
        [chromium, "--headless=new", "--no-sandbox", f"--remote-debugging-port={port}",
         f"--user-data-dir={profile}", *chromium_args, "about:blank"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    out: dict[str, dict[str, Any]] = {}
    signed_in = False
    try:
        time.sleep(2)
        for name, path in pages.items():
            if name not in public and not signed_in:
                with sync_playwright() as pw:
                    browser = pw.chromium.connect_over_cdp(f"http://127.0.0.1:{port}")
                    page = browser.contexts[0].new_page()
                    sign_in(page)
                    page.close()
                    browser.close()  # disconnects; the Chromium keeps the session
                signed_in = True
            report = Path(profile) / f"{name.replace('/', '_')}.json"
            cmd = [str(binary), f"{url}{path}", f"--port={port}", "--output=json", f"--output-path={report}",
                   f"--only-categories={categories}", "--quiet", *flags]  # fmt: skip
            if name not in public:
                cmd.append("--disable-storage-reset")
            subprocess.run(cmd, check=True, env={**os.environ, "CHROME_PATH": chromium})
            out[name] = _scores(json.loads(report.read_text()))
    finally:
        chrome.terminate()
        chrome.wait(timeout=20)
    return out


def _scores(data: dict[str, Any]) -> dict[str, Any]:
    scores: dict[str, Any] = {k: round(v["score"] * 100) for k, v in data["categories"].items()}
    audits = data["audits"]
    if "largest-contentful-paint" in audits and audits["largest-contentful-paint"].get("numericValue"):
        scores["lcp_ms"] = round(audits["largest-contentful-paint"]["numericValue"])
        scores["tbt_ms"] = round(audits["total-blocking-time"]["numericValue"])
    scores["load"] = round(os.getloadavg()[0], 1)
    a11y = {ref["id"] for ref in data["categories"].get("accessibility", {}).get("auditRefs", [])}
    failed = [a for a, v in audits.items() if v.get("score") == 0 and a in a11y]
    scores["a11y_failed"] = [
        f"{a}: {item['node'].get('snippet', '')[:80]}"
        for a in failed
        for item in audits[a].get("details", {}).get("items", [])[:3]
    ]
    return scores
