"""Chart builders: one function per chart type, each filling ``params`` and the replayed query together.

Every chart carries an empty time-range filter on ``period`` that the dashboard's period filter fills in.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from dashboards.spec import NO_FILTER, PERIOD, Chart, Dataset

# --- filters --------------------------------------------------------------------------------------------


def _period_filter() -> dict[str, Any]:
    """The empty time-range filter the dashboard's period filter fills in."""
    return {
        "expressionType": "SIMPLE",
        "subject": PERIOD,
        "operator": "TEMPORAL_RANGE",
        "comparator": NO_FILTER,
        "clause": "WHERE",
    }


def _where_filter(sql: str) -> dict[str, Any]:
    return {"expressionType": "SQL", "sqlExpression": sql, "clause": "WHERE"}


@dataclass
class _Common:
    """Filters shared by the form data and the replayed query."""

    where: str | None = None
    params: dict[str, Any] = field(default_factory=dict)
    query: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        adhoc = [_period_filter()]
        if self.where:
            adhoc.append(_where_filter(self.where))
        self.params["adhoc_filters"] = adhoc
        self.query["filters"] = [{"col": PERIOD, "op": "TEMPORAL_RANGE", "val": NO_FILTER}]
        self.query["extras"] = {"having": "", "where": f"({self.where})" if self.where else ""}


def _axis(column: str, grain: str | None) -> dict[str, Any]:
    axis: dict[str, Any] = {
        "columnType": "BASE_AXIS",
        "sqlExpression": column,
        "label": column,
        "expressionType": "SQL",
    }
    if grain:
        axis["timeGrain"] = grain
    return axis


# --- chart builders -------------------------------------------------------------------------------------


def big_number(
    key: str, title: str, ds: Dataset, metric: str, answers: str, where: str | None = None
) -> Chart:
    c = _Common(where)
    params = {
        **c.params,
        "metric": metric,
        "subheader": "",
        "header_font_size": 0.4,
        "subheader_font_size": 0.15,
        "y_axis_format": ds.metric(metric).d3format or "SMART_NUMBER",
    }
    query = {**c.query, "metrics": [metric], "row_limit": 1}
    return Chart(key, title, answers, ds, "big_number_total", params, query, width=3, height=30)


def table(
    key: str,
    title: str,
    ds: Dataset,
    answers: str,
    *,
    columns: list[str],
    metrics: list[str] | None = None,
    order_by: str,
    ascending: bool = False,
    limit: int = 100,
    where: str | None = None,
    width: int = 12,
) -> Chart:
    """Aggregated (``metrics`` given: group by ``columns``) or raw rows (no metrics)."""
    c = _Common(where)
    base = {
        "row_limit": limit,
        "server_page_length": 20,
        "table_timestamp_format": "%Y-%m-%d",
        "include_search": True,
        "show_cell_bars": True,
        "color_pn": True,
        "allow_rearrange_columns": False,
        "percent_metrics": [],
        "order_desc": not ascending,
        "column_config": {
            name: {"d3NumberFormat": col.fmt} for name in columns if (col := ds.column(name)).fmt
        },
    }
    if metrics:
        params = {
            **c.params,
            **base,
            "query_mode": "aggregate",
            "groupby": columns,
            "metrics": metrics,
            "all_columns": [],
            "timeseries_limit_metric": order_by,
        }
        query = {**c.query, "columns": columns, "metrics": metrics}
    else:
        params = {
            **c.params,
            **base,
            "query_mode": "raw",
            "all_columns": columns,
            "groupby": [],
            "metrics": [],
            "order_by_cols": [json.dumps([order_by, ascending])],
        }
        # metrics null, not []: an empty list makes Superset GROUP BY every column (1M rows sorted for 50)
        query = {**c.query, "columns": columns, "metrics": None}
    query.update(orderby=[[order_by, ascending]], row_limit=limit, order_desc=not ascending)
    return Chart(key, title, answers, ds, "table", params, query, width=width, height=60)


def bar(
    key: str,
    title: str,
    ds: Dataset,
    answers: str,
    *,
    x: str,
    metrics: list[str],
    series: list[str] | None = None,
    limit: int = 50,
    where: str | None = None,
    horizontal: bool = False,
    stack: bool = False,
    width: int = 6,
    value_format: str = "SMART_NUMBER",  # d3 format of the value axis, e.g. ".0%" for shares
) -> Chart:
    """Bars over a category (``x`` not a date) or over months (``x`` = period)."""
    temporal = x == PERIOD
    grain = "P1M" if temporal else None
    c = _Common(where)
    params = {
        **c.params,
        "x_axis": x,
        "metrics": metrics,
        "groupby": series or [],
        "row_limit": limit,
        "orientation": "horizontal" if horizontal else "vertical",
        "stack": "Stack" if stack else None,
        "show_legend": True,
        "legendOrientation": "top",
        "rich_tooltip": True,
        "y_axis_format": value_format,
        "truncate_metric": True,
        "x_axis_title_margin": 15,
        "y_axis_title_margin": 15,
        "color_scheme": "supersetColors",
        "only_total": True,
        "show_value": False,
    }
    if temporal:
        params["time_grain_sqla"] = grain
    else:
        params.update(x_axis_sort=metrics[0] if not series else None, x_axis_sort_asc=False)
    query = {
        **c.query,
        "columns": [_axis(x, grain), *(series or [])],
        "metrics": metrics,
        "orderby": [[metrics[0], False]],
        "row_limit": limit,
    }
    return Chart(key, title, answers, ds, "echarts_timeseries_bar", params, query, width=width)


