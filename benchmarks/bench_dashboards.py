"""Dashboard benchmark: time from nothing to dashboards answering, and chart-data latency per chart.

    uv run python benchmarks/bench_dashboards.py --snapshot PATH/serve/warehouse.duckdb [--rounds N]

Starts the real Superset (its own venv, gunicorn on 127.0.0.1, fresh SQLite metadata under a temporary
home), imports the bundle, then replays every chart's saved query ``--rounds`` times through
``/api/v1/chart/{id}/data/`` (no result cache is configured, so every call runs the query on DuckDB).
Prints p50/p95 per chart and over all calls, with the 1-minute load average (the machine is shared).
Target (issue 5): p95 ≤ 500 ms on a national 5-year snapshot.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import tempfile
import time
from pathlib import Path

from zhifa.dashboards.bootstrap import prepare, publish
from zhifa.dashboards.client import SupersetClient
from zhifa.dashboards.service import SupersetSettings, running

TARGET_P95_MS = 500.0


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--snapshot", type=Path, required=True)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    snapshot = args.snapshot.resolve()
    with tempfile.TemporaryDirectory(prefix="bench_dashboards_") as tmp:
        settings = SupersetSettings(
            home_dir=Path(tmp) / "superset", port=_port(), workers=args.workers, admin_password="bench"
        )
        began = time.perf_counter()
        inst = prepare(settings, snapshot)
        prepared = time.perf_counter()
        with running(inst):
            served = time.perf_counter()
            publish(inst, snapshot)
            answering = time.perf_counter()
            print(
                f"nothing → answering: {answering - began:.1f} s (venv present; metadata DB + init "
                f"{prepared - began:.1f} s, gunicorn up {served - prepared:.1f} s, import + first replay "
                f"{answering - served:.1f} s)"
            )
            per_chart: dict[str, list[float]] = {}
            with SupersetClient(settings.url, settings.admin_user, inst.admin_password) as client:
                ids = client.chart_ids()
                titles = client.chart_titles()
                for _ in range(args.rounds):
                    for uuid, chart_id in ids.items():
                        t0 = time.perf_counter()
                        _, error = client.chart_data(chart_id)
                        assert error is None, (titles[uuid], error)
                        per_chart.setdefault(titles[uuid], []).append((time.perf_counter() - t0) * 1000)
    every = [ms for values in per_chart.values() for ms in values]
    print(f"load average (1 min): {os.getloadavg()[0]:.2f}; {args.rounds} rounds; snapshot {snapshot}")
    print(f"{'chart':40} {'p50 ms':>8} {'p95 ms':>8}")
    for title, values in sorted(per_chart.items(), key=lambda kv: -_quantile(kv[1], 0.95)):
        print(f"{title:40} {statistics.median(values):8.0f} {_quantile(values, 0.95):8.0f}")
    p95 = _quantile(every, 0.95)
    verdict = "meets" if p95 <= TARGET_P95_MS else "misses"
    print(
        f"all charts: p50 {statistics.median(every):.0f} ms, p95 {p95:.0f} ms "
        f"({verdict} the {TARGET_P95_MS:.0f} ms target)"
    )


if __name__ == "__main__":
    main()
