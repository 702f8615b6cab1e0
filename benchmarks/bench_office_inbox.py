"""The office 待办 inbox (GET /office/inbox) for a city manager with N open cases in a county below.

    uv run python benchmarks/bench_office_inbox.py [--cases N …] [--calls K]

A temporary SQLite store is seeded with the API tests' catalog and users and N open cases (half awaiting
filing, half under investigation, discovered over the last 30 days), written straight into the store; the
app answers through the in-process test client, so the figure is the service's own time (no network). Prints
the median and the slowest of K calls with the 1-minute load average. Not the issue's 1M-case PostgreSQL,
200-user target: that needs the procedural clocks computed in SQL (docs/frontend.md).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_api import _load, _test_helpers


def run(n: int, calls: int) -> tuple[float, float, dict[str, int]]:
    from fastapi.testclient import TestClient

    from api.capture.services.catalog import load_catalog
    from api.main import create_app
    from api.models import Case
    from api.platform.services.users import create_user
    from zhifa.clock import now, today
    from zhifa.settings import Settings

    support, _ = _test_helpers()
    home = Path(tempfile.mkdtemp(prefix="bench-office-"))
    settings = Settings(
        home=home, database_url=f"sqlite:///{home / 'api.sqlite3'}", secret_key=support.SECRET
    )
    app = create_app(settings)
    with app.state.sessionmaker() as s:
        load_catalog(s, support.write_catalog(home / "catalog", today()))
        officer = create_user(s, "li", support.PASSWORD, "410122", ["officer"], "O410122001")
        create_user(s, "boss", support.PASSWORD, "410100", ["approver", "manager"], None)
        s.flush()
        t = now()
        s.add_all(
            Case(
                case_id=f"CB{i:09d}", unit_code="410122", violation_code="NON_DESIGNATED_SOURCE",
                discovered_at=t - timedelta(days=i % 30), seized_on=(t - timedelta(days=i % 30)).date(),
                status="filed" if i % 2 else "investigating",
                filed_at=None if i % 2 else t - timedelta(days=i % 40),
                created_by=officer.id, created_at=t, updated_at=t,
            )
            for i in range(n)
        )  # fmt: skip
        s.commit()
    with TestClient(app) as client:
        form = {"username": "boss", "password": support.PASSWORD}
        h = {"Authorization": "Bearer " + client.post("/auth/token", data=form).json()["access_token"]}
        times = []
        for _ in range(calls):
            started = time.perf_counter()
            r = client.get("/office/inbox", headers=h)
            times.append((time.perf_counter() - started) * 1000)
            assert r.status_code == 200, r.text
    app.state.engine.dispose()
    return statistics.median(times), max(times), r.json()["counts"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, nargs="+", default=[2000, 10000])
    parser.add_argument("--calls", type=int, default=15)
    args = parser.parse_args()
    for n in args.cases:
        median, slowest, counts = run(n, args.calls)
        print(
            f"{n:>8} open cases: median {median:.0f} ms, slowest {slowest:.0f} ms  {counts}  load {_load()}"
        )


if __name__ == "__main__":
    main()