def line(
    key: str,
    title: str,
    ds: Dataset,
    answers: str,
    *,
    metrics: list[str],
    series: list[str] | None = None,
    where: str | None = None,
    width: int = 6,
) -> Chart:
    c = _Common(where)
    params = {
        **c.params,
        "x_axis": PERIOD,
        "time_grain_sqla": "P1M",
        "metrics": metrics,
        "groupby": series or [],
        "row_limit": 10000,
        "show_legend": True,
        "legendOrientation": "top",
        "rich_tooltip": True,
        "markerEnabled": True,
        "y_axis_format": "SMART_NUMBER",
        "color_scheme": "supersetColors",
    }
    query = {
        **c.query,
        "columns": [_axis(PERIOD, "P1M"), *(series or [])],
        "metrics": metrics,
        "orderby": [[metrics[0], False]],
    }
    return Chart(key, title, answers, ds, "echarts_timeseries_line", params, query, width=width)


def heatmap(
    key: str,
    title: str,
    ds: Dataset,
    answers: str,
    *,
    y: str,
    metric: str,
    x: str = PERIOD,
    where: str | None = None,
    width: int = 12,
    limit: int = 10000,
    top: int = 0,
) -> Chart:
    """Cells ``x`` × ``y`` coloured by ``metric``; with ``top`` only the ``top`` rows (values of ``y``)
    whose ``metric`` over the whole filtered range is highest — a person reads 50 rows, not 450, and
    Superset serialises 50 rows of cells, not 450 (docs/benchmarks.md, issue 22)."""
    temporal = x == PERIOD
    c = _Common(where)
    params = {
        **c.params,
        "x_axis": x,
        "groupby": y,
        "metric": metric,
        "row_limit": limit,
        "linear_color_scheme": "superset_seq_1",
        "normalize_across": "heatmap",
        "legend_type": "continuous",
        "show_legend": True,
        "show_percentage": False,
        "show_values": not temporal,
        "xscale_interval": -1,
        "yscale_interval": -1,
        "left_margin": "auto",
        "bottom_margin": "auto",
        "sort_x_axis": "alpha_asc",
        "sort_y_axis": "alpha_asc",
        "value_bounds": [None, None],
        "y_axis_format": "SMART_NUMBER",
    }
    if temporal:
        params["time_grain_sqla"] = "P1M"
    query = {
        **c.query,
        "columns": [_axis(x, "P1M" if temporal else None), y],
        "metrics": [metric],
        "orderby": [[metric, False]],
        "row_limit": limit,
    }
    if top:  # the same keys in the form data (the chart's own query) and the replayed query
        series = {"series_columns": [y], "series_limit": top, "series_limit_metric": metric}
        params |= series
        query |= series
    return Chart(key, title, answers, ds, "heatmap_v2", params, query, width=width, height=70)


def treemap(
    key: str,
    title: str,
    ds: Dataset,
    answers: str,
    *,
    levels: list[str],
    metric: str,
    where: str | None = None,
    width: int = 12,
) -> Chart:
    """Nested rectangles: ``levels`` from the outermost (e.g. province › city › county), area = ``metric``."""
    c = _Common(where)
    params = {
        **c.params,
        "groupby": levels,
        "metric": metric,
        "row_limit": 10000,
        "color_scheme": "supersetColors",
        "show_labels": True,
        "show_upper_labels": True,
        "label_type": "key_value",
        "number_format": "SMART_NUMBER",
    }
    query = {**c.query, "columns": levels, "metrics": [metric], "orderby": [[metric, False]]}
    return Chart(key, title, answers, ds, "treemap_v2", params, query, width=width, height=70)


def pie(
    key: str,
    title: str,
    ds: Dataset,
    answers: str,
    *,
    group: str,
    metric: str,
    where: str | None = None,
    width: int = 6,
) -> Chart:
    c = _Common(where)
    params = {
        **c.params,
        "groupby": [group],
        "metric": metric,
        "row_limit": 100,
        "donut": True,
        "show_labels": True,
        "label_type": "key_percent",
        "labels_outside": True,
        "show_legend": True,
        "legendOrientation": "top",
        "number_format": "SMART_NUMBER",
        "sort_by_metric": True,
        "color_scheme": "supersetColors",
        "innerRadius": 30,
        "outerRadius": 70,
    }
    query = {
        **c.query,
        "columns": [group],
        "metrics": [metric],
        "orderby": [[metric, False]],
        "row_limit": 100,
    }
    return Chart(key, title, answers, ds, "pie", params, query, width=width)
