-- Per handling unit and month opened: rectifications opened and closed (rectification rate = closed ÷
-- opened), overdue, time to rectify (calendar and working days, closed ones), findings, disputes, and how
-- many rectified findings recurred later in the unit (fct_rectification_recurrence).
with r as (
    select * from {{ ref('int_rectifications') }}
),
recurrence as (
    select rectification_id, count(*) as n_rectified, count(*) filter (where recurred) as n_recurred
    from {{ ref('fct_rectification_recurrence') }}
    group by rectification_id
)
select
    r.unit_code,
    u.province_code,
    cast(date_trunc('month', r.opened_date) as date) as opened_month,
    count(*) as n_opened,
    count(*) filter (where r.status = 'closed') as n_closed,
    count(*) filter (where r.status = 'closed') / count(*) as rectification_rate,
    count(*) filter (where r.overdue) as n_overdue,
    count(*) filter (where r.overdue and r.status <> 'closed') as n_open_overdue,
    avg(r.days_to_close) as mean_days_to_close,
    median(r.working_days_to_close) as median_working_days_to_close,
    cast(sum(r.n_findings) as bigint) as n_findings,
    cast(sum(r.n_disputed) as bigint) as n_disputed,
    cast(coalesce(sum(c.n_rectified), 0) as bigint) as n_rectified_findings,
    cast(coalesce(sum(c.n_recurred), 0) as bigint) as n_recurred_findings,
    coalesce(sum(c.n_recurred), 0) / nullif(sum(c.n_rectified), 0) as recurrence_rate
from r
left join recurrence as c on c.rectification_id = r.rectification_id
left join {{ ref('int_unit_province') }} as u on u.unit_code = r.unit_code
group by r.unit_code, u.province_code, cast(date_trunc('month', r.opened_date) as date)
