"""Officer fine disparity with false-discovery control (docs/metrics.md, "Officer disparity").

Input: one row per assessed fine with its residual ``r`` against comparable cases (int_fine_residuals), the
lead officer, unit and year, and the case's settings. Per officer × unit × year:

1. baseline = the unit's mean residual from the *other* officers' cases, partially pooled toward the
   comparable cases (0) with the between-unit variance estimated from the data; its posterior variance
   travels with it, so a unit of two officers does not pass one officer's noise to the other as a bias;
2. d = officer mean − baseline, with variance V = s̃²/n + var(baseline); s̃² is the officer's own variance
   moderated toward the pooled one (``disparity_variance_prior_df`` pseudo-cases), so a noisy officer is
   judged on his own noise;
3. prior for the officer's true deviation θ: a two-component normal scale mixture (most officers near their
   unit, a few far from it), both variances and the share fitted by EM on the year's officers — a single
   normal fitted by moments would either shrink the rare biased officer away or, floored, flag noise;
4. posterior P(|θ| > band) and its central interval; officers with at least ``disparity_min_officer_cases``
   cases are ranked by 1 − P, and the Bayesian q-value (mean 1 − P of those ranked at or above) must be
   ≤ ``disparity_fdr`` to flag: the expected share of false flags among the flagged is at most that.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd

GROUP = ["officer_id", "unit_code", "year"]
EM_ITERATIONS = 500
BACKFIT_ROUNDS = 20
OUTPUT = {  # column -> dtype of the result (the mart's contract casts them)
    "officer_id": "object",
    "unit_code": "object",
    "year": "int64",
    "n_cases": "int64",
    "colleague_cases": "int64",
    "raw_mean": "float64",
    "baseline": "float64",
    "baseline_sd": "float64",
    "sd": "float64",
    "effect": "float64",
    "effect_low": "float64",
    "effect_high": "float64",
    "shrinkage": "float64",
    "prob_high": "float64",
    "prob_low": "float64",
    "prob_outside_band": "float64",
    "q_value": "float64",
    "flagged": "bool",
    "direction": "object",
    "assessment": "object",
    "band": "float64",
    "mean_half_width": "float64",
    "sigma2": "float64",
    "tau2_unit": "float64",
    "tau2_moment": "float64",
    "tau2": "float64",
    "prior_share_far": "float64",
    "tau2_far": "float64",
    "min_cases": "float64",
    "fdr": "float64",
    "posterior_min": "float64",
}
_ERFC = np.frompyfunc(math.erfc, 1, 1)


def _sf(x: np.ndarray) -> np.ndarray:
    """Standard normal upper tail."""
    return np.asarray(_ERFC(np.asarray(x, float) / math.sqrt(2)), float) / 2


def _cdf(x: np.ndarray) -> np.ndarray:
    return _sf(-np.asarray(x, float))


def _pdf(x: np.ndarray, scale: np.ndarray) -> np.ndarray:
    return np.exp(-0.5 * (x / scale) ** 2) / (scale * math.sqrt(2 * math.pi))


# The mixture's arrays are (2 components, groups): numpy runs its loops along the groups.
def _component_sums(a: np.ndarray) -> np.ndarray:
    """Σ over the groups of each component: numpy's pairwise sum. A running sum (before 2026-12-08) took a
    third of the EM's time; the results moved by ≤ 1e-14, the mart not at all (docs/benchmarks.md)."""
    return np.asarray(a.sum(axis=1))


def _group_sums(a: np.ndarray) -> np.ndarray:
    """Σ over the two components of each group."""
    return np.asarray(a[0] + a[1])


def _pooled_sigma2(r: np.ndarray, group_mean: np.ndarray, n_groups: int) -> float:
    dof = len(r) - n_groups
    if dof <= 0:
        return float(np.var(r)) if len(r) > 1 else 0.0
    return float(np.sum((r - group_mean) ** 2) / dof)


def _between_variance(means: np.ndarray, counts: np.ndarray, sigma2: float) -> float:
    """Method-of-moments between-group variance (one-way random effects), floored at 0."""
    total, k = counts.sum(), len(counts)
    if k < 2:
        return 0.0
    grand = np.sum(counts * means) / total
    spread = total - np.sum(counts**2) / total
    return max(float((np.sum(counts * (means - grand) ** 2) - (k - 1) * sigma2) / spread), 0.0)


