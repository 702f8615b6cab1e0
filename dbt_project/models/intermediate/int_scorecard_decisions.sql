-- Scorecard basis of approvers (审批人) and legal reviewers (法制审核人员): one row per decided approval,
-- in the month it was decided and the unit of its case. A legal_review approval scores its decider as a
-- legal reviewer, every other kind as an approver.
with deviation_reasons as (
    select case_id, bool_or(has_reason) as reasoned
    from {{ ref('stg_approvals') }}
    where kind = 'discretion_deviation' and outcome = 'approved'
    group by case_id
)
select
    case when a.kind = 'legal_review' then 'legal_reviewer' else 'approver' end as role,
    a.decided_by as person_id,
    c.unit_code,
    cast(date_trunc('month', a.decided_date) as date) as month,
    a.approval_id,
    a.case_id,
    a.kind,
    a.outcome = 'approved' as approved,
    a.has_reason,
    case when a.requested_at is not null and a.decided_at >= a.requested_at
         then date_diff('second', a.requested_at, a.decided_at) / 3600.0 end as decide_hours,
    q.final_source = 'human' as human_reviewed,
    q.final_source = 'human' and q.final_grade = '不合格' as found_defective,
    coalesce(not f.in_tier, false) as fine_outside_tier,
    coalesce(r.reasoned, false) as deviation_reasoned
from {{ ref('stg_approvals') }} as a
join {{ ref('int_cases') }} as c on c.case_id = a.case_id
left join {{ ref('fct_dossier_quality') }} as q on q.case_id = a.case_id
left join {{ ref('fct_case_fines') }} as f on f.case_id = a.case_id
left join deviation_reasons as r on r.case_id = a.case_id
where a.decided_by is not null and a.decided_date is not null and c.unit_code is not null
