-- One row per failed (case, review rule): fct_rule_results narrowed to its failures (about 1 % of its rows) and
-- joined to the case's unit, violation and period once here, so that the dashboards' failed-rule and veto
-- charts scan a small table instead of every rule result. The evidence sentence (it quotes dossier facts)
-- stays in fct_rule_results.
select
    r.case_id,
    f.province_code,
    f.unit_code,
    f.violation_code,
    coalesce({{ local_date('f.decided_at') }}, f.discovered_date) as period,
    r.rule_id,
    r.rule_name,
    r.category,
    r.deducted_points,
    r.veto
from {{ ref('fct_rule_results') }} as r
join {{ ref('fct_case_fines') }} as f on f.case_id = r.case_id
where r.outcome = 'failed'
