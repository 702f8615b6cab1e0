-- Comparable cases with very different fines, for drill-down: within each comparison group (province,
-- violation, tier, amount band, year) every case is compared with its nearest neighbours by case value;
-- a pair is kept when the positions inside the tier differ by at least similar_pair_min_gap half-widths.
with ranked as (
    select
        r.*,
        f.computed_amount,
        s.similar_pair_min_gap as min_gap,
        row_number() over (partition by r.province_code, r.violation_code, r.tier, r.amount_band, r.year
                           order by f.computed_amount, r.case_id) as k
    from {{ ref('int_fine_residuals') }} as r
    join {{ ref('fct_case_fines') }} as f on f.case_id = r.case_id
    join {{ ref('int_case_settings') }} as s on s.case_id = r.case_id
),
pairs as (
    select
        a.case_id as case_a,
        b.case_id as case_b,
        a.province_code,
        a.violation_code,
        a.tier,
        a.amount_band,
        a.year,
        a.computed_amount as amount_a,
        b.computed_amount as amount_b,
        a.rate as rate_a,
        b.rate as rate_b,
        b.rate - a.rate as rate_gap,
        b.position - a.position as position_gap,
        a.min_gap
    from ranked as a
    join ranked as b
        on b.province_code = a.province_code and b.violation_code = a.violation_code
        and b.tier = a.tier and b.amount_band = a.amount_band and b.year = a.year
        and b.k between a.k + 1 and a.k + {{ var("similar_pair_neighbours") }}
)
select
    case_a, case_b, province_code, violation_code, tier, amount_band, year, amount_a, amount_b,
    rate_a, rate_b, rate_gap, position_gap
from pairs
where abs(position_gap) >= min_gap
