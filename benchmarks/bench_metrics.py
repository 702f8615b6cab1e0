"""Benchmark: ``dbt build`` of the metrics project on a loaded world, against the floor of the same SQL.

    uv run python benchmarks/bench_metrics.py --world /path/to/world [--work DIR]
    uv run python benchmarks/bench_metrics.py --warehouse /path/to/loaded.duckdb   # raw tables already loaded
    … --repeat 3 [--vars '{rule_backend: python}']   # median of 3 builds, each with its floor; dbt --vars

1. load the world into a fresh warehouse (``ingestion.warehouse.load_folder``; not part of the figure);
2. ``dbt build`` (seeds, models, data and unit tests) in a child process: wall time and peak RSS;
3. the floor: every SQL model's compiled SELECT run in dependency order in one DuckDB connection on a copy of
   the built warehouse (``CREATE OR REPLACE TABLE/VIEW``); the Python models are not re-run — their time
   inside dbt is reported separately from dbt's run_results.json.

With ``--repeat N`` steps 2–3 run N times on the same warehouse (dbt does not touch the raw tables) and the
medians are reported with every run and the load average before each (the machine is shared).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DBT_DIR = ROOT / "dbt_project"


def _load(world: Path, home: Path) -> float:
    from ingestion.warehouse import connect, load_folder

    started = time.perf_counter()
    con = connect(home / "warehouse.duckdb")
    try:
        load_folder(con, world, "bench", max_bad_row_share=1.0)
    finally:
        con.close()
    return time.perf_counter() - started


def _dbt_build(home: Path, target: Path, dbt_vars: str | None = None) -> dict[str, Any]:
    dbt = Path(sys.executable).with_name("dbt")
    args = ["--project-dir", str(DBT_DIR), "--profiles-dir", str(DBT_DIR), "--target-path", str(target)]
    if dbt_vars:
        args += ["--vars", dbt_vars]
    started = time.perf_counter()
    done = subprocess.run(
        ["/usr/bin/time", "-v", str(dbt), "build", *args, "--log-path", str(target / "logs")],
        env={**os.environ, "ZHIFA_HOME": str(home)},
        capture_output=True,
        text=True,
        check=False,
    )
    wall = time.perf_counter() - started
    rss_kb = _time_v(done.stderr, "Maximum resident set size")
    cpu_s = _time_v(done.stderr, "User time (seconds)") + _time_v(done.stderr, "System time (seconds)")
    results = json.loads((target / "run_results.json").read_text(encoding="utf-8"))["results"]
    python_s = sum(r["execution_time"] for r in results if r["unique_id"].endswith(_python_models(target)))
    return {
        "ok": done.returncode == 0,
        "wall_s": round(wall, 1),
        "peak_rss_mb": round(rss_kb / 1024),
        "cpu_s": round(cpu_s, 1),  # user + sys of dbt and its children: less sensitive to the shared load
        "python_models_s": round(python_s, 1),
        "nodes": len(results),
    }


def _time_v(stderr: str, label: str) -> float:
    """A figure from ``/usr/bin/time -v``'s report (0 if absent)."""
    return next((float(line.split(": ")[1]) for line in stderr.splitlines() if label in line), 0.0)


def _python_models(target: Path) -> tuple[str, ...]:
    manifest = json.loads((target / "manifest.json").read_text(encoding="utf-8"))
    return tuple(
        "." + n["name"]
        for n in manifest["nodes"].values()
        if n["resource_type"] == "model" and n["language"] == "python"
    )


def _floor(home: Path, target: Path) -> tuple[float, float]:
    """Wall and CPU seconds (process time: DuckDB's threads included) of the compiled SQL models."""
    import duckdb

    manifest = json.loads((target / "manifest.json").read_text(encoding="utf-8"))
    nodes = {k: n for k, n in manifest["nodes"].items() if n["resource_type"] == "model"}
    order: list[str] = []
    seen: set[str] = set()

    def visit(key: str) -> None:
        if key in seen or key not in nodes:
            return
        seen.add(key)
        for dep in nodes[key]["depends_on"]["nodes"]:
            visit(dep)
        order.append(key)

    for key in sorted(nodes):
        visit(key)
    copy = home / "floor.duckdb"
    shutil.copy(home / "warehouse.duckdb", copy)
    con = duckdb.connect(str(copy))
    try:
        started, cpu = time.perf_counter(), time.process_time()
        for key in order:
            node = nodes[key]
            if node["language"] != "sql":
                continue
            compiled = (target / "compiled" / "zhifa" / node["original_file_path"]).read_text(
                encoding="utf-8"
            )
            compiled = compiled.replace('"warehouse".', '"floor".')
            kind = "VIEW" if node["config"]["materialized"] == "view" else "TABLE"
            con.execute(f'CREATE OR REPLACE {kind} "{node["schema"]}"."{node["name"]}" AS {compiled}')
        return time.perf_counter() - started, time.process_time() - cpu
    finally:
        con.close()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--world", type=Path, help="a generated world folder to load first")
    source.add_argument("--warehouse", type=Path, help="a warehouse whose raw tables are loaded (copied)")
    parser.add_argument("--work", type=Path, default=None)
    parser.add_argument(
        "--repeat", type=int, default=1, help="builds (each with its floor); medians reported"
    )
    parser.add_argument("--vars", default=None, help="passed to dbt build --vars")
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="zhifa-bench-metrics-"))
    home, target = work / "home", work / "target"
    home.mkdir(parents=True, exist_ok=True)
    report: dict[str, Any] = {"source": str(args.world or args.warehouse), "vars": args.vars}
    if args.world:
        report["load_s"] = round(_load(args.world, home), 1)
    else:
        shutil.copy(args.warehouse, home / "warehouse.duckdb")
    runs = []
    for _ in range(args.repeat):
        load = [round(x, 2) for x in os.getloadavg()]
        build = _dbt_build(home, target, args.vars)
        floor, floor_cpu = _floor(home, target)
        runs.append(
            {
                "loadavg_before": load,
                **build,
                "floor_sql_s": round(floor, 1),
                "floor_cpu_s": round(floor_cpu, 1),
            }
        )
        print(json.dumps(runs[-1]), file=sys.stderr, flush=True)
    report["runs"] = runs
    report["all_ok"] = all(r["ok"] for r in runs)
    for key in ("wall_s", "cpu_s", "peak_rss_mb", "python_models_s", "floor_sql_s", "floor_cpu_s"):
        report[f"median_{key}"] = statistics.median(r[key] for r in runs)
    report["median_ratio_cpu_to_floor_cpu"] = round(
        statistics.median(r["cpu_s"] / r["floor_cpu_s"] for r in runs if r["floor_cpu_s"]), 2
    )
    # the ratio of each run to the floor measured just after it, then the median (not a ratio of medians)
    report["median_ratio_build_to_floor"] = round(
        statistics.median(r["wall_s"] / r["floor_sql_s"] for r in runs if r["floor_sql_s"]), 2
    )
    report["median_ratio_build_sql_part_to_floor"] = round(
        statistics.median(
            (r["wall_s"] - r["python_models_s"]) / r["floor_sql_s"] for r in runs if r["floor_sql_s"]
        ),
        2,
    )
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
