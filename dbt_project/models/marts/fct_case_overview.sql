-- One row per case, joined once here for the dashboards: the case's names (province, unit path, violation
-- type), its period, and the columns of fct_case_fines, fct_dossier_quality and fct_case_risk that charts
-- read. Joining three 1M-row marts at every chart query cost 0.2–0.7 s at national 5-year scale; reading one
-- table costs a few ms. The lead officer (by id: staff, not pseudonymised) is what the officer filter picks.
-- No logic of its own beyond the joins: the three marts stay the source of truth.
select
    f.case_id,
    f.province_code,
    u.province_name,
    f.unit_code,
    u.path as unit_path,
    f.lead_officer_id,
    f.violation_code,
    v.name_zh as violation_name,
    f.discovered_date,
    coalesce({{ local_date('f.decided_at') }}, f.discovered_date) as decision_period,
    f.tier,
    f.tier_label,
    f.fine_status,
    f.rate,
    f.fine_amount,
    f.computed_amount,
    f.statutory_min_amount,
    f.statutory_max_amount,
    f.in_tier,
    f.in_statutory_range,
    f.deviation,
    f.deviation_approved,
    f.deviation_unapproved,
    q.case_id is not null as has_quality,
    q.machine_score,
    q.machine_grade,
    q.veto,
    q.n_failed_rules,
    q.human_score,
    q.human_grade,
    q.final_score,
    q.final_grade,
    q.final_source,
    r.case_id is not null as has_risk,
    r.n_signals,
    r.risk_score,
    r.signal_codes,
    -- the fine board's group label, made once here: building the string per case at every chart query
    -- doubled that chart's DuckDB time at 1M cases (docs/benchmarks.md, issue 22)
    v.name_zh || ' · 第' || cast(f.tier as varchar) || '档' as violation_tier
from {{ ref('fct_case_fines') }} as f
left join {{ ref('dim_units') }} as u on u.unit_code = f.unit_code
left join {{ ref('ref_violation_types') }} as v on v.violation_code = f.violation_code
left join {{ ref('fct_dossier_quality') }} as q on q.case_id = f.case_id
left join {{ ref('fct_case_risk') }} as r on r.case_id = f.case_id
