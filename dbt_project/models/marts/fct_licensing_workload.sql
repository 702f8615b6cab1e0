-- Licensing workload and time to decision per unit and month of receipt: applications received, accepted,
-- decided (approved / refused), still open, and decided late; working days from acceptance to decision
-- (int_licence_applications; the clock of 行政许可法第四十二条).
select
    province_code,
    unit_code,
    cast(date_trunc('month', received_date) as date) as received_month,
    application_kind,
    count(*) as applications,
    count(accepted_date) as accepted,
    count(decided_date) as decided,
    count(*) filter (where outcome = 'approved') as approved,
    count(*) filter (where outcome = 'refused') as refused,
    count(*) filter (where decision_clock in ('pending', 'overdue')) as open,
    count(*) filter (where decision_clock in ('late', 'overdue')) as past_legal_time,
    avg(working_days_to_decision) as avg_working_days_to_decision,
    median(working_days_to_decision) as median_working_days_to_decision,
    max(working_days_to_decision) as max_working_days_to_decision
from {{ ref('int_licence_applications') }}
group by all
