"""One sign-in, unit-scoped dashboards (issue #17): the API's users as Superset accounts, signed in by the
API's handover link, every chart of every dashboard bounded to the user's unit subtree by row-level
security. Runs on the session's Superset (conftest.py ``served``); the truth is DuckDB over the snapshot
and the admin's answers narrowed by an explicit unit filter, never the RLS under test.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import duckdb
import httpx
import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Page, sync_playwright
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session
from superset_support import API_SECRET, SSO_KEY, TRAINED_COURSE, Served
from typer.testing import CliRunner

from api.main import create_app
from api.models import Officer, TrainingAssignment, Unit
from api.platform.services.users import create_user
from cli.dashboards import sync_users
from cli.main import app as cli_app
from dashboards.assessment import ASSESSMENT
from dashboards.boards import BOARDS
from dashboards.browser import CHROMIUM, CHROMIUM_ARGS, VIEWPORT
from dashboards.bundle import read_bundle
from dashboards.client import SupersetClient
from dashboards.service import SupersetError
from zhifa.dashboard_links import BOARDS as LINKED_BOARDS
from zhifa.dashboard_links import OFFICER_BOARDS, OFFICER_FILTER, filter_id, rison, unit_display_path
from zhifa.reference import load_reference, read_seed
from zhifa.settings import SEEDS_DIR, Settings, get_settings
from zhifa.training_effect import OBSERVATIONAL, SMALL_SAMPLE

pytestmark = pytest.mark.slow
PASSWORD = "correct-horse-9"


@dataclass
class World:
    served: Served
    api: TestClient
    county_a: str
    county_b: str
    province: str
    tokens: dict[str, str]  # username → API bearer token

    def link(self, username: str, board: str, **params: str) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.tokens[username]}"}
        return self.api.get(f"/dashboards/{board}/link", params=params, headers=headers)

    def superset(self, username: str, board: str = "fine-consistency") -> SupersetClient:
        resp = self.link(username, board)
        assert resp.status_code == 200, resp.text
        return SupersetClient(self.served.inst.settings.url, username, None, handover=resp.json()["url"])


def _two_counties(snapshot: str) -> tuple[str, str, str]:
    """The two county units with most cases and their province, from the snapshot."""
    con = duckdb.connect(snapshot, read_only=True)
    try:
        rows = con.execute(
            """SELECT o.unit_code, u.province_code FROM marts.fct_case_overview o
            JOIN marts.dim_units u USING (unit_code) WHERE u.depth = 2
            GROUP BY ALL ORDER BY count(*) DESC, 1 LIMIT 2"""
        ).fetchall()
    finally:
        con.close()
    (a, province), (b, _) = rows
    return a, b, province


@pytest.fixture(scope="module")
def world(served: Served) -> Iterator[World]:
    a, b, province = _two_counties(str(served.snapshot))
    settings = Settings(
        home=served.home,
        database_url=served.api_url,
        secret_key=API_SECRET,
        dashboards_url=served.inst.settings.url,
        dashboards_sso_key=SSO_KEY,
    )
    app = create_app(settings)
    users = {"county_a": (a, "manager"), "province_mgr": (province, "manager"), "leaver": (a, "manager")}
    with app.state.sessionmaker() as session:
        for name, (unit, roles) in users.items():
            create_user(session, name, PASSWORD, unit, roles)
        session.commit()
        report = sync_users(session, served.inst)
    assert {"county_a", "province_mgr", "leaver"} <= set(report["created"])
    assert report["tables"] == len({rel for rel in read_bundle() if rel.startswith("datasets/")})
    with TestClient(app) as api:
        tokens = {}
        for name in users:
            resp = api.post("/auth/token", data={"username": name, "password": PASSWORD})
            assert resp.status_code == 200, resp.text
            tokens[name] = resp.json()["access_token"]
        yield World(served, api, a, b, province, tokens)
    app.state.engine.dispose()


def _unit_columns() -> dict[str, list[str]]:
    """Chart title → the unit-code columns of its dataset, read from the bundle (unit_code, and
    unit_code_b where a row shows a second case)."""
    bundle = read_bundle()
    columns = {
        data["uuid"]: [c["column_name"] for c in data["columns"] if c["column_name"].startswith("unit_code")]
        for rel, data in bundle.items()
        if rel.startswith("datasets/")
    }
    return {
        data["slice_name"]: columns[data["dataset_uuid"]]
        for rel, data in bundle.items()
        if rel.startswith("charts/")
    }


def test_every_dataset_carries_the_unit_column_rls_filters_on() -> None:
    for rel, data in read_bundle().items():
        if rel.startswith("datasets/"):
            assert "unit_code" in {c["column_name"] for c in data["columns"]}, rel
    assert _unit_columns()["相似案件、不同罚款（明细）"] == ["unit_code", "unit_code_b"]


def _units_seen(
    client: SupersetClient, chart_id: int, column: str = "unit_code", filters: tuple[dict[str, Any], ...] = ()
) -> set[str]:
    """The unit codes (or other ``column``) behind a chart: its saved query regrouped by that column (same
    dataset, same filters, plus ``filters``)."""
    context = client.query_context(chart_id)
    for query in context["queries"]:
        query.update(
            filters=[*query.get("filters", []), *filters],
            columns=[column],
            metrics=[{"expressionType": "SQL", "sqlExpression": "COUNT(*)", "label": "n"}],
            orderby=[],
            post_processing=[],
            row_limit=100_000,
            series_limit=0,
        )
        query.pop("series_columns", None)
        query.get("extras", {}).pop("time_grain_sqla", None)
    rows, error = client.query(context)
    assert error is None, (chart_id, error)
    return {str(r[column]) for r in rows}


def _canonical(rows: list[dict[str, Any]]) -> list[str]:
    return sorted(repr(sorted(r.items())) for r in rows)


def test_a_county_manager_sees_only_their_county_in_every_chart(world: World) -> None:
    chart_ids = {r.title: r.chart_id for r in world.served.results.values()}
    assert set(chart_ids) == {c.title for b in BOARDS for c in b.charts}
    unit_columns = _unit_columns()
    seen: set[str] = set()
    with world.served.client() as admin, world.superset("county_a") as county:
        for title, chart_id in chart_ids.items():
            assert chart_id is not None
            for column in unit_columns[title]:
                units = _units_seen(county, chart_id, column)
                assert units <= {world.county_a}, (title, column, units)
                seen |= units
            # every chart answers exactly what the admin gets with the county picked explicitly
            own = [{"col": c, "op": "IN", "val": [world.county_a]} for c in unit_columns[title]]
            rows, error = county.chart_data(chart_id)
            expected, admin_error = admin.chart_data_filtered(chart_id, own)
            assert error is None and admin_error is None, (title, error, admin_error)
            limit = admin.query_context(chart_id)["queries"][0].get("row_limit") or 10_000
            if len(expected) < limit:
                assert _canonical(rows) == _canonical(expected), title
            else:  # cut by the limit: ties may fall either way, the count may not
                assert len(rows) == len(expected), title


def test_province_staff_see_both_counties(world: World) -> None:
    with world.superset("province_mgr") as client:
        units: set[str] = set()
        for result in world.served.results.values():
            assert result.chart_id is not None
            units |= _units_seen(client, result.chart_id)
    assert {world.county_a, world.county_b} <= units


def _units_with_trained_officers(served: Served) -> dict[str, str]:
    """Unit code → path of every unit with, in its subtree, an officer who completed TRAINED_COURSE in the
    API store (as planted, read back from the store) and who worked on cases (the effect compares officers'
    cases); units and officers from the world's staging tables, the subtree walked here up to the province."""
    engine = create_engine(served.api_url)
    try:
        with Session(engine) as session:
            trained = set(
                session.scalars(
                    select(TrainingAssignment.officer_id)
                    .where(TrainingAssignment.course_id == TRAINED_COURSE)
                    .where(TrainingAssignment.status == "completed")
                )
            )
    finally:
        engine.dispose()
    build = duckdb.connect(str(served.build), read_only=True)
    try:
        officer_units = dict(
            build.execute("SELECT officer_id, unit_code FROM staging.stg_officers").fetchall()
        )
        on_cases = {
            r[0]
            for r in build.execute("SELECT DISTINCT officer_id FROM staging.stg_case_officers").fetchall()
        }
        units = {
            code: (parent, depth, path)
            for code, parent, depth, path in build.execute(
                "SELECT unit_code, parent_code, depth, path FROM marts.dim_units"
            ).fetchall()
        }
    finally:
        build.close()
    found: dict[str, str] = {}
    for officer in trained & on_cases:
        unit: str | None = officer_units[officer]
        while unit is not None:
            parent, depth, path = units[unit]
            found[unit] = path
            unit = parent if depth > 0 else None
    return found


