-- Officer (as lead) × unit × year fine consistency relative to colleagues, with false-discovery control:
-- computed by zhifa.disparity through int_officer_disparity (docs/metrics.md, "Officer disparity"). Effects
-- are in tier-position units (1 = half the width of the tier); effect_rate converts to rate points.
select
    cast(officer_id as varchar) as officer_id,
    cast(unit_code as varchar) as unit_code,
    cast(year as integer) as year,
    cast(n_cases as integer) as n_cases,
    round(effect, 6) as effect,
    round(effect_low, 6) as effect_low,
    round(effect_high, 6) as effect_high,
    cast(flagged as boolean) as flagged,
    cast(direction as varchar) as direction,
    round(raw_mean, 6) as raw_mean,
    round(shrinkage, 6) as shrinkage,
    effect * mean_half_width as effect_rate,
    band as practical_band,
    sigma2,
    tau2_moment,
    tau2,
    round(prob_outside_band, 6) as prob_outside_band,
    q_value,
    cast(assessment as varchar) as assessment,
    cast(colleague_cases as integer) as colleague_cases,
    round(baseline, 6) as baseline,
    round(sd, 6) as raw_sd,
    prior_share_far,
    tau2_far,
    cast(min_cases as integer) as min_cases,
    fdr,
    posterior_min
from {{ ref('int_officer_disparity') }}
