-- One row per rectification (整改) with its local dates and clocks. Overdue is the one rule of
-- zhifa/rectification.py (tests/test_rectification_warehouse.py ties the two): working days past the due
-- day — up to the closing day once closed, else up to data_as_of — so the due day itself, and the weekend
-- or holidays right after it, are in time. data_as_of is the last time the API store was read (an
-- extraction writes an ops.loads row each run, changes or not), never the wall clock: a rebuild gives the
-- same answer.
with r as (
    select * from {{ ref('stg_api_rectifications') }}
),
items as (
    select
        rectification_id,
        count(*) as n_findings,
        count(*) filter (where outcome = 'disputed') as n_disputed,
        count(*) filter (where has_document) as n_documents
    from {{ ref('stg_api_rectification_items') }}
    group by rectification_id
),
horizon as (
    select greatest(
        coalesce((select max({{ local_date('exported_at') }}) from {{ source('ops', 'loads') }}
                  where source = 'api_store'), date '1900-01-01'),
        coalesce((select max({{ local_date('updated_at') }}) from r), date '1900-01-01')
    ) as data_as_of
),
dated as (
    select
        r.*,
        {{ local_date('r.opened_at') }} as opened_date,
        {{ local_date('r.closed_at') }} as closed_date,
        h.data_as_of,
        coalesce(i.n_findings, 0) as n_findings,
        coalesce(i.n_disputed, 0) as n_disputed,
        coalesce(i.n_documents, 0) as n_documents
    from r
    cross join horizon as h
    left join items as i on i.rectification_id = r.rectification_id
)
select
    *,
    date_diff('day', opened_date, closed_date) as days_to_close,
    {{ working_days_between('opened_date', 'closed_date') }} as working_days_to_close,
    {{ working_days_between('due_date', "case when status = 'closed' then closed_date else data_as_of end") }}
        as overdue_working_days,
    {{ working_days_between('due_date', "case when status = 'closed' then closed_date else data_as_of end") }} > 0
        as overdue
from dated