def _fit_mixture(
    d: np.ndarray, v: np.ndarray, start: tuple[np.ndarray, np.ndarray]
) -> tuple[np.ndarray, np.ndarray]:
    """EM for θ ~ Σ π_k N(0, τ_k²), d | θ ~ N(θ, v): returns (π, τ²) of the two components."""
    pi, tau2 = start
    floor = 1e-8
    for _ in range(EM_ITERATIONS):
        w, shrink = _weights(d, v, pi, tau2)
        second = (shrink * d[None, :]) ** 2 + shrink * v[None, :]  # E[θ² | d, component]
        w_sum = _component_sums(w)
        new_tau2 = np.maximum(_component_sums(w * second) / np.maximum(w_sum, 1e-12), floor)
        new_pi = np.clip(w_sum / len(d), 1e-6, 1 - 1e-6)  # the mean weight
        order = np.argsort(new_tau2)
        new_tau2, new_pi = new_tau2[order], new_pi[order]
        done = max(np.abs(new_tau2 - tau2).max(), np.abs(new_pi - pi).max()) < 1e-8
        pi, tau2 = new_pi, new_tau2
        if done:
            break
    return pi, tau2


def _weights(d: np.ndarray, v: np.ndarray, pi: np.ndarray, tau2: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Posterior component weights and the shrinkage factor τ_k²/(τ_k² + v) of each group."""
    total = tau2[:, None] + v[None, :]
    dens = pi[:, None] * _pdf(d[None, :], np.sqrt(total))
    return dens / np.maximum(_group_sums(dens)[None, :], 1e-300), tau2[:, None] / total


def _posterior_mean(d: np.ndarray, v: np.ndarray, pi: np.ndarray, tau2: np.ndarray) -> np.ndarray:
    w, shrink = _weights(d, v, pi, tau2)
    return _group_sums(w * shrink) * d


def _posterior(
    d: np.ndarray, v: np.ndarray, pi: np.ndarray, tau2: np.ndarray, band: np.ndarray, z: np.ndarray
) -> dict[str, np.ndarray]:
    w, shrink = _weights(d, v, pi, tau2)
    mean_k = shrink * d[None, :]
    sd_k = np.sqrt(np.maximum(shrink * v[None, :], 1e-300))
    p_high = _group_sums(w * _sf((band[None, :] - mean_k) / sd_k))
    p_low = _group_sums(w * _cdf((-band[None, :] - mean_k) / sd_k))

    def cdf(x: np.ndarray) -> np.ndarray:
        return _group_sums(w * _cdf((x[None, :] - mean_k) / sd_k))

    tail = _sf(z)
    bounds = []
    for target in (tail, 1 - tail):
        lo, hi = mean_k.min(axis=0) - 10 * sd_k.max(axis=0), mean_k.max(axis=0) + 10 * sd_k.max(axis=0)
        for _ in range(60):
            mid = (lo + hi) / 2
            below = cdf(mid) < target
            lo, hi = np.where(below, mid, lo), np.where(below, hi, mid)
        bounds.append((lo + hi) / 2)
    effect = _group_sums(w * mean_k)
    return {
        "effect": effect,
        "effect_low": np.minimum(bounds[0], effect),
        "effect_high": np.maximum(bounds[1], effect),
        "prob_high": p_high,
        "prob_low": p_low,
    }


def _sums_of_squares(r: np.ndarray, codes: np.ndarray, n_groups: int) -> np.ndarray:
    """Σ r² of each group (``codes``: its number per row), each summed by np.sum in row order — as a lambda
    per group would, without a pandas call per group."""
    order = np.argsort(codes, kind="stable")
    squares = r[order] * r[order]
    starts = np.searchsorted(codes[order], np.arange(n_groups + 1))
    return np.array([np.sum(squares[a:b]) for a, b in itertools.pairwise(starts)], float)


def _groups(cases: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
    """Per officer × unit × year, and each case's row number in it."""
    g = cases.groupby(GROUP, sort=True, dropna=False)
    out = g.agg(
        n_cases=("r", "size"),
        officer_sum=("r", "sum"),
        band=("band", "max"),
        z=("z", "max"),
        fdr=("fdr", "max"),
        min_cases=("min_cases", "max"),
        prior_df=("prior_df", "max"),
        posterior_min=("posterior_min", "max"),
        mean_half_width=("tier_half_width", "mean"),
    ).reset_index()
    codes = g.ngroup().to_numpy()
    out["officer_sq"] = _sums_of_squares(cases.r.to_numpy(float), codes, len(out))
    out["officer_mean"] = out.officer_sum / out.n_cases
    return out, codes


def _year(cases: pd.DataFrame) -> pd.DataFrame:
    out, codes = _groups(cases)
    r = cases.r.to_numpy(float)
    sigma2 = _pooled_sigma2(r, out.officer_mean.to_numpy(float)[codes], len(out))
    units = cases.groupby("unit_code").r.agg(["sum", "size"])
    tau2_unit = _between_variance(
        (units["sum"] / units["size"]).to_numpy(float), units["size"].to_numpy(float), sigma2
    )
    n = out.n_cases.to_numpy(float)
    own_var = np.where(
        n > 1, (out.officer_sq.to_numpy(float) - n * out.officer_mean**2) / np.maximum(n - 1, 1), 0
    )
    prior_df = out.prior_df.to_numpy(float)
    moderated = (prior_df * sigma2 + (n - 1) * np.maximum(own_var, 0)) / (prior_df + n - 1)
    moderated = np.maximum(moderated, own_var)  # never judged steadier than his own cases show
    band = out.band.to_numpy(float)
    unit_n = out.unit_code.map(units["size"]).to_numpy(float)
    n_other = unit_n - n
    officer_sum = out.officer_sum.to_numpy(float)
    theta = np.zeros(len(out))
    # EM start: most officers close to their unit, a tenth far from it; warm-started between rounds
    mixture = (np.array([0.9, 0.1]), np.array([0.25, 4.0]) * float(np.median(band)) ** 2)
    for _ in range(BACKFIT_ROUNDS):
        # the unit's level from the other officers' cases, each net of that officer's own estimated
        # deviation (a harsh colleague does not make the others look lenient), pooled toward 0
        net = officer_sum - n * theta
        unit_net = pd.Series(net).groupby(out.unit_code.to_numpy()).transform("sum").to_numpy(float)
        with np.errstate(divide="ignore", invalid="ignore"):
            other_mean = np.where(n_other > 0, (unit_net - net) / n_other, 0.0)
            b_unit = np.where(n_other > 0, tau2_unit / (tau2_unit + sigma2 / n_other), 0.0)
            baseline_var = np.where(n_other > 0, b_unit * sigma2 / n_other, tau2_unit)
        baseline = b_unit * other_mean
        d = out.officer_mean.to_numpy(float) - baseline
        v = np.maximum(moderated / n + baseline_var, 1e-12)
        mixture = _fit_mixture(d, v, mixture)
        pi, tau2 = mixture
        effect = _posterior_mean(d, v, pi, tau2)
        if np.abs(effect - theta).max() < 1e-6:
            break
        theta = effect
    post = _posterior(d, v, pi, tau2, band, out.z.to_numpy(float))
    out["colleague_cases"] = n_other.astype(int)
    out["raw_mean"] = d
    out["baseline"] = baseline
    out["baseline_sd"] = np.sqrt(baseline_var)
    out["sd"] = np.sqrt(v)
    for name, values in post.items():
        out[name] = values
    with np.errstate(divide="ignore", invalid="ignore"):
        out["shrinkage"] = np.where(np.abs(d) > 1e-12, post["effect"] / d, 1.0)
    out["sigma2"] = sigma2
    out["tau2_unit"] = tau2_unit
    out["tau2_moment"] = max(float(np.mean(d**2 - v)), 0.0)
    out["tau2"] = float(np.sum(pi * tau2))
    out["prior_share_far"] = float(pi[1])
    out["tau2_far"] = float(tau2[1])
    return out


def officer_disparity(cases: pd.DataFrame) -> pd.DataFrame:
    """One row per officer × unit × year (columns in the module docstring and the mart's YAML).

    ``cases``: officer_id, unit_code, year, r, tier_half_width, band, z, fdr, posterior_min, min_cases,
    prior_df."""
    cases = cases[cases.officer_id.notna() & cases.r.notna()]
    if cases.empty:
        return pd.DataFrame({c: pd.Series(dtype=t) for c, t in OUTPUT.items()})
    out = pd.concat([_year(part) for _, part in cases.groupby("year", sort=True)], ignore_index=True)
    out["prob_outside_band"] = out.prob_high + out.prob_low
    out["direction_guess"] = np.where(out.prob_high >= out.prob_low, "high", "low")
    wrong = 1 - np.maximum(out.prob_high, out.prob_low)  # P(not beyond the band on the reported side)
    # alone in the unit-year (or nearly), an officer's habit is his unit's: fct_unit_fine_consistency
    few_colleagues = out.colleague_cases < out.min_cases
    eligible = (out.n_cases >= out.min_cases) & ~few_colleagues
    order = np.argsort(np.where(eligible, wrong, np.inf), kind="stable")
    ranked = wrong.to_numpy()[order]
    q = np.cumsum(ranked) / np.arange(1, len(ranked) + 1)
    q_value = np.full(len(out), np.nan)
    q_value[order] = q
    out["q_value"] = np.where(eligible, q_value, np.nan)
    # and each flag credible on its own: a flag harms an officer, the tail of a low FDR list may not
    out["flagged"] = eligible & (out.q_value <= out.fdr) & (1 - wrong >= out.posterior_min)
    out["direction"] = np.where(out.flagged, out.direction_guess, None)
    out["assessment"] = np.select(
        [out.n_cases < out.min_cases, few_colleagues, out.flagged, out.prob_outside_band < 0.5],
        ["too few cases", "too few colleague cases", "flagged", "within band"],
        "not conclusive",
    )
    return out[list(OUTPUT)]
