-- One row per review task captured by the API (pool 抢单, sample 抽查, re_review 复核, arbitration 仲裁): when it
-- was published, claimed and submitted, how long the reviewer took, the score submitted, and for a re-review
-- the gap to the first review of the same dossier (its parent task's review, else the dossier's earliest
-- submitted pool or sample review).
with tasks as (
    select * from {{ ref('stg_api_review_tasks') }}
),
first_reviews as (
    select dossier_id, arg_min(total_score, submitted_at) as first_score
    from tasks
    where mode in ('pool', 'sample') and total_score is not null
    group by dossier_id
)
select
    t.task_id,
    t.case_id,
    t.dossier_id,
    t.unit_code,
    u.province_code,
    t.mode,
    t.status,
    t.parent_task_id,
    t.publisher_unit,
    t.assignee_id,
    t.published_at,
    t.claimed_at,
    t.submitted_at,
    {{ local_date('t.published_at') }} as published_date,
    case when t.claimed_at is not null and t.submitted_at is not null
         then date_diff('second', t.claimed_at, t.submitted_at) / 3600.0 end as claim_to_finish_hours,
    t.review_id,
    t.total_score,
    t.grade,
    case when t.mode = 're_review' and t.total_score is not null
         then abs(t.total_score - coalesce(p.total_score, f.first_score)) end as score_gap
from tasks as t
left join {{ ref('int_unit_province') }} as u on u.unit_code = t.unit_code
left join tasks as p on p.task_id = t.parent_task_id
left join first_reviews as f on f.dossier_id = t.dossier_id
