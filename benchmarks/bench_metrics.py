"""Benchmark: ``dbt build`` of the metrics project on a loaded world, against the floor of the same SQL.

    uv run python benchmarks/bench_metrics.py --world /path/to/world [--work DIR]
    uv run python benchmarks/bench_metrics.py --warehouse /path/to/loaded.duckdb   # raw tables already loaded
    … --repeat 3 [--vars '{rule_backend: python}']   # median of 3 builds, each with its floor; dbt --vars

1. load the world into a fresh warehouse (``ingestion.warehouse.load_folder``; not part of the figure);
2. ``dbt build`` (seeds, models, data and unit tests) in a child process: wall time and peak RSS;
3. the floor (``benchmarks/dbt_floor.py``): the same work without dbt, from the build's manifest, on a copy of
   the built warehouse — every SQL model's compiled SELECT (``floor_sql_*``: the floor of the earlier
   benchmarks, kept for the history), the Python models that return DuckDB relations (SQL built in Python),
   every data and unit test's compiled query; together ``whole_floor_*``. The Python models that return
   pandas frames (numpy/pandas work, no bare-DuckDB floor) are run bare too and reported apart
   (``pandas_models_*``), never counted in the floor.

Before the first build ``dbt parse`` writes the manifest into the target (not timed), as the pipeline does
(``dagster_defs.metrics``), so every build parses partially; ``--cold`` skips it.

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

from benchmarks import dbt_floor  # noqa: E402


def _load(world: Path, home: Path) -> float:
    from ingestion.warehouse import connect, load_folder

    started = time.perf_counter()
    con = connect(home / "warehouse.duckdb")
    try:
        load_folder(con, world, "bench", max_bad_row_share=1.0)
    finally:
        con.close()
    return time.perf_counter() - started


def _dbt_build(
    home: Path, target: Path, dbt_vars: str | None = None, command: str = "build"
) -> dict[str, Any]:
    dbt = Path(sys.executable).with_name("dbt")
    args = ["--project-dir", str(DBT_DIR), "--profiles-dir", str(DBT_DIR), "--target-path", str(target)]
    if dbt_vars:
        args += ["--vars", dbt_vars]
    started = time.perf_counter()
    done = subprocess.run(
        ["/usr/bin/time", "-v", str(dbt), command, *args, "--log-path", str(target / "logs")],
        env={**os.environ, "ZHIFA_HOME": str(home)},
        capture_output=True,
        text=True,
        check=False,
    )
    wall = time.perf_counter() - started
    if command != "build":
        if done.returncode:
            raise SystemExit(done.stdout[-3000:])
        return {}
    rss_kb = _time_v(done.stderr, "Maximum resident set size")
    cpu_s = _time_v(done.stderr, "User time (seconds)") + _time_v(done.stderr, "System time (seconds)")
    run = json.loads((target / "run_results.json").read_text(encoding="utf-8"))
    results = run["results"]
    python_s = sum(r["execution_time"] for r in results if r["unique_id"].endswith(_python_models(target)))
    return {
        "ok": done.returncode == 0,
        "wall_s": round(wall, 1),
        "peak_rss_mb": round(rss_kb / 1024),
        "cpu_s": round(cpu_s, 1),  # user + sys of dbt and its children: less sensitive to the shared load
        "python_models_s": round(python_s, 1),
        # outside the nodes' execution: start-up, parse, compile, artifacts
        "dbt_outside_nodes_s": round(wall - run["elapsed_time"], 1),
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


def _floor_figures(home: Path, target: Path) -> dict[str, Any]:
    parts = dbt_floor.run(home / "warehouse.duckdb", target, home / "floor")
    whole = {k: sum(parts[p][k] for p in dbt_floor.FLOOR_PARTS) for k in ("wall_s", "cpu_s")}
    return {
        "floor_sql_s": round(parts["sql_models"]["wall_s"], 1),  # the earlier floor: SQL models only
        "floor_cpu_s": round(parts["sql_models"]["cpu_s"], 1),
        "whole_floor_s": round(whole["wall_s"], 1),
        "whole_floor_cpu_s": round(whole["cpu_s"], 1),
        "pandas_models_s": round(parts["python_pandas_models"]["wall_s"], 1),
        "pandas_models_cpu_s": round(parts["python_pandas_models"]["cpu_s"], 1),
        "floor_parts": parts,
    }


def _ratio(runs: list[dict[str, Any]], num: str, *den: str) -> float:
    """The median over the runs of each run's ratio (not a ratio of medians)."""
    return round(statistics.median(r[num] / sum(r[d] for d in den) for r in runs), 2)


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
    parser.add_argument("--cold", action="store_true", help="no dbt parse before the first build")
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="zhifa-bench-metrics-"))
    home, target = work / "home", work / "target"
    home.mkdir(parents=True, exist_ok=True)
    report: dict[str, Any] = {"source": str(args.world or args.warehouse), "vars": args.vars}
    if args.world:
        report["load_s"] = round(_load(args.world, home), 1)
    else:
        shutil.copy(args.warehouse, home / "warehouse.duckdb")
    if not args.cold:
        _dbt_build(home, target, args.vars, command="parse")
    runs = []
    for _ in range(args.repeat):
        load = [round(x, 2) for x in os.getloadavg()]
        build = _dbt_build(home, target, args.vars)
        runs.append({"loadavg_before": load, **build, **_floor_figures(home, target)})
        print(json.dumps(runs[-1]), file=sys.stderr, flush=True)
    report["runs"] = runs
    report["all_ok"] = all(r["ok"] for r in runs)
    for key in (
        "wall_s", "cpu_s", "peak_rss_mb", "python_models_s", "dbt_outside_nodes_s", "floor_sql_s",
        "floor_cpu_s", "whole_floor_s", "whole_floor_cpu_s", "pandas_models_s", "pandas_models_cpu_s",
    ):  # fmt: skip
        report[f"median_{key}"] = statistics.median(r[key] for r in runs)
    # against the earlier floor (SQL models only), for the history
    report["median_ratio_cpu_to_floor_cpu"] = _ratio(runs, "cpu_s", "floor_cpu_s")
    report["median_ratio_build_to_floor"] = _ratio(runs, "wall_s", "floor_sql_s")
    # against the whole floor; the pandas models' time counted as overhead, then added to the floor
    report["median_ratio_cpu_to_whole_floor_cpu"] = _ratio(runs, "cpu_s", "whole_floor_cpu_s")
    report["median_ratio_build_to_whole_floor"] = _ratio(runs, "wall_s", "whole_floor_s")
    report["median_ratio_cpu_to_whole_floor_and_pandas_cpu"] = _ratio(
        runs, "cpu_s", "whole_floor_cpu_s", "pandas_models_cpu_s"
    )
    report["median_ratio_build_to_whole_floor_and_pandas"] = _ratio(
        runs, "wall_s", "whole_floor_s", "pandas_models_s"
    )
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
