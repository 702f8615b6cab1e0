-- Officer × year fine consistency, relative to colleagues: each residual minus the mean residual of the other
-- officers' cases in the same unit and year (leave-one-officer-out), so an officer of a high-fining unit is
-- not flagged for the unit's habit, and one lenient officer does not hide in his own unit's average.
with cases as (
    select
        lead_officer_id as officer_id, unit_code, year, r, band, z, tier_half_width,
        sum(r) over (partition by unit_code, year) as unit_sum,
        count(*) over (partition by unit_code, year) as unit_n,
        sum(r) over (partition by unit_code, year, lead_officer_id) as officer_sum,
        count(*) over (partition by unit_code, year, lead_officer_id) as officer_n
    from {{ ref('int_fine_residuals') }}
    where lead_officer_id is not null
),
relative as (
    select
        officer_id, unit_code, year, band, z, tier_half_width,
        r - coalesce((unit_sum - officer_sum) / nullif(unit_n - officer_n, 0), 0) as r
    from cases
),
estimates as (
    {{ partial_pooling('relative', ['officer_id', 'unit_code']) }}
),
widths as (
    select officer_id, unit_code, year, avg(tier_half_width) as mean_half_width
    from relative
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
