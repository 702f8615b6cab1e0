-- Scorecard basis of handlers' rectifications (整改): one row per (rectification, responsible officer), in
-- the rectification's unit and the month it closed — or fell due, while it is still open past its due day.
-- A rectification still open and not yet due is not scored: it can still be done in time.
with per_officer as (
    select *, unnest(officer_ids) as officer_id
    from {{ ref('int_rectifications') }}
)
select
    'handler' as role,
    officer_id as person_id,
    unit_code,
    cast(date_trunc('month', case when status = 'closed' then closed_date else due_date end) as date) as month,
    rectification_id,
    status,
    overdue
from per_officer
where unit_code is not null and (status = 'closed' or overdue)
