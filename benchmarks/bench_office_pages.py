"""Office pages (desktop): Lighthouse accessibility and best practices, desktop preset, on every page of
the office app a manager, approver and quality reviewer opens — 1366×768, Debian's Chromium.

    uv run python benchmarks/bench_office_pages.py [--pages todo,cases,…]

The app is served by the real API on 127.0.0.1 with a SQLite store seeded with the API tests' catalog and
users, plus one user holding every office role and two cases made through the API (one closed, one
waiting for its filing approval), so the tables, the case page and the approval page have rows to show.
Goal (issue #17): accessibility ≥ 95 on each page.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "tests" / "api"))
sys.path.insert(0, str(ROOT / "benchmarks"))

import conftest  # noqa: E402
import field_support  # noqa: E402
import httpx  # noqa: E402
import lighthouse_run  # noqa: E402
from apitest_support import PASSWORD, case_body  # noqa: E402
from case_flow_support import closed_case  # noqa: E402
from office_pages_support import sign_in  # noqa: E402
from playwright.sync_api import Page  # noqa: E402

from api.platform.services.users import create_user  # noqa: E402
from dashboards.browser import CHROMIUM, CHROMIUM_ARGS  # noqa: E402

DESK = "boss"  # every office role, at the city bureau above the seeded county


def _seed(site: field_support.Served) -> dict[str, str]:
    with site.app.state.sessionmaker() as session:
        roles = ["approver", "manager", "reviewer", "quality", "legal_reviewer"]
        create_user(session, DESK, PASSWORD, "410100", roles)
        session.commit()
    with httpx.Client(base_url=site.url, timeout=60) as client:

        def login(username: str) -> dict[str, str]:
            r = client.post("/auth/token", data={"username": username, "password": PASSWORD})
            return {"Authorization": f"Bearer {r.json()['access_token']}"}

        officer, approver = login("li"), login("head")
        closed = closed_case(client, officer, approver)
        waiting = client.post("/cases", json=case_body(), headers=officer).json()["case_id"]
        filing = {"kind": "filing", "reason": "现场检查"}
        r = client.post(f"/cases/{waiting}/approvals", json=filing, headers=officer)
        approval = r.json()["approval_id"]
    return {"closed": closed, "waiting": waiting, "approval": approval}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", default="", help="comma-separated page names (default: all)")
    args = parser.parse_args()
    field_support.require_build()
    home = Path(tempfile.mkdtemp(prefix="zhifa-bench-office-"))
    (home / "template").mkdir()
    template = home / "template" / "api.sqlite3"
    conftest._seed(f"sqlite:///{template}", home / "template")
    served = field_support.serve(template, home / "serve")
    site = next(served)
    try:
        ids = _seed(site)
        office = "/office.html#"
        pages = {
            "login": f"{office}/login",
            "todo": f"{office}/todo",
            "cases": f"{office}/cases",
            "case": f"{office}/cases/{ids['closed']}",
            "approval": f"{office}/approvals/{ids['waiting']}/{ids['approval']}",
            "messages": f"{office}/messages",
            "review-tasks": f"{office}/review-tasks",
            "rules": f"{office}/rules",
            "sampling": f"{office}/sampling",
            "calibration": f"{office}/quality/calibration",
            "arbitration": f"{office}/quality/arbitration",
            "public": "/public.html",
        }
        if args.pages:
            pages = {k: v for k, v in pages.items() if k in args.pages.split(",")}

        def desk_sign_in(page: Page) -> None:
            page.set_viewport_size({"width": 1366, "height": 768})
            sign_in(page, site.url, DESK, at="/office.html")
            page.wait_for_url("**/office.html#/todo")

        audited = lighthouse_run.audit(
            CHROMIUM,
            CHROMIUM_ARGS[1:],
            site.url,
            pages,
            desk_sign_in,
            public=frozenset({"login", "public"}),
            flags=("--preset=desktop",),
            categories="accessibility,best-practices",
        )
        for name, scores in audited.items():
            print(f"lighthouse desktop {name}: {scores}")
        worst = min(s["accessibility"] for s in audited.values())
        print(f"accessibility: lowest {worst} over {len(audited)} pages (goal ≥ 95)")
    finally:
        next(served, None)


if __name__ == "__main__":
    main()
