-- One row per scorecard: (level officer|unit, role, person, unit, month) with the total 0–100 score — the
-- sum of its components' contributions (fct_scorecard_components) — and which weight was covered by data.
-- An officer moved between units mid-month has one scorecard per unit (each fact sits in its case's unit).
with totals as (
    select
        level, role, person_id, unit_code, month,
        sum(contribution) as total_score,
        cast(count(*) as integer) as n_components,
        sum(weight) as weight_covered
    from {{ ref('fct_scorecard_components') }}
    group by all
),
expected as (
    select role, cast(count(*) as integer) as n_defined from {{ ref('ref_scorecard_components') }} group by role
)
select
    t.level,
    t.role,
    t.person_id,
    o.officer_name as person_name,
    t.unit_code,
    u.unit_name,
    u.path as unit_path,
    t.month,
    t.total_score,
    t.n_components,
    e.n_defined as n_components_defined,
    t.weight_covered,
    u.province_code,
    u.province_name
from totals as t
join expected as e on e.role = t.role
left join {{ ref('stg_officers') }} as o on o.officer_id = t.person_id
left join {{ ref('dim_units') }} as u on u.unit_code = t.unit_code
