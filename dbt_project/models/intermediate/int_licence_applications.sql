-- Each licence application on its legal clock: a decision is due within licence_decision_working_days
-- (ref_settings, province and acceptance date; 行政许可法第四十二条: 20) plus the approved extension, counted in
-- working days after acceptance on int_working_days (zhifa/calendar.py is the same rule; the deadline day
-- itself is on time). A pending application is read on the data's latest day (int_licensing_as_of).
with limits as (
    select province_code, version_start, version_end,
           max(try_cast(value as integer)) filter (where key = 'licence_decision_working_days') as decision_limit
    from {{ ref('int_settings_versions') }}
    group by all
),
a as (
    select
        a.*,
        u.province_code,
        l.decision_limit,
        l.decision_limit + a.extension_days as allowed_working_days,
        o.data_as_of
    from {{ ref('stg_licence_applications') }} as a
    cross join {{ ref('int_licensing_as_of') }} as o
    left join {{ ref('int_unit_province') }} as u on u.unit_code = a.unit_code
    left join limits as l
        on l.province_code = u.province_code
        and a.accepted_date >= l.version_start and a.accepted_date < l.version_end
),
clocked as (
    select
        a.*,
        {{ add_working_days('a.accepted_date', 'a.allowed_working_days') }} as deadline_date,
        {{ working_days_between('a.accepted_date', 'a.decided_date') }} as working_days_to_decision,
        {{ working_days_between('a.accepted_date', 'a.data_as_of') }} as working_days_open
    from a
)
select
    *,
    case
        when accepted_date is null then 'not_accepted'
        when outcome = 'withdrawn' then 'withdrawn'
        when decided_date is null and data_as_of > deadline_date then 'overdue'
        when decided_date is null then 'pending'
        when decided_date > deadline_date then 'late'
        else 'on_time'
    end as decision_clock
from clocked
