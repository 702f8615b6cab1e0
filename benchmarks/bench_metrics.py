"""Benchmark: ``dbt build`` of the metrics project on a loaded world, against the floor of the same SQL.

    uv run python benchmarks/bench_metrics.py --world /path/to/world [--work DIR]
    uv run python benchmarks/bench_metrics.py --warehouse /path/to/loaded.duckdb   # raw tables already loaded

1. load the world into a fresh warehouse (``ingestion.warehouse.load_folder``; not part of the figure);
2. ``dbt build`` (seeds, models, data and unit tests) in a child process: wall time and peak RSS;
3. the floor: every SQL model's compiled SELECT run in dependency order in one DuckDB connection on a copy of
   the built warehouse (``CREATE OR REPLACE TABLE/VIEW``); the Python models are not re-run — their time
   inside dbt is reported separately from dbt's run_results.json.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
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


def _dbt_build(home: Path, target: Path) -> dict[str, Any]:
    dbt = Path(sys.executable).with_name("dbt")
    args = ["--project-dir", str(DBT_DIR), "--profiles-dir", str(DBT_DIR), "--target-path", str(target)]
    started = time.perf_counter()
    done = subprocess.run(
        ["/usr/bin/time", "-v", str(dbt), "build", *args, "--log-path", str(target / "logs")],
        env={**os.environ, "ZHIFA_HOME": str(home)},
        capture_output=True,
        text=True,
        check=False,
    )
    wall = time.perf_counter() - started
    rss_kb = next(
        (int(line.split(":")[1]) for line in done.stderr.splitlines() if "Maximum resident set size" in line),
        0,
    )
    results = json.loads((target / "run_results.json").read_text(encoding="utf-8"))["results"]
    python_s = sum(r["execution_time"] for r in results if r["unique_id"].endswith(_python_models(target)))
    return {
        "ok": done.returncode == 0,
        "wall_s": round(wall, 1),
        "peak_rss_mb": round(rss_kb / 1024),
        "python_models_s": round(python_s, 1),
        "nodes": len(results),
    }


def _python_models(target: Path) -> tuple[str, ...]:
    manifest = json.loads((target / "manifest.json").read_text(encoding="utf-8"))
    return tuple(
        "." + n["name"]
        for n in manifest["nodes"].values()
        if n["resource_type"] == "model" and n["language"] == "python"
    )


def _floor(home: Path, target: Path) -> float:
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
        started = time.perf_counter()
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
        return time.perf_counter() - started
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
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="zhifa-bench-metrics-"))
    home, target = work / "home", work / "target"
    home.mkdir(parents=True, exist_ok=True)
    report: dict[str, Any] = {"source": str(args.world or args.warehouse)}
    if args.world:
        report["load_s"] = round(_load(args.world, home), 1)
    else:
        shutil.copy(args.warehouse, home / "warehouse.duckdb")
    report["dbt_build"] = _dbt_build(home, target)
    floor = _floor(home, target)
    report["floor_sql_s"] = round(floor, 1)
    sql_part = report["dbt_build"]["wall_s"] - report["dbt_build"]["python_models_s"]
    report["ratio_build_to_floor"] = round(report["dbt_build"]["wall_s"] / floor, 2) if floor else None
    report["ratio_build_sql_part_to_floor"] = round(sql_part / floor, 2) if floor else None
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
