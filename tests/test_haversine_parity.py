"""One distance on the ground: the dbt macro ``haversine_m`` (the density mart) and
``zhifa.licensing.geo.haversine_m`` (the on-site check) agree — the macro rendered with Jinja and run in
DuckDB on points drawn by Hypothesis, near each other as layout rules measure, and anywhere on the globe."""

from __future__ import annotations

import duckdb
import jinja2
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zhifa.licensing.geo import haversine_m
from zhifa.settings import DBT_PROJECT_DIR


@pytest.fixture(scope="module")
def sql_distance() -> str:
    macro = (DBT_PROJECT_DIR / "macros" / "haversine_m.sql").read_text(encoding="utf-8")
    call = "{{ haversine_m('lat1', 'lon1', 'lat2', 'lon2') }}"
    return jinja2.Environment().from_string(macro + call).render().strip()


_CON = duckdb.connect()  # in memory, one for the module: the examples run one after another


def _sql(expr: str, lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    point = "SELECT ?::DOUBLE AS lat1, ?::DOUBLE AS lon1, ?::DOUBLE AS lat2, ?::DOUBLE AS lon2"
    row = _CON.execute(f"SELECT {expr} FROM ({point})", [lat1, lon1, lat2, lon2]).fetchone()
    assert row is not None
    return float(row[0])


lat = st.floats(-89.9, 89.9)
lon = st.floats(-180, 180)
step = st.floats(-0.01, 0.01)  # up to ~1 km: the distances layout rules measure


@settings(max_examples=150, deadline=None)
@given(lat, lon, step, step)
def test_near_points_agree_to_a_millimetre(
    sql_distance: str, la: float, lo: float, dla: float, dlo: float
) -> None:
    la2 = max(-90.0, min(90.0, la + dla))
    assert _sql(sql_distance, la, lo, la2, lo + dlo) == pytest.approx(
        haversine_m(la, lo, la2, lo + dlo), abs=1e-3
    )


@settings(max_examples=50, deadline=None)
@given(lat, lon, lat, lon)
def test_far_points_agree(sql_distance: str, la: float, lo: float, la2: float, lo2: float) -> None:
    assert _sql(sql_distance, la, lo, la2, lo2) == pytest.approx(
        haversine_m(la, lo, la2, lo2), rel=1e-9, abs=1e-3
    )


def test_a_known_distance(sql_distance: str) -> None:
    """One degree of latitude on the mean sphere: R·π/180 ≈ 111 195 m, on both sides."""
    assert _sql(sql_distance, 34.0, 113.0, 35.0, 113.0) == pytest.approx(111_195.08, abs=0.01)
    assert haversine_m(34.0, 113.0, 35.0, 113.0) == pytest.approx(111_195.08, abs=0.01)
