-- Scorecard basis of handlers (办案人员): one row per (decided case, officer on it), in the month and unit
-- of the decision — the case's unit, so an officer moved between units mid-month is scored in each unit
-- for the cases decided there. Columns every scorecard basis has: role, person_id, unit_code, month.
select
    'handler' as role,
    o.officer_id as person_id,
    c.unit_code,
    cast(date_trunc('month', c.decided_date) as date) as month,
    c.case_id,
    q.final_score,
    q.final_source,
    coalesce(k.signal_codes, '') as signal_codes,
    coalesce(d.flagged, false) as disparity_flagged,
    d.officer_id is not null as disparity_assessed
from {{ ref('int_cases') }} as c
join {{ ref('stg_case_officers') }} as o on o.case_id = c.case_id
left join {{ ref('fct_dossier_quality') }} as q on q.case_id = c.case_id
left join {{ ref('fct_case_risk') }} as k on k.case_id = c.case_id
left join {{ ref('fct_officer_fine_consistency') }} as d on d.officer_id = o.officer_id and d.unit_code = c.unit_code and d.year = year(c.decided_date)
where c.decided_date is not null and c.unit_code is not null
