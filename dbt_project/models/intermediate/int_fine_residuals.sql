-- Each assessed fine against comparable cases (same province, violation, tier and amount band): its
-- position inside the tier (−1 = tier min, +1 = tier max, clipped) minus the median position of the
-- comparable group; groups under disparity_min_group_cases fall back to (province, violation, tier), then
-- to the tier midpoint (0).
with cases as (
    select
        f.case_id, f.province_code, f.unit_code, f.lead_officer_id, f.violation_code, f.tier,
        f.amount_band, f.decided_year as year, f.rate, f.tier_min, f.tier_max,
        greatest(least(f.tier_position, s.disparity_position_clip), -s.disparity_position_clip) as position,
        s.disparity_min_group_cases as min_cases,
        s.disparity_practical_band as band,
        s.disparity_interval_z as z,
        s.disparity_fdr as fdr,
        s.disparity_posterior_min as posterior_min,
        s.disparity_min_officer_cases as min_officer_cases,
        s.disparity_variance_prior_df as prior_df
    from {{ ref('fct_case_fines') }} as f
    join {{ ref('int_case_settings') }} as s on s.case_id = f.case_id
    where f.fine_status = 'ok' and f.tier_position is not null
),
grouped as (
    select
        *,
        count(*) over fine_group as n_fine,
        median(position) over fine_group as median_fine,
        count(*) over coarse_group as n_coarse,
        median(position) over coarse_group as median_coarse
    from cases
    window
        fine_group as (partition by province_code, violation_code, tier, amount_band),
        coarse_group as (partition by province_code, violation_code, tier)
)
select
    case_id, province_code, unit_code, lead_officer_id, violation_code, tier, amount_band, year, rate,
    (tier_max - tier_min) / 2 as tier_half_width,
    position,
    case when n_fine >= min_cases then 'province×violation×tier×amount_band'
         when n_coarse >= min_cases then 'province×violation×tier'
         else 'tier midpoint' end as comparison_group,
    case when n_fine >= min_cases then median_fine
         when n_coarse >= min_cases then median_coarse
         else 0 end as baseline,
    position - case when n_fine >= min_cases then median_fine
                    when n_coarse >= min_cases then median_coarse
                    else 0 end as r,
    band,
    z,
    fdr,
    posterior_min,
    min_officer_cases,
    prior_df
from grouped
