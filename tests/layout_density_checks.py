"""Retailer density (``marts.fct_retailer_density``) recomputed with the API's own layout semantics, on the
warehouse test_metrics builds: the rule set in force read by ``zhifa.licensing.materials.seed_rule_sets`` and
each held licence judged by ``zhifa.licensing.layout.evaluate`` against the other held licences of its city,
as an application at that place would be. Only the held licences and their cities come from the warehouse."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Callable
from datetime import date
from math import cos, radians

import duckdb
import pandas as pd

from zhifa.licensing import layout
from zhifa.licensing.materials import seed_rule_sets

CLUSTER = 6  # planted retailers 30 m apart on a line: each has the other five within 150 m
BOX_DEG = 0.01  # ≥ 1 km in latitude and (below 60°) longitude: wider than any rule's distance in the seed


def add_cluster(con: duckdb.DuckDBPyConnection, division: str = "410201") -> None:
    """Before the build: ``CLUSTER`` held licences of ``division``, copies of one of its licences on a line of
    points 30 m apart far from the others, so that a maximum-count rule (at most 5 within 200 m in the
    seed's 410200) has retailers at its limit to find — the generated world has none."""
    con.execute(
        f"""INSERT INTO raw.licences
            SELECT * EXCLUDE (i) REPLACE (
                '99' || licence_no[3:] || i AS licence_no, NULL AS application_id, 31.2 AS lat,
                110.0 + i * 30 / (111320 * cos(radians(31.2))) AS lng)
            FROM (SELECT * FROM raw.licences WHERE division_code = ? AND status = 'valid'
                  ORDER BY licence_no LIMIT 1), range({CLUSTER}) AS r(i)""",
        [division],
    )


def recompute(df: Callable[[str], pd.DataFrame]) -> pd.DataFrame:
    """(unit_code, retailers_closer_than_min, retailers_at_max_count) per division with held licences."""
    as_of: date = df("select data_as_of from intermediate.int_licensing_as_of")["data_as_of"][0].date()
    held = df(
        f"""select v.licence_pseudonym, v.division_code, v.lat, v.lng,
                coalesce(u.city_code, v.division_code) as city
            from intermediate.int_licence_versions v
            left join marts.dim_units u on u.unit_code = v.division_code
            where date '{as_of}' between v.valid_from and v.effective_to"""
    )
    sets = {s.city_code: s for s in seed_rule_sets() if s.in_force(as_of)}
    failed: Counter[tuple[str, str]] = Counter()
    placed = held.dropna(subset=["lat", "lng"])
    for city, group in placed.groupby("city"):
        rule_set = sets.get(str(city))
        if rule_set is None:
            continue
        # only sites inside a box a little wider than the city's longest rule distance can change an outcome
        reach = 1.1 * max(r.distance_m for r in rule_set.rules)
        box_lat = reach / 110_540
        box_lon = reach / (111_320 * cos(radians(group["lat"].abs().max())))
        g = group.sort_values("lat").reset_index(drop=True)
        lats = g["lat"].tolist()
        sites = [
            layout.Site("retailer", str(p), la, lo)
            for p, la, lo in zip(g.licence_pseudonym, g.lat, g.lng, strict=True)
        ]
        for i, row in g.iterrows():
            lo_i, hi_i = bisect_left(lats, row.lat - box_lat), bisect_right(lats, row.lat + box_lat)
            near = [
                s for j, s in enumerate(sites[lo_i:hi_i], lo_i) if j != i and abs(s.lon - row.lng) <= box_lon
            ]
            for outcome in layout.evaluate(row.lat, row.lng, rule_set.rules, near):
                if not outcome.passed:
                    failed[(str(row.division_code), outcome.kind)] += 1
    units = sorted(set(held["division_code"]))
    return pd.DataFrame(
        {
            "unit_code": units,
            "retailers_closer_than_min": [failed[(u, "retailer_min_distance")] for u in units],
            "retailers_at_max_count": [failed[(u, "retailer_max_count")] for u in units],
        }
    )


def check_density(df: Callable[[str], pd.DataFrame]) -> None:
    mart = df(
        "select unit_code, retailers_closer_than_min, retailers_at_max_count from marts.fct_retailer_density "
        "order by unit_code"
    )
    expected = recompute(df)
    assert expected["retailers_closer_than_min"].sum() > 0, (
        "the world plants no retailer closer than a minimum"
    )
    assert expected["retailers_at_max_count"].sum() > 0, "no cluster at a maximum count: a weak check"
    pd.testing.assert_frame_equal(
        mart.astype({"retailers_closer_than_min": "int64", "retailers_at_max_count": "int64"}),
        expected,
        check_dtype=False,
    )
