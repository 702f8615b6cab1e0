-- fct_unit_risk with the unit tree's names joined once for the risk dashboard: its heatmap groups these rows
-- into city × month cells, its treemap into province › city › county. Joining dim_units three times at every
-- chart query was most of the heatmap's DuckDB time at national 5-year scale (docs/benchmarks.md, issue 22).
-- One row per unit × month, as fct_unit_risk: the dashboards' row-level security filters on unit_code, so
-- the rows cannot be summed up to cities here. No logic of its own beyond the joins.
select
    r.unit_code,
    r.province_code,
    u.province_name,
    u.path as unit_path,
    -- a county rolls up into its city; a province's own unit stands for itself
    coalesce(c.path, u.path) as city_path,
    p.short_name as province_short,
    coalesce(c.short_name, '（省局直属）') as city_short,
    u.short_name as unit_short,
    r.month,
    r.n_cases,
    r.n_signals,
    r.n_cases_with_signals,
    r.risk_index
from {{ ref('fct_unit_risk') }} as r
left join {{ ref('dim_units') }} as u on u.unit_code = r.unit_code
left join {{ ref('dim_units') }} as c on c.unit_code = u.city_code
left join {{ ref('dim_units') }} as p on p.unit_code = u.province_code
