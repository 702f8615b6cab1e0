-- Unit × year fine consistency: the unit's typical deviation from comparable cases, partially pooled.
-- Effects are in tier-position units (1 = half the width of the tier); effect_rate converts to rate points.
with cases as (
    select unit_code, year, r, band, z from {{ ref('int_fine_residuals') }}
),
estimates as (
    {{ partial_pooling('cases', ['unit_code']) }}
),
widths as (
    select unit_code, year, avg(tier_half_width) as mean_half_width
    from {{ ref('int_fine_residuals') }}
    group by all
)
select
    e.unit_code,
    u.province_code,
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
left join widths as w on w.unit_code = e.unit_code and w.year = e.year
left join {{ ref('int_unit_province') }} as u on u.unit_code = e.unit_code