def test_the_training_effect_table_is_per_unit_and_scoped(world: World) -> None:
    """The 执法考评 effect table over the planted training (superset_support: every other officer completed
    TRAINED_COURSE): a row per unit subtree with a trained officer, small groups labelled as such; county A's
    manager gets county A's row, as the province sees it, and no row of county B or above."""
    expected = _units_with_trained_officers(world.served)
    assert {world.county_a, world.county_b, world.province} <= set(expected)
    title = next(c.title for c in ASSESSMENT.charts if c.key == "assess_training_effect")
    chart_id = world.served.results[title].chart_id
    assert chart_id is not None
    with world.superset("province_mgr") as province, world.superset("county_a") as county:
        rows, error = province.chart_data(chart_id)
        own, own_error = county.chart_data(chart_id)
    assert error is None and own_error is None, (error, own_error)
    assert sorted(r["unit_path"] for r in rows) == sorted(expected.values())
    courses = read_seed(SEEDS_DIR / "ref_training_courses.csv").set_index("course_id")
    assert {r["course_title"] for r in rows} == {courses.loc[TRAINED_COURSE, "title_zh"]}
    min_group = float(load_reference().setting("training_effect_min_group"))
    for r in rows:
        small = min(r["n_trained"], r["n_comparison"]) < min_group
        assert (r["caveat"] == SMALL_SAMPLE) == small and (r["conclusion"] == SMALL_SAMPLE) == small, r
    assert {r["caveat"] for r in rows} == {SMALL_SAMPLE, OBSERVATIONAL}  # the province pools enough officers
    assert own == [r for r in rows if r["unit_path"] == expected[world.county_a]]


