-- One row per case: how many risk signals it raises and their weighted score (weights: ref_risk_signals).
select
    c.case_id,
    c.unit_code,
    c.province_code,
    c.discovered_date,
    cast(count(s.signal_code) as integer) as n_signals,
    coalesce(sum(s.weight), 0) as risk_score,
    string_agg(s.signal_code, ';' order by s.signal_code) as signal_codes
from {{ ref('int_cases') }} as c
left join {{ ref('fct_case_risk_signals') }} as s on s.case_id = c.case_id
group by c.case_id, c.unit_code, c.province_code, c.discovered_date
