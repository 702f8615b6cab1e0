-- One row per (case, risk signal) with the case's unit, violation and discovery date, for the dashboards'
-- signal charts: joined once here instead of joining the 1M-row case table at every chart query. The
-- detail sentence stays in case_risk_signals.
select
    s.case_id,
    c.province_code,
    c.unit_code,
    f.violation_code,
    c.discovered_date,
    s.signal_code,
    s.signal_name,
    s.legal_basis,
    s.weight
from {{ ref('case_risk_signals') }} as s
join {{ ref('fct_case_risk') }} as c on c.case_id = s.case_id
left join {{ ref('fct_case_fines') }} as f on f.case_id = s.case_id
