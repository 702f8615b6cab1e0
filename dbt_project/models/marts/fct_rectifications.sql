-- One row per rectification (整改) of the API store: who (unit, responsible officers, re-checking
-- reviewer), when (opened, due, closed), the state and the overdue flag of int_rectifications. Plain names
-- for the officer assessment (考评) to read.
select
    r.rectification_id,
    r.case_id,
    r.dossier_id,
    r.unit_code,
    u.province_code,
    r.source,
    r.review_id,
    r.officer_ids,
    r.reviewer_id,
    r.deducted_points,
    r.threshold,
    r.n_findings,
    r.n_disputed,
    r.n_documents,
    r.status,
    r.opened_at,
    r.opened_date,
    r.due_date,
    r.answered_at,
    r.closed_at,
    r.closed_date,
    r.rounds,
    r.days_to_close,
    r.working_days_to_close,
    r.overdue,
    r.overdue_working_days,
    r.data_as_of
from {{ ref('int_rectifications') }} as r
left join {{ ref('int_unit_province') }} as u on u.unit_code = r.unit_code
