"""Addresses of the Superset dashboards, narrowed to a context: the one place a link is built.

The API hands these paths over with a sign-in token (``api/platform/services/dashboards.py``); the
bundle (``dashboards/bundle.py``) names its native filters with :func:`filter_id`, so the filter state in
a link reaches the filters the dashboard has. Superset 6.1 reads that state from the ``native_filters``
URL parameter (rison).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from urllib.parse import quote

# slug → what the office pages call it; the dashboards' own titles live in dashboards/boards.py
BOARDS: Mapping[str, str] = {
    "fine-consistency": "罚款一致性",
    "dossier-quality": "案卷质量",
    "enforcement-risk": "执法风险",
    "review-operations": "评查工作",
    "enforcement-assessment": "执法考评",
    "licensing": "许可",
}
UNIT_FILTER = "unit"  # on unit_path, the names path of dim_units
PROVINCE_FILTER = "province"  # on province_name, the province bureau's full name
PERIOD_FILTER = "period"
OFFICER_FILTER = "officer"  # on officer_id: the case's lead officer, the consistency or scorecard's person
OFFICER_COLUMN = "officer_id"
# the boards whose filter dataset carries OFFICER_COLUMN (dashboards/bundle.py checks it when generating);
# a link to another board drops the officer: no filter there to take it
OFFICER_BOARDS = frozenset(
    {"fine-consistency", "dossier-quality", "enforcement-risk", "enforcement-assessment"}
)
UNIT_NAME_SUFFIX = "烟草专卖局"  # dim_units.short_name drops it
PATH_SEPARATOR = " › "


def filter_id(slug: str, suffix: str) -> str:
    return f"NATIVE_FILTER-{slug}-{suffix}"


def unit_display_path(names: Iterable[str]) -> str:
    """The unit's path as the dashboards show and filter it (dim_units.path): short names from the
    province down, e.g. 河南省 › 郑州市 › 中牟县."""
    return PATH_SEPARATOR.join(n.removesuffix(UNIT_NAME_SUFFIX) for n in names)


_PLAIN = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]*")


def rison(value: object) -> str:
    """Rison (the URL-friendly JSON Superset reads ``native_filters`` in) of dicts, lists, str, bool."""
    if isinstance(value, bool):
        return "!t" if value else "!f"
    if value is None:
        return "!n"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, str):
        if _PLAIN.fullmatch(value):
            return value
        return "'" + value.replace("!", "!!").replace("'", "!'") + "'"
    if isinstance(value, Mapping):
        return "(" + ",".join(f"{rison(str(k))}:{rison(v)}" for k, v in value.items()) + ")"
    if isinstance(value, list | tuple):
        return "!(" + ",".join(rison(v) for v in value) + ")"
    raise TypeError(f"no rison form for {type(value).__name__}")


def _select(slug: str, suffix: str, column: str, values: list[str]) -> dict[str, object]:
    fid = filter_id(slug, suffix)
    return {
        "id": fid,
        "extraFormData": {"filters": [{"col": column, "op": "IN", "val": values}]},
        "filterState": {"value": values},
        "ownState": {},
    }


def dashboard_path(
    slug: str,
    unit_paths: list[str] | None = None,
    province: str | None = None,
    start: date | None = None,
    end: date | None = None,
    officer_id: str | None = None,
) -> str:
    """``/superset/dashboard/<slug>/`` with filters set: units (their display paths), a province (its
    name), a period (``end`` inclusive), an officer (their id, on boards with an officer filter).
    Row-level security still bounds what the user sees."""
    if slug not in BOARDS:
        raise ValueError(f"unknown dashboard {slug!r}")
    state: dict[str, object] = {}
    if province:
        state[filter_id(slug, PROVINCE_FILTER)] = _select(slug, PROVINCE_FILTER, "province_name", [province])
    if unit_paths:
        state[filter_id(slug, UNIT_FILTER)] = _select(slug, UNIT_FILTER, "unit_path", unit_paths)
    if officer_id and slug in OFFICER_BOARDS:
        state[filter_id(slug, OFFICER_FILTER)] = _select(slug, OFFICER_FILTER, OFFICER_COLUMN, [officer_id])
    if start or end:
        # Superset's ranges are [since : until); "No filter" stands for an open end
        since = start.isoformat() if start else "No filter"
        until = (end + timedelta(days=1)).isoformat() if end else "No filter"
        time_range = f"{since} : {until}"
        fid = filter_id(slug, PERIOD_FILTER)
        state[fid] = {
            "id": fid,
            "extraFormData": {"time_range": time_range},
            "filterState": {"value": time_range},
            "ownState": {},
        }
    path = f"/superset/dashboard/{slug}/"
    if state:
        path += "?native_filters=" + quote(rison(state), safe="(),:!'*-_.~")
    return path
