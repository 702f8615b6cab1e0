"""Benchmark: full import + contract checks of a generated world, against the floor of a bare DuckDB read.

    uv run python benchmarks/bench_import.py --scale national            # generates the world first
    uv run python benchmarks/bench_import.py --world /path/to/world      # reuse a generated world

Each measured step runs in its own child process so wall time and peak memory (max RSS) are its own:
1. ``import``: the Dagster import assets and their checks in-process (``dagster.materialize``) on a
   fresh warehouse (every table: read, validate, quarantine, upsert; GX suites; no OCR, no dbt);
2. ``floor``: bare ``duckdb`` ``read_csv``/``read_parquet`` of the same table files into tables;
3. ``incremental``: one day's new cases (with their items, officers, approvals, documents, videos)
   as a new landing, loaded into the warehouse of step 1 with its checks. The day's folder is cut from
   the world before the child starts (``--day``), so the child's wall time is what a day's load costs:
   start-up, landing, the pipeline — not the benchmark's read of the whole world.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CASE_CHILDREN = ("case_items", "case_officers", "approvals", "documents", "videos")


def _child(step: str, world: Path, work: Path, *extra: str) -> dict[str, float]:
    started = time.perf_counter()
    out = subprocess.run(
        [sys.executable, __file__, "--step", step, "--world", str(world), "--work", str(work), *extra],
        check=True,
        capture_output=True,
        text=True,
    )
    wall = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    result = json.loads(out.stdout.strip().splitlines()[-1])
    return {"wall_s": round(wall, 2), "peak_rss_mb_so_far": round(peak_mb), **result}


def _run_import(work: Path, landing_dir: Path) -> dict[str, float]:
    import dagster as dg

    from dagster_defs.dossiers import DOCUMENT_FIELDS_KEY
    from dagster_defs.resources import WarehouseResource
    from dagster_defs.runner import run_pipeline

    resource_ = WarehouseResource(
        database=str(work / "warehouse.duckdb"),
        serve_database=str(work / "serve" / "warehouse.duckdb"),
        landing=str(landing_dir),
    )
    domains = dg.AssetSelection.groups("catalog", "cases", "dossiers", "reviews")
    selection = domains - dg.AssetSelection.assets(DOCUMENT_FIELDS_KEY)
    started = time.perf_counter()
    result = run_pipeline(
        selection=selection, resources={"warehouse": resource_}, log_level="ERROR", load_only=True
    )
    seconds = time.perf_counter() - started
    checks = result.get_asset_check_evaluations()
    return {
        "success": float(result.success),
        "pipeline_s": round(seconds, 2),
        "checks_passed": sum(c.passed for c in checks),
        "checks_failed": sum(not c.passed for c in checks),
    }


def step_import(world: Path, work: Path) -> dict[str, float]:
    from ingestion.landing import land

    land(world, work / "landing", 1 << 40)
    out = _run_import(work, work / "landing")
    import duckdb

    con = duckdb.connect(str(work / "warehouse.duckdb"), read_only=True)
    out["rows_loaded"] = con.execute("SELECT sum(rows_loaded) FROM ops.load_summary").fetchone()[0]  # type: ignore[index]
    con.close()
    return out


def step_floor(world: Path, work: Path) -> dict[str, float]:
    import duckdb

    from ingestion.readers import scan_folder

    con = duckdb.connect(str(work / "floor.duckdb"))
    started = time.perf_counter()
    rows = 0
    for table, path in scan_folder(world).tables.items():
        reader = {".csv": "read_csv", ".parquet": "read_parquet"}.get(path.suffix)
        if reader is None:  # XLSX has no bare DuckDB reader without an extension: not in the floor
            continue
        # all text, as the importer reads it first: typed sniffing would trip over the planted bad rows
        options = ", all_varchar = true" if reader == "read_csv" else ""
        con.execute(f"CREATE TABLE {table} AS SELECT * FROM {reader}('{path}'{options})")
        rows += con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # type: ignore[index]
    return {"floor_s": round(time.perf_counter() - started, 2), "rows": rows}


def _one_day(world: Path, out: Path) -> tuple[str, int]:
    """The cases discovered on the world's last day, with their child rows, as a contract folder."""
    import pandas as pd

    from ingestion.readers import read_table, scan_folder

    tables = scan_folder(world).tables
    cases = read_table(tables["cases"]).data
    day = cases["discovered_at"].str.slice(0, 10).max()
    picked = cases[cases["discovered_at"].str.startswith(day)]
    out.mkdir(parents=True)
    picked.to_csv(out / "cases.csv", index=False)
    ids = set(picked["case_id"])
    for name in CASE_CHILDREN:
        if name in tables:
            frame = read_table(tables[name]).data
            frame[frame["case_id"].isin(ids)].to_csv(out / f"{name}.csv", index=False)
    return str(day), len(pd.unique(picked["case_id"]))


def step_incremental(world: Path, work: Path, day_folder: Path | None = None) -> dict[str, float]:
    from ingestion.landing import land

    with tempfile.TemporaryDirectory() as tmp:
        if day_folder is None:
            day_folder = Path(tmp) / "day"
            day, _ = _one_day(world, day_folder)
            print(f"day {day}", file=sys.stderr)
        started = time.perf_counter()
        # same cases again under a newer export: every row goes through validation and the upsert
        land(day_folder, work / "landing", 1 << 30)
        landed = time.perf_counter() - started
    out = _run_import(work, work / "landing")
    out.update({"land_s": round(landed, 2)})
    return out


def main() -> None:
    raw_help = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=raw_help)
    parser.add_argument("--scale", default="national")
    parser.add_argument("--world", type=Path)
    parser.add_argument("--work", type=Path)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--step", choices=["import", "floor", "incremental"])
    parser.add_argument("--day", type=Path, help="incremental: the day's contract folder (made if missing)")
    args = parser.parse_args()
    if args.day is not None and not args.day.exists():
        day, n = _one_day(args.world, args.day)
        print(f"day {day}: {n} cases in {args.day}", file=sys.stderr)
    if args.step == "incremental":
        print(json.dumps(step_incremental(args.world, args.work, args.day)))
        return
    if args.step:
        steps = {"import": step_import, "floor": step_floor}
        print(json.dumps(steps[args.step](args.world, args.work)))
        return
    work = Path(args.work or tempfile.mkdtemp(prefix="zhifa-bench-"))
    world = args.world
    if world is None:
        from generator import generate_world, get_scale

        world = work / "world"
        started = time.perf_counter()
        generate_world(world, get_scale(args.scale), args.seed, mixed=False)
        print(f"generated {args.scale} world in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    sizes = sum(p.stat().st_size for p in world.iterdir() if p.is_file())
    report: dict[str, object] = {
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "world": str(world),
        "table_bytes": sizes,
        "import": _child("import", world, work),
        "floor": _child("floor", world, work),
    }
    day, n = _one_day(world, work / "day")
    print(f"day {day}: {n} cases", file=sys.stderr)
    report["incremental"] = {"day_cases": n, **_child("incremental", world, work, "--day", str(work / "day"))}
    imported, floor = report["import"], report["floor"]
    assert isinstance(imported, dict) and isinstance(floor, dict)
    report["ratio_import_to_floor"] = round(imported["wall_s"] / floor["wall_s"], 1)
    report["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    print(json.dumps(report, indent=1))
    if args.work is None:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
