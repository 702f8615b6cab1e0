-- One row per calendar day with the working-day calendar (zhifa/calendar.py is the same rule in Python):
-- a working day is Monday–Friday unless ref_holidays lists it as a holiday, or any day it lists as a
-- make-up working day. working_day_no counts working days from the first row, so the working days after d1
-- up to and including d2 are working_day_no(d2) − working_day_no(d1) (macro working_days_between).
with days as (
    select cast(d as date) as calendar_date
    from range(date '2000-01-01', date '2061-01-01', interval 1 day) as t(d)
),
marked as (
    select
        d.calendar_date,
        h.kind,
        h.name_zh,
        case when h.kind = 'makeup_workday' then true
             when h.kind = 'holiday' then false
             else isodow(d.calendar_date) <= 5 end as is_working_day
    from days as d
    left join {{ ref('ref_holidays') }} as h on h.calendar_date = d.calendar_date
)
select
    calendar_date,
    is_working_day,
    kind,
    name_zh,
    cast(sum(case when is_working_day then 1 else 0 end) over (order by calendar_date) as integer) as working_day_no
from marked
