"""Effect of a training course on the deduction rate of the rules it covers: difference-in-differences.

Per officer, the rate is failed / checked dossier rules of the course's rules in a window before and after
the reference date (the officer's completion; for an untrained officer, the trained group's median
completion). The comparison group is the untrained officers whose pre-rate lies within ``caliper`` of some
trained officer's pre-rate (similar starting point). The estimate is

    mean(post − pre | trained) − mean(post − pre | comparison)

negative = the trained officers' rate fell more than the comparison's. The interval is a percentile
bootstrap over officers (each group resampled on its own, a fixed seed: a rebuild gives the same answer).
Groups smaller than ``min_group`` are labelled 样本过小，仅供参考; every estimate is an observational
comparison, never proof (docs/metrics.md, "Training"). Used by the dbt models ``int_training_effect`` (per
course) and ``int_training_effect_units`` (per unit subtree and course: :func:`effect_from_panel`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

SMALL_SAMPLE = "样本过小，仅供参考"
FELL = "培训后扣分率相对下降（区间不含0）"
ROSE = "培训后扣分率相对上升（区间不含0）"
NO_DIFFERENCE = "未见差异（区间含0）"
OBSERVATIONAL = "观察性比较，非因果证明"  # the evidence label of a result with groups large enough

INPUT_COLUMNS = ("officer_id", "trained", "pre_checked", "pre_failed", "post_checked", "post_failed")
RESULT_COLUMNS = (
    "n_trained", "n_comparison", "pre_rate_trained", "post_rate_trained", "pre_rate_comparison",
    "post_rate_comparison", "estimate", "estimate_low", "estimate_high", "small_sample", "conclusion",
    "evidence",
)  # fmt: skip
# the panel's columns carrying the settings (int_training_effect_panel, from ref_settings)
SETTING_COLUMNS = ("min_group", "caliper", "n_boot")
_TYPES = {
    "small_sample": "bool",
    "conclusion": "str",
    "evidence": "str",
    "n_trained": "int64",
    "n_comparison": "int64",
}


@dataclass(frozen=True)
class EffectSettings:
    min_group: int = 5  # officers per group below which the result is labelled small
    caliper: float = 0.1  # largest pre-rate gap between a comparison officer and its nearest trained one
    n_boot: int = 2000
    level: float = 0.95
    seed: int = 20261207


def _rates(frame: pd.DataFrame) -> pd.DataFrame:
    """Officers checked in both periods, with their pre and post rates and the change."""
    f = frame[(frame["pre_checked"] > 0) & (frame["post_checked"] > 0)]
    pre = f["pre_failed"] / f["pre_checked"]
    post = f["post_failed"] / f["post_checked"]
    return pd.DataFrame(
        {"trained": f["trained"].astype(bool), "pre": pre, "post": post, "change": post - pre}
    )


def comparison_group(rates: pd.DataFrame, caliper: float) -> pd.DataFrame:
    """Untrained officers whose pre-rate is within ``caliper`` of a trained officer's pre-rate."""
    treated = rates.loc[rates["trained"], "pre"].to_numpy()
    untrained = rates[~rates["trained"]]
    if treated.size == 0:
        return untrained.iloc[0:0]
    gap = np.abs(untrained["pre"].to_numpy()[:, None] - treated[None, :]).min(axis=1)
    return untrained[gap <= caliper + 1e-12]


def _interval(t: np.ndarray, c: np.ndarray, s: EffectSettings) -> tuple[float, float]:
    if t.size < 2 or c.size < 2:
        return float("nan"), float("nan")
    rng = np.random.default_rng(s.seed)
    bt = rng.choice(t, size=(s.n_boot, t.size), replace=True).mean(axis=1)
    bc = rng.choice(c, size=(s.n_boot, c.size), replace=True).mean(axis=1)
    tail = (1 - s.level) / 2
    low, high = np.quantile(bt - bc, [tail, 1 - tail])
    return float(low), float(high)


def did_effect(frame: pd.DataFrame, settings: EffectSettings | None = None) -> dict[str, Any]:
    """One course's difference-in-differences over officer rows (:data:`INPUT_COLUMNS`)."""
    s = settings or EffectSettings()
    rates = _rates(frame)
    treated = rates[rates["trained"]]
    comparison = comparison_group(rates, s.caliper)
    t, c = treated["change"].to_numpy(float), comparison["change"].to_numpy(float)
    estimate = float(t.mean() - c.mean()) if t.size and c.size else float("nan")
    low, high = _interval(t, c, s)
    small = min(t.size, c.size) < s.min_group
    if small or np.isnan(low):
        conclusion = SMALL_SAMPLE
    elif high < 0:
        conclusion = FELL
    elif low > 0:
        conclusion = ROSE
    else:
        conclusion = NO_DIFFERENCE

    def mean(values: pd.Series) -> float:
        return float(values.mean()) if len(values) else float("nan")

    return {
        "n_trained": int(t.size),
        "n_comparison": int(c.size),
        "pre_rate_trained": mean(treated["pre"]),
        "post_rate_trained": mean(treated["post"]),
        "pre_rate_comparison": mean(comparison["pre"]),
        "post_rate_comparison": mean(comparison["post"]),
        "estimate": estimate,
        "estimate_low": low,
        "estimate_high": high,
        "small_sample": bool(small),
        "conclusion": conclusion,
        "evidence": SMALL_SAMPLE if conclusion == SMALL_SAMPLE else OBSERVATIONAL,
    }


def effect_by(
    frame: pd.DataFrame, keys: tuple[str, ...], settings: EffectSettings | None = None
) -> pd.DataFrame:
    """:func:`did_effect` per group of ``keys`` (e.g. course, or unit and course) of officer rows."""
    rows = [
        {
            **dict(zip(keys, key if isinstance(key, tuple) else (key,), strict=True)),
            **did_effect(group, settings),
        }
        for key, group in frame.groupby(list(keys), sort=True)
    ]
    return pd.DataFrame(rows, columns=[*keys, *RESULT_COLUMNS])


def effect_by_course(frame: pd.DataFrame, settings: EffectSettings | None = None) -> pd.DataFrame:
    """:func:`did_effect` per ``course_id`` of ``frame`` (officer rows with a ``course_id`` column)."""
    return effect_by(frame, ("course_id",), settings)


def effect_from_panel(panel: pd.DataFrame, keys: tuple[str, ...]) -> pd.DataFrame:
    """:func:`effect_by` over a dbt panel whose rows carry the settings (:data:`SETTING_COLUMNS`); an empty
    panel (no course completed yet) gives the empty table with the columns' types."""
    if panel.empty:
        return pd.DataFrame(
            {
                c: pd.Series(dtype=_TYPES.get(c, "str" if c in keys else "float"))
                for c in [*keys, *RESULT_COLUMNS]
            }
        )
    min_group, caliper, n_boot = (panel.iloc[0][c] for c in SETTING_COLUMNS)
    settings = EffectSettings(min_group=int(min_group), caliper=float(caliper), n_boot=int(n_boot))
    return effect_by(panel, keys, settings)
