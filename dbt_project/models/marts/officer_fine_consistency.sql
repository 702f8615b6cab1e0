-- Officer × year fine consistency, relative to the officer's own unit: each residual minus the unit's pooled
-- effect, so an officer of a high-fining unit is not flagged for the unit's habit (and vice versa).
with unit_effects as (
    select unit_code, year, effect from {{ ref('unit_fine_consistency') }}
),
cases as (
    select
        f.lead_officer_id as officer_id,
        f.unit_code,
        f.year,
        f.r - coalesce(u.effect, 0) as r,
        f.band,
        f.z,
        f.tier_half_width
    from {{ ref('int_fine_residuals') }} as f
    left join unit_effects as u on u.unit_code = f.unit_code and u.year = f.year
    where f.lead_officer_id is not null
),
estimates as (
    {{ partial_pooling('cases', ['officer_id', 'unit_code']) }}
),
widths as (
    select officer_id, unit_code, year, avg(tier_half_width) as mean_half_width
    from cases
    group by all
)
select
    e.officer_id,
    e.unit_code,
    e.year,
    e.n_cases,
    e.effect,
    e.effect_low,
    e.effect_high,
    e.flagged,
    e.direction,
    e.raw_mean,
    e.shrinkage,
    e.effect * w.mean_half_width as effect_rate,
    e.band as practical_band,
    e.sigma2,
    e.tau2_moment,
    e.tau2
from estimates as e
left join widths as w on w.officer_id = e.officer_id and w.unit_code = e.unit_code and w.year = e.year
