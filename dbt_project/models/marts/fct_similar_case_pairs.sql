-- Comparable cases with very different fines, for drill-down: within each comparison group (province,
-- violation, tier, amount band, year) every case is compared with its next `similar_pair_neighbours` cases
-- by value (lead(), so the cost is linear in the number of cases); a pair is kept when the positions inside
-- the tier differ by at least similar_pair_min_gap half-widths.
with ranked as (
    select
        r.case_id, r.province_code, r.violation_code, r.tier, r.amount_band, r.year, r.rate, r.position,
        f.computed_amount,
        s.similar_pair_min_gap as min_gap
    from {{ ref('int_fine_residuals') }} as r
    join {{ ref('fct_case_fines') }} as f on f.case_id = r.case_id
    join {{ ref('int_case_settings') }} as s on s.case_id = r.case_id
),
neighbours as (
    select
        *,
        {% for k in range(1, var('similar_pair_neighbours') + 1) -%}
        lead(struct_pack(case_id, computed_amount, rate, position), {{ k }}) over grp as next_{{ k }}{{ "," if not loop.last }}
        {% endfor %}
    from ranked
    window grp as (partition by province_code, violation_code, tier, amount_band, year
                   order by computed_amount, case_id)
),
pairs as (
    {% for k in range(1, var('similar_pair_neighbours') + 1) -%}
    select
        case_id as case_a,
        next_{{ k }}.case_id as case_b,
        province_code, violation_code, tier, amount_band, year,
        computed_amount as amount_a,
        next_{{ k }}.computed_amount as amount_b,
        rate as rate_a,
        next_{{ k }}.rate as rate_b,
        next_{{ k }}.rate - rate as rate_gap,
        next_{{ k }}.position - position as position_gap,
        min_gap
    from neighbours
    where next_{{ k }} is not null
    {{ "union all" if not loop.last }}
    {% endfor %}
)
select
    case_a, case_b, province_code, violation_code, tier, amount_band, year, amount_a, amount_b,
    rate_a, rate_b, rate_gap, position_gap
from pairs
where abs(position_gap) >= min_gap
