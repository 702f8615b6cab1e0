-- Training needs (issue #19 §2): per officer and per unit, each review rule and risk signal over the cases of
-- the last training_window_months (to the data's own latest case date, never the wall clock): how often it
-- failed, against the province's rate, weighted by severity (the rule's deduction; a veto rule
-- training_veto_weight; a signal its risk weight). need_points = points lost above the province's rate.
with cases as (
    select case_id, province_code, unit_code,
           coalesce({{ local_date('decided_at') }}, discovered_date) as period
    from {{ ref('fct_case_fines') }}
),
horizon as (
    select max(period) as as_of from cases
),
settings as (
    select
        v.province_code,
        max(try_cast(v.value as double)) filter (where v.key = 'training_window_months') as window_months,
        max(try_cast(v.value as double)) filter (where v.key = 'training_min_failures') as min_failures,
        max(try_cast(v.value as double)) filter (where v.key = 'training_veto_weight') as veto_weight,
        max(try_cast(v.value as double)) filter (where v.key = 'training_examples') as n_examples
    from {{ ref('int_settings_versions') }} as v, horizon as h
    where v.version_start <= h.as_of and h.as_of < v.version_end
    group by v.province_code
),
recent as (
    select c.*, s.min_failures, s.veto_weight, s.n_examples, h.as_of,
           cast(h.as_of - to_months(cast(s.window_months as integer)) as date) as window_start
    from cases as c
    join settings as s on s.province_code = c.province_code
    cross join horizon as h
    where c.period > h.as_of - to_months(cast(s.window_months as integer))
),
checks as (
    -- a rule is checked where it passed or failed; every case is checked for every signal
    select c.*, 'rule' as basis, r.rule_id as code, q.name_zh, r.outcome = 'failed' as failed,
           case when q.veto then c.veto_weight else q.deduct_points end as severity
    from recent as c
    join {{ ref('fct_rule_results') }} as r on r.case_id = c.case_id and r.outcome in ('passed', 'failed')
    join {{ ref('int_review_rules') }} as q on q.rule_id = r.rule_id
    union all
    select c.*, 'signal', s.signal_code, s.name_zh, f.case_id is not null, s.weight
    from recent as c
    cross join {{ ref('ref_risk_signals') }} as s
    left join {{ ref('fct_case_risk_signals') }} as f on f.case_id = c.case_id and f.signal_code = s.signal_code
),
province as (
    select province_code, basis, code, avg(cast(failed as double)) as province_rate
    from checks group by all
),
subjects as (
    -- an officer counts every case they worked on, under their own unit; a unit counts its cases once
    select 'officer' as level, o.officer_id as subject_id, coalesce(so.unit_code, k.unit_code) as subject_unit, k.*
    from checks as k
    join (select distinct case_id, officer_id from {{ ref('stg_case_officers') }}) as o on o.case_id = k.case_id
    left join {{ ref('stg_officers') }} as so on so.officer_id = o.officer_id
    union all
    select 'unit', k.unit_code, k.unit_code, k.*
    from checks as k
),
grouped as (
    select
        level, subject_id, subject_unit as unit_code, province_code, basis, code,
        any_value(name_zh) as name_zh, max(severity) as severity,
        count(*) as n_checked, count(*) filter (where failed) as n_failed,
        any_value(min_failures) as min_failures, any_value(n_examples) as n_examples,
        any_value(window_start) as window_start, any_value(as_of) as as_of,
        list(case_id order by period desc, case_id) filter (where failed) as failed_cases
    from subjects
    group by level, subject_id, subject_unit, province_code, basis, code
)
select
    g.level,
    g.subject_id,
    g.unit_code,
    g.province_code,
    g.basis,
    g.code,
    g.name_zh,
    cast(g.severity as double) as severity,
    cast(g.n_checked as integer) as n_checked,
    cast(g.n_failed as integer) as n_failed,
    g.n_failed / g.n_checked as fail_rate,
    p.province_rate,
    g.n_failed / g.n_checked - p.province_rate as excess_rate,
    greatest(g.n_failed / g.n_checked - p.province_rate, 0) * g.severity * g.n_checked as need_points,
    g.n_failed >= g.min_failures and g.n_failed / g.n_checked > p.province_rate as is_need,
    array_to_string(g.failed_cases[1:cast(g.n_examples as integer)], ',') as example_case_ids,
    g.window_start,
    g.as_of
from grouped as g
join province as p on p.province_code = g.province_code and p.basis = g.basis and p.code = g.code
