-- Unit × month (of discovery): cases, signals and the risk index = mean weighted risk score per case.
select
    unit_code,
    any_value(province_code) as province_code,
    cast(date_trunc('month', discovered_date) as date) as month,
    cast(count(*) as integer) as n_cases,
    cast(sum(n_signals) as integer) as n_signals,
    cast(count(*) filter (where n_signals > 0) as integer) as n_cases_with_signals,
    sum(risk_score) / count(*) as risk_index
from {{ ref('fct_case_risk') }}
group by unit_code, cast(date_trunc('month', discovered_date) as date)
