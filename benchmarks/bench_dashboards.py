"""Dashboard benchmark: time from nothing to dashboards answering, and chart-data latency per chart.

    uv run python benchmarks/bench_dashboards.py --snapshot PATH/serve/warehouse.duckdb [--rounds N]
        [--scale-years 5 --scaled PATH/scaled.duckdb]

``--scale-years N`` first builds a bigger snapshot from the given one: every mart repeated N times, each
copy shifted one more year back (dates, years, and the year inside case ids, so ids stay unique); the
unit tree and reference tables once. A 1-year national world (200k cases) becomes a 5-year one (1M).

Then, in a fresh Superset home (temporary directory): ``zhifa serve dashboards --no-serve`` as a
subprocess, timed from start to exit (metadata DB, admin, init, gunicorn up, bundle import, every chart
replayed once) — "nothing to answering" with the venv present. Then the real Superset (gunicorn on
127.0.0.1) serves the same home and every chart's saved query is replayed ``--rounds`` times through
``/api/v1/chart/{id}/data/`` (no result cache is configured, so every call runs the query on DuckDB).
Prints p50/p95 per chart and over all calls, with the 1-minute load average (the machine is shared).
Target (issue 5): p95 ≤ 500 ms on a national 5-year snapshot.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

from dashboards.bootstrap import prepare
from dashboards.client import SupersetClient
from dashboards.service import SupersetSettings, running
from zhifa.settings import PROJECT_ROOT

TARGET_P95_MS = 500.0


# --- a 5-year snapshot from a 1-year one -----------------------------------------------------------------
CASE_ID_COLUMNS = ("case_id", "case_a", "case_b")  # C + unit code (6) + year (4) + serial
YEAR_COLUMNS = ("year", "decided_year")
UNSCALED = ("dim_units",)  # dimensions: the same units every year


def _shifted(column: str, data_type: str, back: int) -> str:
    """``column`` of a copy moved ``back`` years earlier: dates, years and the year inside case ids."""
    if back == 0:
        return f'"{column}"'
    if column in CASE_ID_COLUMNS:
        year = f"CAST(CAST(substr({column}, 8, 4) AS INTEGER) - {back} AS VARCHAR)"
        return f"substr({column}, 1, 7) || {year} || substr({column}, 12)"
    if data_type in ("DATE", "TIMESTAMP WITH TIME ZONE", "TIMESTAMP"):
        return f'CAST("{column}" - INTERVAL {back} YEAR AS {data_type})'
    if column in YEAR_COLUMNS:
        return f'"{column}" - {back}'
    return f'"{column}"'


def scale_snapshot(source: Path, target: Path, years: int) -> dict[str, int]:
    """Copy ``source`` to ``target`` with every mart repeated ``years`` times, each copy shifted one more
    year back (case ids re-numbered by year, so they stay unique); reference and ops tables copied once.
    Views (the deprecated old mart names, which no chart reads) are left out. Written with the storage
    version Superset's duckdb 1.x reads."""
    target.unlink(missing_ok=True)
    con = duckdb.connect(str(target), config={"storage_compatibility_version": "v1.4.0"})
    rows: dict[str, int] = {}
    try:
        con.execute("SET enable_progress_bar = false")
        con.execute(f"ATTACH '{source}' AS src (READ_ONLY)")
        tables = con.execute(
            "SELECT table_schema, table_name FROM information_schema.tables WHERE table_catalog = 'src' "
            "AND table_type = 'BASE TABLE' ORDER BY 1, 2"
        ).fetchall()
        for schema, table in tables:
            columns = con.execute(
                "SELECT column_name, data_type FROM information_schema.columns WHERE table_catalog = 'src' "
                "AND table_schema = ? AND table_name = ? ORDER BY ordinal_position",
                [schema, table],
            ).fetchall()
            copies = years if schema == "marts" and table not in UNSCALED else 1
            selects = [
                f"SELECT {', '.join(f'{_shifted(c, t, k)} AS {c}' for c, t in columns)} "
                f'FROM src."{schema}"."{table}"'
                for k in range(copies)
            ]
            con.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
            con.execute(f'CREATE TABLE "{schema}"."{table}" AS {" UNION ALL ".join(selects)}')
            count = con.execute(f'SELECT count(*) FROM "{schema}"."{table}"').fetchone()
            rows[f"{schema}.{table}"] = int(count[0]) if count else 0
        con.execute("DETACH src")
        con.execute("CHECKPOINT")
    finally:
        con.close()
    return rows


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def cold_start(snapshot: Path, home: Path, port: int) -> float:
    """Seconds of `zhifa serve dashboards --no-serve` on a fresh home (ends once every chart answered)."""
    env = {**os.environ, "ZHIFA_SUPERSET_HOME_DIR": str(home), "ZHIFA_SUPERSET_ADMIN_PASSWORD": "bench"}
    cmd = [sys.executable, "-m", "cli", "serve", "dashboards", "--snapshot", str(snapshot)]
    began = time.perf_counter()
    done = subprocess.run(
        [*cmd, "--port", str(port), "--no-serve"], env=env, cwd=PROJECT_ROOT, capture_output=True, text=True
    )
    seconds = time.perf_counter() - began
    if done.returncode != 0:
        raise SystemExit(f"zhifa serve dashboards failed:\n{done.stdout}\n{done.stderr}")
    return seconds


