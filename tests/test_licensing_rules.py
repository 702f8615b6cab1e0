"""The licensing kernel (zhifa.licensing) without HTTP: distances, layout rules and their words, the
completeness check, the decision clock at its edges, licence numbers."""

from __future__ import annotations

import csv
import math
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zhifa.licensing import clock, layout
from zhifa.licensing.geo import haversine_m
from zhifa.licensing.materials import KINDS, missing, required_materials, seed_rule_sets
from zhifa.licensing.numbers import is_licence_number, licence_number
from zhifa.settings import SEEDS_DIR

lat = st.floats(min_value=-80, max_value=80, allow_nan=False)
lon = st.floats(min_value=-179, max_value=179, allow_nan=False)


@given(lat, lon, lat, lon)
def test_haversine_is_a_symmetric_non_negative_distance(a: float, b: float, c: float, d: float) -> None:
    assert haversine_m(a, b, a, b) == pytest.approx(0, abs=1e-6)
    assert haversine_m(a, b, c, d) == pytest.approx(haversine_m(c, d, a, b), rel=1e-9, abs=1e-6)
    assert 0 <= haversine_m(a, b, c, d) <= math.pi * 6_371_008.8 + 1


@given(lat, lon, st.floats(min_value=1, max_value=2_000))
def test_haversine_matches_the_arc_along_a_meridian(a: float, b: float, metres: float) -> None:
    """Walking due north along a meridian covers R·Δφ: the distance back is the metres walked."""
    north = a + math.degrees(metres / 6_371_008.8)
    assert haversine_m(a, b, north, b) == pytest.approx(metres, rel=1e-6)


@given(lat, lon, lat, lon, lat, lon)
def test_haversine_obeys_the_triangle_inequality(
    a: float, b: float, c: float, d: float, e: float, f: float
) -> None:
    assert haversine_m(a, b, e, f) <= haversine_m(a, b, c, d) + haversine_m(c, d, e, f) + 1e-3


def _north(lat0: float, metres: float) -> float:
    return lat0 + math.degrees(metres / 6_371_008.8)


def test_each_rule_outcome_is_said_in_words() -> None:
    rules = (
        layout.Rule("retailer_min_distance", 30),
        layout.Rule("place_exclusion", 100, place_type="school"),
    )
    sites = [
        layout.Site("retailer", "老王烟酒", _north(34.75, 23), 113.6),
        layout.Site("school", "第一小学", _north(34.75, 150), 113.6),
    ]
    out = layout.evaluate(34.75, 113.6, rules, sites)
    assert [o.passed for o in out] == [False, True]
    assert out[0].text_zh == "距最近零售户 23 米，低于本区最小间距 30 米"
    assert out[1].text_zh == "距最近学校（第一小学）150 米，不在学校周边 100 米禁设范围内"
    far = layout.evaluate(_north(34.75, -40), 113.6, rules, sites)
    assert far[0].passed and "63 米，不低于本区最小间距 30 米" in far[0].text_zh


def test_count_rule_counts_retailers_within_the_radius() -> None:
    rule = layout.Rule("retailer_max_count", 200, max_count=2)
    sites = [layout.Site("retailer", f"r{i}", _north(34.75, m), 113.6) for i, m in enumerate((50, 150, 250))]
    (o,) = layout.evaluate(34.75, 113.6, (rule,), sites)
    assert not o.passed and o.text_zh == "周边 200 米内已有零售户 2 家，已达本区上限 2 家"


def test_a_rule_set_that_contradicts_itself_is_refused_with_every_problem() -> None:
    bad = layout.RuleSet(
        "410100",
        date(2026, 1, 1),
        date(2025, 1, 1),
        (
            layout.Rule("retailer_min_distance", 30),
            layout.Rule("retailer_min_distance", 50),
            layout.Rule("place_exclusion", -5, place_type="school"),
            layout.Rule("place_exclusion", 100, place_type="casino"),
        ),
    )
    with pytest.raises(layout.RuleSetError) as err:
        layout.validate(bad)
    problems = err.value.problems
    assert len(problems) == 4, problems
    assert any("取值矛盾" in p and "30 米" in p and "50 米" in p for p in problems)
    assert any("早于" in p for p in problems)


def test_overlapping_periods_of_one_city_are_found() -> None:
    rules = (layout.Rule("retailer_min_distance", 30),)
    a = layout.RuleSet("410100", date(2026, 1, 1), date(2026, 12, 31), rules)
    b = layout.RuleSet("410100", date(2026, 12, 31), None, rules)
    c = layout.RuleSet("410100", date(2027, 1, 1), None, rules)
    other = layout.RuleSet("410200", date(2026, 6, 1), None, rules)
    assert layout.overlapping(b, [a, other]) == [a]
    assert layout.overlapping(c, [a, other]) == []


def test_the_seeded_rule_sets_are_consistent() -> None:
    for rule_set in seed_rule_sets():
        layout.validate(rule_set)


def test_completeness_names_every_missing_material_in_the_seed_order() -> None:
    with (SEEDS_DIR / "ref_licence_materials.csv").open(encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh) if r["application_kind"] == "new"]
    expected = [r["name_zh"] for r in sorted(rows, key=lambda r: int(r["sort_order"]))]
    assert [m.name_zh for m in missing("new", [])] == expected
    assert [m.name_zh for m in missing("new", [rows[0]["material_code"]])] == expected[1:]
    assert set(required_materials()) == set(KINDS)


# 2026 (国务院办公厅关于2026年部分节假日安排的通知): 中秋 25–27 Sep, 国庆 1–7 Oct, Saturday 10 Oct worked
def test_the_clock_skips_the_national_day_holiday_and_counts_the_make_up_saturday() -> None:
    assert clock.decision_due(date(2026, 9, 30), 3) == date(2026, 10, 10)  # 8, 9 Oct, then Saturday 10th
    assert clock.decision_due(date(2026, 9, 30), 20) == date(2026, 11, 3)


def test_a_clock_started_before_a_holiday_resumes_after_it() -> None:
    assert clock.decision_due(date(2026, 9, 24), 1) == date(2026, 9, 28)


def test_the_extension_adds_working_days_once() -> None:
    assert clock.decision_due(date(2026, 9, 30), 20, 10) == date(2026, 11, 17)
    assert clock.is_late(date(2026, 11, 4), date(2026, 11, 3))
    assert not clock.is_late(date(2026, 11, 3), date(2026, 11, 3))


def test_licence_numbers_have_twelve_digits() -> None:
    number = licence_number("410122", "individual", 7)
    assert number == "410122100007" and is_licence_number(number)
    assert licence_number("410122", "organisation", 99_999) == "410122299999"
    with pytest.raises(ValueError):
        licence_number("410122", "individual", 100_000)
    assert not is_licence_number("41012230000")
