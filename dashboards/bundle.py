"""Write the Superset export bundle (``dashboards/bundle/``) from the spec, and zip it for import.

``python -m dashboards.bundle`` regenerates the committed bundle. The database YAML carries a
placeholder for the snapshot path; :func:`zip_bundle` fills in this machine's path when zipping.
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any

import yaml

from dashboards.assessment import ASSESSMENT_DATASETS
from dashboards.boards import BOARDS, Board
from dashboards.datasets import DATASETS
from dashboards.licence_datasets import LICENCE_DATASETS
from dashboards.review_datasets import REVIEW_DATASETS
from dashboards.spec import DATABASE_KEY, Chart, Dataset, stable_uuid
from zhifa.dashboard_links import (
    OFFICER_BOARDS,
    OFFICER_COLUMN,
    OFFICER_FILTER,
    PERIOD_FILTER,
    PROVINCE_FILTER,
    UNIT_FILTER,
    filter_id,
)
from zhifa.settings import PROJECT_ROOT

BUNDLE_DIR = PROJECT_ROOT / "dashboards" / "bundle"
ROOT_FOLDER = "zhifa_dashboards"
SNAPSHOT_PLACEHOLDER = "__ZHIFA_SNAPSHOT__"
DATABASE_NAME = "执法数据快照 (zhifa snapshot)"
VERSION = "1.0.0"
# the import endpoint checks that metadata.yaml names the kind of object it imports
ENDPOINT_TYPES = {"database": "Database", "dataset": "SqlaTable", "chart": "Slice", "dashboard": "Dashboard"}
# filters every dashboard has: (id suffix, Chinese name, column); the period filter is added separately.
# Units are picked by name (dim_units): the path 省 › 市 › 县 is unique where short names repeat.
SELECT_FILTERS = (
    (PROVINCE_FILTER, "省级局", "province_name"),
    (UNIT_FILTER, "办案单位（市／县）", "unit_path"),
    ("violation", "违法类型", "violation_name"),
    (OFFICER_FILTER, "执法人员编号", OFFICER_COLUMN),
)


def dump_yaml(data: dict[str, Any]) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)


def database_yaml() -> dict[str, Any]:
    return {
        "database_name": DATABASE_NAME,
        "sqlalchemy_uri": f"duckdb:///{SNAPSHOT_PLACEHOLDER}",
        "cache_timeout": None,
        "expose_in_sqllab": False,  # dashboards only: no free SQL over the snapshot
        "allow_run_async": False,
        "allow_ctas": False,
        "allow_cvas": False,
        "allow_dml": False,
        "allow_csv_upload": False,
        "extra": {
            # read-only, and no reading of other files through DuckDB's table functions
            "engine_params": {
                "connect_args": {"read_only": True, "config": {"enable_external_access": False}}
            },
            "metadata_params": {},
            "schemas_allowed_for_file_upload": [],
        },
        "uuid": stable_uuid("database", DATABASE_KEY),
        "version": VERSION,
    }


def dataset_yaml(ds: Dataset) -> dict[str, Any]:
    return {
        "table_name": ds.table,
        "main_dttm_col": "period",
        "description": ds.label,
        "default_endpoint": None,
        "offset": 0,
        "cache_timeout": None,
        "schema": ds.schema,
        "sql": ds.sql,
        "params": None,
        "template_params": None,
        "filter_select_enabled": True,
        "fetch_values_predicate": None,
        "extra": None,
        "normalize_columns": False,
        "always_filter_main_dttm": False,
        "uuid": ds.uuid,
        "metrics": [
            {
                "metric_name": m.name,
                "verbose_name": m.label,
                "metric_type": None,
                "expression": m.expression,
                "description": m.description,
                "d3format": m.d3format,
                "extra": {},
                "warning_text": None,
            }
            for m in ds.metrics
        ],
        "columns": [
            {
                "column_name": c.name,
                "verbose_name": c.label,
                "is_dttm": c.is_dttm,
                "is_active": True,
                "type": c.type,
                "advanced_data_type": None,
                "groupby": True,
                "filterable": True,
                "expression": c.expression,
                "description": c.description,
                "python_date_format": None,
                "extra": {},
            }
            for c in ds.columns
        ],
        "version": VERSION,
        "database_uuid": stable_uuid("database", DATABASE_KEY),
    }


def chart_yaml(chart: Chart) -> dict[str, Any]:
    chart.validate()
    return {
        "slice_name": chart.title,
        "description": chart.answers,
        "certified_by": None,
        "certification_details": None,
        "viz_type": chart.viz_type,
        "params": chart.form_data(),
        "query_context": chart.query_context(),
        "cache_timeout": None,
        "uuid": chart.uuid,
        "version": VERSION,
        "dataset_uuid": chart.dataset.uuid,
    }


def _chart_ids(board: Board) -> dict[str, int]:
    """Placeholder ids linking layout and filter scopes; the import rewrites them to real ids."""
    return {c.uuid: i for i, c in enumerate(board.charts, start=1)}


def _position(board: Board) -> dict[str, Any]:
    ids = _chart_ids(board)
    pos: dict[str, Any] = {
        "DASHBOARD_VERSION_KEY": "v2",
        "ROOT_ID": {"type": "ROOT", "id": "ROOT_ID", "children": ["GRID_ID"]},
        "HEADER_ID": {"id": "HEADER_ID", "type": "HEADER", "meta": {"text": board.title}},
        "GRID_ID": {"type": "GRID", "id": "GRID_ID", "children": [], "parents": ["ROOT_ID"]},
    }
    for r, row in enumerate(board.rows, start=1):
        row_id = f"ROW-{r}"
        pos["GRID_ID"]["children"].append(row_id)
        pos[row_id] = {
            "type": "ROW",
            "id": row_id,
            "children": [],
            "parents": ["ROOT_ID", "GRID_ID"],
            "meta": {"background": "BACKGROUND_TRANSPARENT"},
        }
        for chart in row:
            chart_id = f"CHART-{chart.key}"
            pos[row_id]["children"].append(chart_id)
            pos[chart_id] = {
                "type": "CHART",
                "id": chart_id,
                "children": [],
                "parents": ["ROOT_ID", "GRID_ID", row_id],
                "meta": {
                    "width": chart.width,
                    "height": chart.height,
                    "chartId": ids[chart.uuid],
                    "uuid": chart.uuid,
                    "sliceName": chart.title,
                },
            }
    return pos


def _scope(board: Board, column: str | None) -> dict[str, Any]:
    """A filter reaches the charts whose dataset has its column (all for ``None``, the period every
    dataset has): a chart it cannot narrow is left out of its scope, not shown as if narrowed."""
    ids = _chart_ids(board)
    reached = {
        c.uuid for c in board.charts if column is None or column in {k.name for k in c.dataset.columns}
    }
    return {
        "scope": {"rootPath": ["ROOT_ID"], "excluded": [i for u, i in ids.items() if u not in reached]},
        "chartsInScope": [i for u, i in ids.items() if u in reached],
    }


def _native_filters(board: Board) -> list[dict[str, Any]]:
    common = {
        "type": "NATIVE_FILTER",
        "description": "",
        "defaultDataMask": {"extraFormData": {}, "filterState": {}, "ownState": {}},
        "tabsInScope": [],
    }
    filters: list[dict[str, Any]] = []
    known = {c.name for c in board.filter_dataset.columns}
    if (OFFICER_COLUMN in known) != (board.slug in OFFICER_BOARDS):
        raise ValueError(
            f"{board.slug}: officer filter column and zhifa.dashboard_links.OFFICER_BOARDS disagree"
        )
    for suffix, name, column in SELECT_FILTERS:
        if column not in known:  # e.g. scorecards have no violation type: no filter that narrows nothing
            continue
        fid = filter_id(board.slug, suffix)
        filters.append(
            {
                **common,
                **_scope(board, column),
                "id": fid,
                "name": name,
                "filterType": "filter_select",
                "targets": [{"datasetUuid": board.filter_dataset.uuid, "column": {"name": column}}],
                "controlValues": {
                    "enableEmptyFilter": False,
                    "defaultToFirstItem": False,
                    "multiSelect": True,
                    "searchAllOptions": False,
                    "inverseSelection": False,
                },
                # the unit list narrows to the chosen province
                "cascadeParentIds": [filter_id(board.slug, PROVINCE_FILTER)] if suffix == UNIT_FILTER else [],
            }
        )
    filters.insert(
        2,
        {
            **common,
            **_scope(board, None),
            "id": filter_id(board.slug, PERIOD_FILTER),
            "name": "期间",
            "filterType": "filter_time",
            "targets": [{}],
            "controlValues": {"enableEmptyFilter": False},
            "cascadeParentIds": [],
        },
    )
    return filters


def dashboard_yaml(board: Board) -> dict[str, Any]:
    return {
        "dashboard_title": board.title,
        "description": board.description,
        "css": "",
        "slug": board.slug,
        "certified_by": None,
        "certification_details": None,
        "published": True,
        "uuid": board.uuid,
        "position": _position(board),
        "metadata": {
            "native_filter_configuration": _native_filters(board),
            "chart_configuration": {},
            "global_chart_configuration": {"scope": {"rootPath": ["ROOT_ID"], "excluded": []}},
            "color_scheme": "supersetColors",
            "refresh_frequency": 0,
            "expanded_slices": {},
            "label_colors": {},
            "shared_label_colors": [],
            "timed_refresh_immune_slices": [],
            "cross_filters_enabled": False,
            "default_filters": "{}",
        },
        "version": VERSION,
    }


def bundle_files() -> dict[str, str]:
    """Relative path → YAML text of every file of the bundle."""
    files = {
        "metadata.yaml": dump_yaml(
            {"version": VERSION, "type": "Dashboard", "timestamp": "2025-01-01T00:00:00+00:00"}
        ),
        "databases/zhifa_snapshot.yaml": dump_yaml(database_yaml()),
    }
    for ds in (*DATASETS, *REVIEW_DATASETS, *ASSESSMENT_DATASETS, *LICENCE_DATASETS):
        files[f"datasets/zhifa_snapshot/{ds.table}.yaml"] = dump_yaml(dataset_yaml(ds))
    for board in BOARDS:
        for chart in board.charts:
            files[f"charts/{chart.key}.yaml"] = dump_yaml(chart_yaml(chart))
        files[f"dashboards/{board.slug}.yaml"] = dump_yaml(dashboard_yaml(board))
    return files


def write_bundle(out: Path = BUNDLE_DIR) -> list[Path]:
    """Replace ``out`` with the generated bundle (stale files of removed objects go too)."""
    files = bundle_files()
    if out.exists():
        for old in sorted(out.rglob("*.yaml")):
            if str(old.relative_to(out)) not in files:
                old.unlink()
    written = []
    for rel, text in files.items():
        path = out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def read_bundle(folder: Path = BUNDLE_DIR) -> dict[str, dict[str, Any]]:
    return {
        str(p.relative_to(folder)): yaml.safe_load(p.read_text(encoding="utf-8"))
        for p in sorted(folder.rglob("*.yaml"))
    }


def zip_bundle(snapshot: Path, endpoint: str, folder: Path = BUNDLE_DIR) -> bytes:
    """The committed bundle as an import zip for one endpoint, pointing at ``snapshot``."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for rel, data in read_bundle(folder).items():
            if rel == "metadata.yaml":
                data = {**data, "type": ENDPOINT_TYPES[endpoint]}
            elif rel.startswith("databases/"):
                data = {
                    **data,
                    "sqlalchemy_uri": data["sqlalchemy_uri"].replace(SNAPSHOT_PLACEHOLDER, str(snapshot)),
                }
            zf.writestr(f"{ROOT_FOLDER}/{rel}", dump_yaml(data))
    return buffer.getvalue()


def chart_titles(folder: Path = BUNDLE_DIR) -> dict[str, str]:
    """Chart uuid → title, from the committed bundle."""
    return {
        data["uuid"]: data["slice_name"]
        for rel, data in read_bundle(folder).items()
        if rel.startswith("charts/")
    }


def main() -> None:
    paths = write_bundle()
    print(json.dumps({"bundle": str(BUNDLE_DIR), "files": len(paths)}))


if __name__ == "__main__":
    main()
