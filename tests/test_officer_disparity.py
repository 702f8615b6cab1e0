"""Officer disparity (zhifa.disparity, the model under fct_officer_fine_consistency) on simulated worlds
written here with numpy, independently of the project's generator: known planted officers, units with their
own habits, officers of unequal noise, small units and officers with few cases.

Acceptance (issue 14 §3): every planted officer found, false flags ≤ 10 % of the flagged, on several
seeds; a world without biased officers flags (almost) nobody.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from zhifa.disparity import officer_disparity

SETTINGS = {"band": 0.25, "z": 1.96, "fdr": 0.05, "posterior_min": 0.99, "min_cases": 10, "prior_df": 10}


def simulate(seed: int, n_biased: int) -> tuple[pd.DataFrame, set[tuple[str, int, str]]]:
    """Residuals r (tier positions against comparable cases) for 2 years of ~40 units.

    Truth: unit habit u ~ N(0, 0.15²) and 3 units planted at ±0.75 (1–8 officers a unit, some alone); an
    ordinary officer's own habit θ ~ N(0, 0.05²), well inside the ±0.25 band (a false flag is a flag on an
    officer who is not biased); ``n_biased`` officers planted at ±0.65–0.9 with 15–40 cases a year; case
    noise sd drawn per officer between 0.25 and 0.55 (some officers are erratic, not biased), heavy-tailed
    (t, 5 df), clipped at ±2 like int_fine_residuals. So a planted officer's mean is at least ~3 standard
    errors beyond the band: findable, which is what "every planted officer" needs."""
    rng = np.random.default_rng(seed)
    rows: list[dict[str, object]] = []
    planted: set[tuple[str, int, str]] = set()
    units = [f"U{k:03d}" for k in range(40)]
    unit_habit = dict(zip(units, rng.normal(0, 0.15, len(units)), strict=True))
    biased_units = set(rng.choice(units, 3, replace=False).tolist())
    for u in biased_units:
        unit_habit[u] = rng.choice([-0.75, 0.75])
    officers = [(u, f"{u}-O{j}") for u in units for j in range(int(rng.integers(1, 9)))]
    staff = pd.Series([u for u, _ in officers]).value_counts()
    # an officer is told apart from his unit only among colleagues: one planted officer in each of
    # n_biased ordinary units of ≥ 4 officers (two of four biased would make the "ordinary" pair the odd one)
    hosts = sorted(u for u in set(staff.index) if u not in biased_units and staff[u] >= 4)
    chosen = rng.choice(hosts, n_biased, replace=False).tolist() if n_biased else []
    biased_idx = {int(rng.choice([i for i, (u, _) in enumerate(officers) if u == host])) for host in chosen}
    for idx, (unit, officer) in enumerate(officers):
        own = rng.normal(0, 0.05)
        if idx in biased_idx:
            own = float(rng.choice([-1, 1]) * rng.uniform(0.65, 0.9))
        noise = rng.uniform(0.25, 0.55)
        for year in (2024, 2025):
            n = int(rng.integers(15, 40)) if idx in biased_idx else int(rng.integers(1, 45))
            r = unit_habit[unit] + own + noise * rng.standard_t(5, n) / np.sqrt(5 / 3)
            rows += [
                {
                    "officer_id": officer,
                    "unit_code": unit,
                    "year": year,
                    "r": float(x),
                    "tier_half_width": 0.1,
                }
                for x in np.clip(r, -2, 2)
            ]
            if idx in biased_idx:
                planted.add((officer, year, "high" if own > 0 else "low"))
    frame = pd.DataFrame(rows).assign(tier_half_width=0.1)
    for key, value in SETTINGS.items():
        frame[key] = value
    return frame, planted


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_planted_officers_are_found_and_false_flags_stay_under_ten_percent(seed: int) -> None:
    """Scored like the truth checks (tests/test_metrics.py): an officer is found when flagged in his planted
    direction in some year; a false flag is a flagged officer who was not planted."""
    cases, planted_years = simulate(seed, n_biased=6)
    got = officer_disparity(cases)
    flagged = {(r.officer_id, r.direction) for r in got[got.flagged].itertuples()}
    planted = {(o, direction) for o, _, direction in planted_years}
    assert planted <= flagged, sorted(planted - flagged)
    false = {f for f in flagged if f not in planted}
    assert len(false) <= 0.10 * len(flagged), sorted(false)
    # most planted officer-years are found on their own (a 15-case year of a noisy officer may not be)
    years = {(r.officer_id, r.year, r.direction) for r in got[got.flagged].itertuples()}
    assert len(planted_years & years) >= 0.8 * len(planted_years)
    # the interval and the evidence are shown, not only the flag
    shown = got[got.flagged]
    assert ((shown.effect_low <= shown.effect) & (shown.effect <= shown.effect_high)).all()
    assert (shown.prob_outside_band >= SETTINGS["posterior_min"]).all()
    assert (shown.q_value <= SETTINGS["fdr"]).all()
    high = shown[shown.direction == "high"]
    assert (high.effect_low > 0).all() and (shown[shown.direction == "low"].effect_high < 0).all()


@pytest.mark.parametrize("seed", [26, 27, 28])
def test_a_world_without_biased_officers_flags_nobody(seed: int) -> None:
    cases, planted = simulate(seed, n_biased=0)
    assert not planted
    got = officer_disparity(cases)
    assert int(got.flagged.sum()) <= 1, got[got.flagged]


def test_officers_with_too_few_cases_are_never_flagged_and_say_why() -> None:
    cases, _ = simulate(3, n_biased=6)
    got = officer_disparity(cases)
    few = got[got.n_cases < SETTINGS["min_cases"]]
    assert not few.empty and not few.flagged.any()
    assert (few.assessment == "too few cases").all() and few.q_value.isna().all()


def test_one_lone_officer_is_his_units_habit_not_a_personal_bias() -> None:
    """An officer alone in a harsh unit: the unit mart reports it; as an officer he has no colleague to
    differ from, so the baseline is the pooled prior and he is not flagged on one unit's level."""
    rng = np.random.default_rng(7)
    cases, _ = simulate(7, n_biased=0)
    lone = pd.DataFrame(
        {"officer_id": "LONE", "unit_code": "ULONE", "year": 2025, "r": 0.5 + 0.3 * rng.standard_normal(10)}
    ).assign(tier_half_width=0.1, **SETTINGS)
    got = officer_disparity(pd.concat([cases, lone], ignore_index=True))
    assert not got[got.officer_id == "LONE"].flagged.any()
