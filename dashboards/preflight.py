"""Before Superset imports anything: does the published snapshot have every column the bundle's datasets
list? A missing snapshot, a snapshot of an older schema, or a mart that lost a column is reported here,
naming the charts that would break, instead of a dashboard that shows blank or red boxes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from dashboards.bundle import BUNDLE_DIR, read_bundle


@dataclass
class Problem:
    dataset: str
    message: str
    charts: list[str]

    def __str__(self) -> str:
        charts = "、".join(f"「{c}」" for c in self.charts) or "（无图表）"
        return f"数据集 {self.dataset}：{self.message}；受影响的图表 / affected charts: {charts}"


def _delivered_columns(con: duckdb.DuckDBPyConnection, dataset: dict[str, Any]) -> set[str]:
    """Columns the snapshot delivers for a dataset (raises duckdb.Error when its SQL no longer binds)."""
    if dataset.get("sql"):
        rows = con.execute(f"DESCRIBE ({dataset['sql']})").fetchall()
        return {str(r[0]) for r in rows}
    rows = con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = ? AND table_name = ?",
        [dataset["schema"], dataset["table_name"]],
    ).fetchall()
    return {str(r[0]) for r in rows}


def check_snapshot(snapshot: Path, folder: Path = BUNDLE_DIR) -> list[Problem]:
    """Problems that would break charts; empty when every dataset finds all its columns."""
    if not snapshot.exists():
        return [
            Problem(
                "*",
                f"未找到已发布的数据快照 / no published snapshot at {snapshot}: run `zhifa run` first",
                [],
            )
        ]
    bundle = read_bundle(folder)
    datasets = {d["uuid"]: d for rel, d in bundle.items() if rel.startswith("datasets/")}
    charts: dict[str, list[str]] = {}
    for rel, chart in bundle.items():
        if rel.startswith("charts/"):
            charts.setdefault(chart["dataset_uuid"], []).append(chart["slice_name"])
    problems = []
    con = duckdb.connect(str(snapshot), read_only=True)
    try:
        for uuid, ds in datasets.items():
            name = ds["table_name"]
            needed = {c["column_name"] for c in ds["columns"] if not c.get("expression")}
            try:
                have = _delivered_columns(con, ds)
            except duckdb.Error as exc:
                first_line = str(exc).splitlines()[0]
                problems.append(
                    Problem(name, f"查询无法执行 / query fails: {first_line}", charts.get(uuid, []))
                )
                continue
            if not have:
                message = f"快照中没有表 {ds['schema']}.{name} / table missing from the snapshot"
                problems.append(Problem(name, message, charts.get(uuid, [])))
            elif missing := sorted(needed - have):
                message = f"缺少列 {', '.join(missing)} / columns missing from the snapshot"
                problems.append(Problem(name, message, charts.get(uuid, [])))
    finally:
        con.close()
    return problems
