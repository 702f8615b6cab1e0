-- Scorecard basis of handlers' training (培训): one row per course assignment, in its unit and the month it
-- fell due. Completed on or before the due day counts as done; one still open is scored only once its due
-- day has passed by the last read of the API store (data_as_of, as for rectifications: never the wall clock).
with a as (
    select
        *,
        {{ local_date('completed_at') }} as completed_date
    from {{ ref('stg_api_training_assignments') }}
),
horizon as (
    select coalesce(
        (select max({{ local_date('exported_at') }}) from {{ source('ops', 'loads') }} where source = 'api_store'),
        date '1900-01-01'
    ) as data_as_of
)
select
    'handler' as role,
    a.officer_id as person_id,
    a.unit_code,
    cast(date_trunc('month', a.due_date) as date) as month,
    a.assignment_id,
    a.completed_date is not null and a.completed_date <= a.due_date as done_on_time
from a
cross join horizon as h
where a.unit_code is not null and a.due_date is not null
    and (a.completed_date is not null or a.due_date < h.data_as_of)
