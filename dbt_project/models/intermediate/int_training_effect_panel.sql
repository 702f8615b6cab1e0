-- The officers of each course's before/after comparison (issue #19 §2): per course that anyone completed and
-- per officer, the course's review rules (ref_training_course_map, basis rule) checked and failed on the
-- officer's cases in the training_effect_months before and after a reference date — the officer's own
-- completion when trained, the trained officers' median completion otherwise. Officers assigned the course
-- but not done are in neither group. zhifa.training_effect (int_training_effect) picks the comparison group.
with assignments as (
    select course_id, officer_id, status, {{ local_date('completed_at') }} as completed_on
    from {{ ref('stg_api_training_assignments') }}
),
trained as (
    select course_id, officer_id, min(completed_on) as ref_date
    from assignments where status = 'completed' group by all
),
courses as (
    select course_id, quantile_disc(ref_date, 0.5) as median_ref from trained group by all
),
settings as (
    select
        max(try_cast(value as double)) filter (where key = 'training_effect_months') as months,
        max(try_cast(value as double)) filter (where key = 'training_effect_min_group') as min_group,
        max(try_cast(value as double)) filter (where key = 'training_effect_caliper') as caliper,
        max(try_cast(value as double)) filter (where key = 'training_effect_boot') as n_boot
    from (
        select key, arg_max(value, valid_from) as value
        from {{ ref('int_settings') }}
        where province_code is null and key like 'training_effect_%'
        group by key
    )
),
officers as (
    select distinct officer_id from {{ ref('stg_case_officers') }}
),
panel as (
    select c.course_id, o.officer_id, t.officer_id is not null as trained,
           coalesce(t.ref_date, c.median_ref) as ref_date
    from courses as c
    cross join officers as o
    left join trained as t on t.course_id = c.course_id and t.officer_id = o.officer_id
    where t.officer_id is not null
       or not exists (select 1 from assignments as a where a.course_id = c.course_id and a.officer_id = o.officer_id)
),
checks as (
    select p.course_id, p.officer_id, p.trained, p.ref_date,
           coalesce({{ local_date('f.decided_at') }}, f.discovered_date) as period,
           r.outcome = 'failed' as failed, s.months
    from panel as p
    cross join settings as s
    join (select distinct case_id, officer_id from {{ ref('stg_case_officers') }}) as co
      on co.officer_id = p.officer_id
    join {{ ref('fct_case_fines') }} as f on f.case_id = co.case_id
    join {{ ref('ref_training_course_map') }} as m on m.course_id = p.course_id and m.basis = 'rule'
    join {{ ref('fct_rule_results') }} as r
      on r.case_id = co.case_id and r.rule_id = m.code and r.outcome in ('passed', 'failed')
)
select
    p.course_id,
    p.officer_id,
    p.trained,
    p.ref_date,
    cast(count(*) filter (where k.period < p.ref_date and k.period >= p.ref_date - to_months(cast(s.months as integer))) as integer) as pre_checked,
    cast(count(*) filter (where k.failed and k.period < p.ref_date and k.period >= p.ref_date - to_months(cast(s.months as integer))) as integer) as pre_failed,
    cast(count(*) filter (where k.period > p.ref_date and k.period <= p.ref_date + to_months(cast(s.months as integer))) as integer) as post_checked,
    cast(count(*) filter (where k.failed and k.period > p.ref_date and k.period <= p.ref_date + to_months(cast(s.months as integer))) as integer) as post_failed,
    any_value(s.min_group) as min_group,
    any_value(s.caliper) as caliper,
    any_value(s.n_boot) as n_boot
from panel as p
cross join settings as s
left join checks as k on k.course_id = p.course_id and k.officer_id = p.officer_id
group by p.course_id, p.officer_id, p.trained, p.ref_date