def latencies(
    settings: SupersetSettings, password: str, rounds: int
) -> tuple[dict[str, list[float]], set[str]]:
    """Chart title → milliseconds of each replay of its saved query, and the charts that answered no rows."""
    per_chart: dict[str, list[float]] = {}
    empty: set[str] = set()
    with SupersetClient(settings.url, settings.admin_user, password) as client:
        ids = client.chart_ids()
        titles = client.chart_titles()
        for _ in range(rounds):
            for uuid, chart_id in ids.items():
                t0 = time.perf_counter()
                rows, error = client.chart_data(chart_id)
                assert error is None, (titles[uuid], error)
                if not rows:  # a bulk-only world has no API review tasks: the backlog chart is empty
                    empty.add(titles[uuid])
                per_chart.setdefault(titles[uuid], []).append((time.perf_counter() - t0) * 1000)
    return per_chart, empty


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--snapshot", type=Path, required=True)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--scale-years", type=int, default=1, help="repeat the marts over N years")
    parser.add_argument("--scaled", type=Path, help="where the scaled snapshot goes (kept for re-runs)")
    args = parser.parse_args()
    snapshot = args.snapshot.resolve()
    if args.scale_years > 1:
        scaled = (args.scaled or snapshot.with_name(f"scaled_{args.scale_years}y.duckdb")).resolve()
        t0 = time.perf_counter()
        rows = scale_snapshot(snapshot, scaled, args.scale_years)
        print(
            f"scaled ×{args.scale_years} in {time.perf_counter() - t0:.0f} s: "
            f"{rows['marts.fct_case_fines']:,} cases, {rows['marts.fct_rule_results']:,} rule results, "
            f"{rows['marts.fct_rule_failures']:,} failed rules, {scaled.stat().st_size / 1e6:.0f} MB"
        )
        snapshot = scaled
    with tempfile.TemporaryDirectory(prefix="bench_dashboards_") as tmp:
        home = Path(tmp) / "superset"
        port = _port()
        seconds = cold_start(snapshot, home, port)
        print(f"nothing → answering (`zhifa serve dashboards --no-serve`, fresh home): {seconds:.1f} s")
        settings = SupersetSettings(home_dir=home, port=port, workers=args.workers, admin_password="bench")
        inst = prepare(settings, snapshot, log=lambda _: None)
        with running(inst):
            per_chart, empty = latencies(settings, inst.admin_password, args.rounds)
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
    if empty:
        print(f"answered with no rows (empty mart in this world): {', '.join(sorted(empty))}")


if __name__ == "__main__":
    main()
