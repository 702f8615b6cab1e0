-- One row per case: the case record with its province and the officers on it.
with officers as (
    select
        case_id,
        count(*) as n_officers,
        max(officer_id) filter (where role = 'lead') as lead_officer_id
    from {{ ref('stg_case_officers') }}
    group by case_id
)
select
    c.*,
    u.province_code,
    coalesce(o.n_officers, 0) as n_officers,
    o.lead_officer_id
from {{ ref('stg_cases') }} as c
left join {{ ref('int_unit_province') }} as u on u.unit_code = c.unit_code
left join officers as o on o.case_id = c.case_id
