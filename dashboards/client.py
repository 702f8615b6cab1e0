"""Superset's REST API as the bootstrap and the tests use it: log in, import the bundle, replay charts."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from dashboards.bundle import BUNDLE_DIR, ENDPOINT_TYPES, read_bundle, zip_bundle
from dashboards.service import SupersetError


@dataclass
class ChartResult:
    uuid: str
    title: str
    chart_id: int | None
    rows: list[dict[str, Any]]
    error: str | None
    seconds: float

    def describe(self) -> str:
        return f"图表「{self.title}」/ chart {self.uuid} (id {self.chart_id})"


class SupersetClient:
    """One logged-in session (bearer token, and the session cookie the CSRF token belongs to)."""

    def __init__(
        self, url: str, username: str, password: str | None, timeout: float = 120, handover: str | None = None
    ) -> None:
        """Log in with a password (Superset-local accounts), or follow ``handover``, a sign-in link the
        platform API issued (/zhifa/sso/?token=…): then this session is that platform user's."""
        self.http = httpx.Client(base_url=url, timeout=timeout)
        if handover is not None:
            resp = self.http.get(handover, follow_redirects=False)
            if resp.status_code != 302:
                raise SupersetError(f"Superset 登录失败 / sign-in of {username} refused: {resp.status_code}")
        else:
            resp = self.http.post(
                "/api/v1/security/login",
                json={"username": username, "password": password, "provider": "db", "refresh": True},
            )
            if resp.status_code != 200:
                raise SupersetError(
                    f"Superset 登录失败 / login as {username} failed: {resp.status_code} {resp.text}"
                )
            self.http.headers["Authorization"] = f"Bearer {resp.json()['access_token']}"
        csrf = self.http.get("/api/v1/security/csrf_token/")
        if handover is None or csrf.status_code == 200:
            csrf.raise_for_status()
            self.http.headers["X-CSRFToken"] = csrf.json()["result"]
        # (a Gamma user may not read it: its only write here, chart data, is exempt from CSRF)
        self.http.headers["Referer"] = url

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> SupersetClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def import_bundle(self, snapshot: Path, folder: Path = BUNDLE_DIR) -> None:
        """Database, datasets, charts, then dashboards, each with overwrite: changed objects replace old ones.

        (The dashboard import alone would keep existing charts and datasets of the same UUID.)
        """
        for endpoint in ENDPOINT_TYPES:
            resp = self.http.post(
                f"/api/v1/{endpoint}/import/",
                files={"formData": ("bundle.zip", zip_bundle(snapshot, endpoint, folder), "application/zip")},
                data={"overwrite": "true", "passwords": "{}"},
            )
            if resp.status_code != 200:
                raise SupersetError(
                    f"导入失败 / importing the {endpoint}s failed: {resp.status_code} {resp.text}"
                )

    def _list(self, kind: str, columns: str) -> list[dict[str, Any]]:
        resp = self.http.get(f"/api/v1/{kind}/", params={"q": f"(columns:!({columns}),page_size:100)"})
        resp.raise_for_status()
        return list(resp.json()["result"])

    def chart_ids(self) -> dict[str, int]:
        """uuid → id of every chart Superset knows."""
        return {str(r["uuid"]): int(r["id"]) for r in self._list("chart", "id,uuid")}

    def chart_titles(self) -> dict[str, str]:
        """uuid → title of every chart Superset knows."""
        return {str(r["uuid"]): str(r["slice_name"]) for r in self._list("chart", "uuid,slice_name")}

    def dashboards(self) -> dict[str, dict[str, Any]]:
        """slug → {id, dashboard_title, uuid}."""
        return {str(r["slug"]): r for r in self._list("dashboard", "id,uuid,slug,dashboard_title")}

    def chart_data(self, chart_id: int) -> tuple[list[dict[str, Any]], str | None]:
        """Replay a chart's saved query: (rows, error message or None)."""
        return _rows(self.http.get(f"/api/v1/chart/{chart_id}/data/"))

    def chart_data_filtered(
        self, chart_id: int, filters: list[dict[str, Any]]
    ) -> tuple[list[dict[str, Any]], str | None]:
        """The chart's saved query with filter values added to it (``{"col", "op", "val"}``), as the
        dashboard sends a chart's query once a native filter has a value."""
        context = self.query_context(chart_id)
        for query in context["queries"]:
            query["filters"] = [*query.get("filters", []), *filters]
        return self.query(context)

    def query_context(self, chart_id: int) -> dict[str, Any]:
        """The chart's saved query (what its data endpoint replays), to change and send with :meth:`query`."""
        resp = self.http.get(f"/api/v1/chart/{chart_id}")
        resp.raise_for_status()
        context: dict[str, Any] = json.loads(resp.json()["result"]["query_context"])
        return context

    def query(self, context: dict[str, Any]) -> tuple[list[dict[str, Any]], str | None]:
        return _rows(self.http.post("/api/v1/chart/data", json=context))

    def check_charts(self, folder: Path = BUNDLE_DIR) -> list[ChartResult]:
        """Replay every chart of the bundle; missing charts and query errors are results, not exceptions."""
        ids = self.chart_ids()
        results = []
        for rel, data in read_bundle(folder).items():
            if not rel.startswith("charts/"):
                continue
            chart_id = ids.get(data["uuid"])
            began = time.perf_counter()
            rows: list[dict[str, Any]] = []
            error: str | None = "not imported"
            if chart_id is not None:
                rows, error = self.chart_data(chart_id)
            results.append(
                ChartResult(
                    data["uuid"], data["slice_name"], chart_id, rows, error, time.perf_counter() - began
                )
            )
        return results


def _rows(resp: httpx.Response) -> tuple[list[dict[str, Any]], str | None]:
    """Rows of a chart-data answer, or the error Superset reports."""
    if resp.status_code != 200:
        body = resp.json() if resp.headers.get("content-type", "").startswith("application/json") else {}
        errors = body.get("errors") or []
        message = "; ".join(e.get("message", "") for e in errors) or body.get("message") or resp.text
        return [], f"HTTP {resp.status_code}: {message}"
    rows: list[dict[str, Any]] = []
    for result in resp.json()["result"]:
        if result.get("error"):
            return [], str(result["error"])
        rows.extend(result.get("data") or [])
    return rows, None
