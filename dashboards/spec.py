"""A small vocabulary for Superset objects as code: datasets, saved metrics and charts.

Each chart keeps two views of one query: ``params`` (the form data the browser renders from) and
``query_context`` (what ``/api/v1/chart/{id}/data/`` replays). Both are derived here from one description,
so they cannot drift apart. UUIDs are derived from stable keys, so a re-generated bundle imports onto
the same objects.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

NAMESPACE = uuid.UUID("6f1c2f4e-5a53-4c1e-9a55-7a6869666131")  # fixed: the bundle's UUIDs depend on it
DATABASE_KEY = "snapshot"
PERIOD = "period"  # every dataset's time column has this name, so the period filter reaches every chart
NO_FILTER = "No filter"


def stable_uuid(kind: str, key: str) -> str:
    return str(uuid.uuid5(NAMESPACE, f"zhifa/{kind}/{key}"))


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # DuckDB type as Superset reports it
    label: str  # Chinese label shown on charts
    expression: str | None = None  # calculated column (SQL over the dataset's own columns)
    description: str | None = None
    fmt: str | None = None  # d3 number format in tables

    @property
    def is_dttm(self) -> bool:
        return self.type in ("DATE", "TIMESTAMP", "TIMESTAMP WITH TIME ZONE")


@dataclass(frozen=True)
class Metric:
    name: str
    expression: str
    label: str
    d3format: str | None = None
    description: str | None = None


@dataclass(frozen=True)
class Dataset:
    """A physical mart (``sql`` None) or a virtual dataset joining marts; table names must be unique."""

    table: str
    label: str
    columns: tuple[Column, ...]
    metrics: tuple[Metric, ...]
    sql: str | None = None
    schema: str = "marts"
    # unit columns row-level security bounds (dashboards/access.py): every one must lie in the user's scope
    scope_columns: tuple[str, ...] = ("unit_code",)

    @property
    def uuid(self) -> str:
        return stable_uuid("dataset", self.table)

    def column(self, name: str) -> Column:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(f"{self.table}: no column {name}")

    def metric(self, name: str) -> Metric:
        for met in self.metrics:
            if met.name == name:
                return met
        raise KeyError(f"{self.table}: no metric {name}")

    @property
    def stored_columns(self) -> list[Column]:
        """Columns the snapshot (or the virtual SQL) must deliver: the non-calculated ones."""
        return [c for c in self.columns if c.expression is None]


@dataclass(frozen=True)
class Chart:
    key: str
    title: str
    answers: str  # the question the chart answers (shown as its description)
    dataset: Dataset
    viz_type: str
    params: dict[str, Any]
    query: dict[str, Any]
    width: int = 6  # of 12 grid columns
    height: int = 50

    @property
    def uuid(self) -> str:
        return stable_uuid("chart", self.key)

    def form_data(self) -> dict[str, Any]:
        return {"viz_type": self.viz_type, "datasource": "0__table", **self.params}

    def query_context(self) -> str:
        form = self.form_data()
        query = {
            "filters": [],
            "extras": {"having": "", "where": ""},
            "applied_time_extras": {},
            "columns": [],
            "metrics": [],
            "orderby": [],
            "annotation_layers": [],
            "row_limit": self.params.get("row_limit", 10000),
            "series_limit": 0,
            "order_desc": True,
            "url_params": {},
            "custom_params": {},
            "custom_form_data": {},
            **self.query,
        }
        return json.dumps(
            {
                "datasource": {"id": 0, "type": "table"},  # rewritten on import
                "force": False,
                "queries": [query],
                "form_data": form,
                "result_format": "json",
                "result_type": "full",
            },
            ensure_ascii=False,
        )

    def validate(self) -> None:
        """Every column and metric a chart names must exist in its dataset (caught when generating)."""
        names = _referenced(self.query)
        known = {c.name for c in self.dataset.columns} | {m.name for m in self.dataset.metrics}
        missing = sorted(names - known)
        if missing:
            raise ValueError(f"chart {self.key!r} ({self.title}): {self.dataset.table} has no {missing}")


def _referenced(query: dict[str, Any]) -> set[str]:
    names: set[str] = set()
    for col in query.get("columns", []):
        names.add(col["sqlExpression"] if isinstance(col, dict) else col)
    for met in query.get("metrics") or []:
        names.add(met)
    for flt in query.get("filters", []):
        names.add(flt["col"])
    for ordering in query.get("orderby", []):
        names.add(ordering[0])
    return names


@dataclass(frozen=True)
class Board:
    slug: str
    title: str
    description: str
    rows: tuple[tuple[Chart, ...], ...]
    filter_dataset: Dataset  # where the province / unit / violation filters read their values

    @property
    def uuid(self) -> str:
        return stable_uuid("dashboard", self.slug)

    @property
    def charts(self) -> list[Chart]:
        return [c for row in self.rows for c in row]