@pytest.fixture
def cli_env(world: World, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The `zhifa` command pointed at this world's API store and Superset."""
    monkeypatch.setenv("ZHIFA_HOME", str(world.served.home))
    monkeypatch.setenv("ZHIFA_DATABASE_URL", world.served.api_url)
    monkeypatch.setenv("ZHIFA_SECRET_KEY", API_SECRET)
    monkeypatch.setenv("ZHIFA_SUPERSET_HOME_DIR", str(world.served.inst.settings.home))
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def _zhifa(*args: str) -> str:
    result = CliRunner().invoke(cli_app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_zhifa_users_commands_disable_and_re_role_the_dashboards_account(world: World, cli_env: None) -> None:
    early = world.link("leaver", "fine-consistency").json()["url"]
    assert "disabled 1" in _zhifa("users", "disable", "leaver")
    # a link issued before the user was disabled no longer signs in, and no new one is issued
    with pytest.raises(SupersetError):
        SupersetClient(world.served.inst.settings.url, "leaver", None, handover=early)
    assert world.link("leaver", "fine-consistency").status_code == 401
    # nor does Superset's own password login know the account
    login = httpx.post(
        f"{world.served.inst.settings.url}/api/v1/security/login",
        json={"username": "leaver", "password": PASSWORD, "provider": "db"},
    )
    assert login.status_code == 401
    # re-enabled, then re-roled to officer: its own unit only (a county has no sub-units: same rows)
    _zhifa("users", "enable", "leaver")
    _zhifa("users", "roles", "leaver", "--roles", "officer")
    with world.superset("leaver") as client:
        result = world.served.results["已评估案件数"]
        assert result.chart_id is not None
        assert _units_seen(client, result.chart_id) == {world.county_a}
    # a user session opened before disabling ends with it
    with world.superset("leaver") as client:
        _zhifa("users", "disable", "leaver")
        assert result.chart_id is not None
        assert client.http.get(f"/api/v1/chart/{result.chart_id}/data/").status_code == 401


def test_links_carry_the_context_and_refuse_foreign_units(world: World) -> None:
    resp = world.link("province_mgr", "dossier-quality", unit_code=world.county_a, date_from="2024-01-01")
    assert resp.status_code == 200, resp.text
    url = httpx.URL(resp.json()["url"])
    assert url.path == "/zhifa/sso/"
    target = url.params["next"]
    with world.api.app.state.sessionmaker() as session:  # type: ignore[attr-defined]
        unit = session.get(Unit, world.county_a)
        assert unit is not None
        names = [session.get(Unit, c).name for c in unit.path.strip("/").split("/")]
    assert target.startswith("/superset/dashboard/dossier-quality/?native_filters=")
    assert httpx.URL("http://x" + target).params["native_filters"].count(unit_display_path(names)) == 2
    assert "2024-01-01 : No filter" in httpx.URL("http://x" + target).params["native_filters"]
    # a county manager asking for the other county, or one of its officers: as if it did not exist
    foreign = world.link("county_a", "dossier-quality", unit_code=world.county_b)
    assert foreign.status_code == 404
    with world.api.app.state.sessionmaker() as session:  # type: ignore[attr-defined]
        officer_b = session.scalars(
            select(Officer.officer_id).where(Officer.unit_code == world.county_b)
        ).first()
    assert officer_b is not None
    foreign = world.link("county_a", "dossier-quality", officer_id=officer_b)
    missing = world.link("county_a", "dossier-quality", officer_id="O000000000")
    assert foreign.status_code == missing.status_code == 404 and foreign.json() == missing.json()
    assert world.link("province_mgr", "dossier-quality", officer_id=officer_b).status_code == 200
    assert world.link("county_a", "no-such-board").status_code == 404
    assert set(LINKED_BOARDS) == {b.slug for b in BOARDS}


# per board with an officer filter: a headline chart and its count computed from the source marts
OFFICER_TRUTH = {
    "fine-consistency": (
        "已评估案件数",
        "SELECT count(*) FROM marts.fct_case_fines WHERE lead_officer_id = ? AND fine_status = 'ok'",
    ),
    "dossier-quality": (
        "案卷数",
        "SELECT count(*) FROM marts.fct_dossier_quality JOIN marts.fct_case_fines f USING (case_id) "
        "WHERE f.lead_officer_id = ?",
    ),
    "enforcement-risk": (
        "有风险信号的案件数",
        "SELECT count(*) FROM marts.fct_case_risk r JOIN marts.fct_case_fines f USING (case_id) "
        "WHERE f.lead_officer_id = ? AND r.n_signals > 0",
    ),
    "enforcement-assessment": (
        "人员考评数（人·月）",
        "SELECT count(*) FROM marts.fct_scorecards WHERE person_id = ? AND level = 'officer'",
    ),
}


def test_an_officer_link_narrows_every_chart_it_can_to_that_officer(world: World) -> None:
    """The officer filter of a link (the busiest lead officer of county A) is a filter the imported dashboard
    has, on the officer column; sent with the charts' queries as the dashboard sends it, the charts in its
    scope (one per dataset) answer with that officer's rows only, headlines equal to DuckDB over the source
    marts, and the charts left out of its scope are those whose dataset has no officer column."""
    con = duckdb.connect(str(world.served.snapshot), read_only=True)
    try:
        (officer,) = con.execute(
            "SELECT lead_officer_id FROM marts.fct_case_fines WHERE unit_code = ? AND fine_status = 'ok' "
            "GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1",
            [world.county_a],
        ).fetchall()[0]
        truth = {
            slug: con.execute(sql, [officer]).fetchall()[0][0] for slug, (_, sql) in OFFICER_TRUTH.items()
        }
        (county_cases,) = con.execute(
            "SELECT count(*) FROM marts.fct_case_fines WHERE unit_code = ? AND fine_status = 'ok'",
            [world.county_a],
        ).fetchall()[0]
    finally:
        con.close()
    assert 0 < truth["fine-consistency"] < county_cases and all(truth.values()), truth
    assert set(OFFICER_TRUTH) == OFFICER_BOARDS
    datasets = {d["uuid"]: d for rel, d in read_bundle().items() if rel.startswith("datasets/")}
    charts = {
        d["slice_name"]: datasets[d["dataset_uuid"]]
        for rel, d in read_bundle().items()
        if rel.startswith("charts/")
    }
    chart_ids = {r.title: r.chart_id for r in world.served.results.values()}
    narrowed: set[str] = set()
    with world.served.client() as admin, world.superset("province_mgr") as client:
        for board in (b for b in BOARDS if b.slug in OFFICER_BOARDS):
            resp = world.link("province_mgr", board.slug, officer_id=officer)
            assert resp.status_code == 200, resp.text
            state = httpx.URL("http://x" + httpx.URL(resp.json()["url"]).params["next"]).params[
                "native_filters"
            ]
            fid = filter_id(board.slug, OFFICER_FILTER)
            meta = admin.http.get(f"/api/v1/dashboard/{board.slug}")
            meta.raise_for_status()
            config = json.loads(meta.json()["result"]["json_metadata"])["native_filter_configuration"]
            (imported,) = [f for f in config if f["id"] == fid]
            column = imported["targets"][0]["column"]["name"]
            picked = {"col": column, "op": "IN", "val": [officer]}
            assert f"{fid}:(id:{fid},extraFormData:(filters:!({rison(picked)}))" in state
            excluded = set(imported["scope"]["excluded"])
            for chart in board.charts:
                chart_id = chart_ids[chart.title]
                assert chart_id is not None
                has_column = column in {c["column_name"] for c in charts[chart.title]["columns"]}
                assert (chart_id in excluded) != has_column, (board.slug, chart.title)
                if has_column and chart.dataset.uuid not in narrowed:  # one chart per dataset: same filter
                    narrowed.add(chart.dataset.uuid)
                    seen = _units_seen(client, chart_id, column, (picked,))
                    assert seen == {officer}, (chart.title, seen)
            title, _ = OFFICER_TRUTH[board.slug]
            chart_id = chart_ids[title]
            assert chart_id is not None
            rows, error = client.chart_data_filtered(chart_id, [picked])
            assert error is None, (title, error)
            assert [next(iter(r.values())) for r in rows] == [truth[board.slug]], title


def test_unit_paths_of_the_links_equal_the_dashboards_names(world: World) -> None:
    """Parity: the API's names path of a unit (what a link filters on) = dim_units.path in the snapshot."""
    con = duckdb.connect(str(world.served.snapshot), read_only=True)
    try:
        mart = dict(con.execute("SELECT unit_code, path FROM marts.dim_units").fetchall())
    finally:
        con.close()
    with world.api.app.state.sessionmaker() as session:  # type: ignore[attr-defined]
        units = {u.unit_code: u for u in session.query(Unit)}
        for code, unit in units.items():
            chain = [units[c].name for c in unit.path.strip("/").split("/")]
            assert unit_display_path(chain) == mart[code], code


def _page_text(page: Page, url: str, charts: int) -> str:
    page.goto(url)
    page.wait_for_function(
        """(n) => document.querySelectorAll('.dashboard-chart').length >= n
            && !document.querySelector('.dashboard-chart .loading')""",
        arg=charts,
        timeout=120_000,
        polling=500,
    )
    page.wait_for_timeout(1500)
    return str(page.locator("body").inner_text())


def test_in_chromium_a_county_manager_sees_no_other_county_and_links_filter(world: World) -> None:
    con = duckdb.connect(str(world.served.snapshot), read_only=True)
    try:
        paths = dict(con.execute("SELECT unit_code, path FROM marts.dim_units").fetchall())
    finally:
        con.close()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_context(viewport=VIEWPORT, locale="zh-CN").new_page()  # type: ignore[arg-type]
            texts = {
                b.slug: _page_text(page, world.link("county_a", b.slug).json()["url"], len(b.charts))
                for b in BOARDS
            }
            leaks = {
                slug: text[max(0, text.find(paths[world.county_b]) - 300) :][:600]
                for slug, text in texts.items()
                if paths[world.county_b] in text
            }
            assert leaks == {}
            assert any(paths[world.county_a] in text for text in texts.values())  # its own rows are drawn
            # province staff see county B on some dashboard (not one listing similar-case pairs, whose second
            # case may lie anywhere); following a link narrowed to county A there, the filter state in the
            # URL applies: the filter bar shows A, and B is gone
            single = [b for b in BOARDS if all(c.dataset.scope_columns == ("unit_code",) for c in b.charts)]
            board = next(
                b
                for b in single
                if paths[world.county_b]
                in _page_text(page, world.link("province_mgr", b.slug).json()["url"], len(b.charts))
            )
            url = world.link("province_mgr", board.slug, unit_code=world.county_a).json()["url"]
            text = _page_text(page, url, len(board.charts))
            assert f"办案单位（市／县）\n{paths[world.county_a]}" in text
            assert paths[world.county_b] not in text
        finally:
            browser.close()
