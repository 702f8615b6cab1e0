-- The publication clock of each case (行政处罚法第四十八条; setting publication_working_days): working days
-- from the decision to the publication on the working-day calendar (int_working_days: weekends and the State
-- Council's holidays and make-up days). A decision not yet published is measured up to the data's own latest
-- date (data_as_of: the last event of any case, never the wall clock, so a rebuild gives the same answer).
with horizon as (
    select greatest(
        coalesce(max(discovered_date), date '1900-01-01'), coalesce(max(filed_date), date '1900-01-01'),
        coalesce(max(decided_date), date '1900-01-01'), coalesce(max(served_date), date '1900-01-01'),
        coalesce(max(published_date), date '1900-01-01'), coalesce(max(closed_date), date '1900-01-01'),
        coalesce(max(archived_date), date '1900-01-01')) as data_as_of
    from {{ ref('int_cases') }}
),
clock as (
    select
        c.case_id,
        c.decided_date as decision_date,
        c.published_date as publication_date,
        cast(s.publication_working_days as integer) as publication_limit,
        h.data_as_of,
        {{ working_days_between('c.decided_date', 'c.published_date') }} as publication_working_days,
        case when c.published_date is null
             then {{ working_days_between('c.decided_date', 'h.data_as_of') }} end as unpublished_working_days
    from {{ ref('int_cases') }} as c
    cross join horizon as h
    left join {{ ref('int_case_settings') }} as s on s.case_id = c.case_id
)
select
    *,
    case when decision_date is null then 'not_decided'
         when publication_date is not null and publication_working_days > publication_limit then 'late'
         when publication_date is not null then 'on_time'
         when unpublished_working_days > publication_limit then 'missing'
         else 'pending' end as publication_status
from clock
