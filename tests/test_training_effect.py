"""The training-effect estimator (zhifa.training_effect) on simulated officers, without the warehouse:
a planted improvement is recovered with the right sign, a planted null is a null, small groups say so."""

from __future__ import annotations

import numpy as np
import pandas as pd

from zhifa.training_effect import (
    FELL,
    NO_DIFFERENCE,
    SMALL_SAMPLE,
    EffectSettings,
    did_effect,
    effect_by_course,
)


def _officers(rng: np.random.Generator, n: int, trained: bool, pre: float, post: float) -> pd.DataFrame:
    checked = rng.integers(30, 60, size=(n, 2))
    rates = np.clip(rng.normal([pre, post], 0.03, size=(n, 2)), 0, 1)
    failed = rng.binomial(checked, rates)
    return pd.DataFrame(
        {
            "officer_id": [f"{'T' if trained else 'C'}{i}" for i in range(n)],
            "trained": trained,
            "pre_checked": checked[:, 0],
            "pre_failed": failed[:, 0],
            "post_checked": checked[:, 1],
            "post_failed": failed[:, 1],
        }
    )


def _world(seed: int, trained_post: float, n: int = 30) -> pd.DataFrame:
    # every officer starts at 0.30; the untrained drift to 0.28 (a secular trend DiD must remove);
    # far-off officers (pre 0.9) are not comparable and must be left out of the comparison group
    rng = np.random.default_rng(seed)
    return pd.concat(
        [
            _officers(rng, n, True, 0.30, trained_post),
            _officers(rng, n, False, 0.30, 0.28),
            _officers(rng, 10, False, 0.90, 0.10),
        ],
        ignore_index=True,
    )


def test_a_planted_improvement_is_recovered_with_its_sign_and_interval() -> None:
    # trained fall 0.30 → 0.12, comparison 0.30 → 0.28: true effect −0.16
    result = did_effect(_world(1, 0.12))
    assert result["conclusion"] == FELL
    assert result["estimate_low"] < -0.16 < result["estimate_high"] < 0
    assert result["n_trained"] == 30 and result["n_comparison"] == 30  # the far-off ten are not matched


def test_a_planted_null_is_a_null() -> None:
    # trained follow the same trend as the comparison: no effect
    for seed in (2, 3, 4):
        result = did_effect(_world(seed, 0.28))
        assert result["estimate_low"] < 0 < result["estimate_high"], result
        assert result["conclusion"] == NO_DIFFERENCE


def test_the_estimate_is_the_difference_of_mean_changes() -> None:
    frame = pd.DataFrame(
        {
            "officer_id": ["a", "b", "c", "d"],
            "trained": [True, True, False, False],
            "pre_checked": [10, 10, 10, 10],
            "pre_failed": [4, 2, 3, 3],
            "post_checked": [10, 20, 10, 0],  # d has no post period: left out
            "post_failed": [1, 2, 3, 0],
        }
    )
    result = did_effect(frame, EffectSettings(min_group=1, caliper=0.15))
    # trained changes −0.3 and −0.1 (mean −0.2); comparison c changes 0 → estimate −0.2
    assert np.isclose(result["estimate"], -0.2)
    assert result["n_comparison"] == 1
    assert np.isnan(result["estimate_low"])  # one comparison officer: no interval
    assert result["conclusion"] == SMALL_SAMPLE


def test_small_groups_are_labelled_whatever_the_estimate() -> None:
    world = _world(5, 0.05, n=3)
    result = did_effect(world, EffectSettings(min_group=5))
    assert result["small_sample"] and result["conclusion"] == SMALL_SAMPLE
    by_course = effect_by_course(
        pd.concat([world.assign(course_id="K1"), _world(6, 0.12).assign(course_id="K2")])
    )
    assert list(by_course["course_id"]) == ["K1", "K2"]
    assert list(by_course["conclusion"]) == [SMALL_SAMPLE, FELL]
