-- Scorecard basis of case reviewers (评查人员): one row per human review (not arbitrations, which judge the
-- others), in the month of the review and the reviewer's unit (raw.officers holds one current unit per
-- officer: a reviewer's move between units is not in the data, see docs/metrics.md).
with children as (
    select
        parent_review_id,
        bool_or(mode = 're_review') as rereviewed,
        bool_or(mode = 're_review' and not coalesce(over_gap, false)) as rereview_agrees
    from {{ ref('fct_human_reviews') }}
    where parent_review_id is not null
    group by parent_review_id
),
arbitration as (
    select case_id, arg_max(total_score, submitted_at) as arbitration_score
    from {{ ref('fct_human_reviews') }}
    where mode = 'arbitration'
    group by case_id
)
select
    'case_reviewer' as role,
    h.reviewer_id as person_id,
    o.unit_code,
    cast(date_trunc('month', h.review_date) as date) as month,
    h.review_id,
    h.case_id,
    h.review_hours,
    x.offset_points,
    x.band as offset_band,
    coalesce(ch.rereviewed, false) as rereviewed,
    coalesce(ch.rereview_agrees, false) as rereview_agrees,
    ar.arbitration_score is not null as arbitrated,
    abs(h.total_score - ar.arbitration_score) <= h.gap_threshold as arbitration_upheld
from {{ ref('fct_human_reviews') }} as h
join {{ ref('stg_officers') }} as o on o.officer_id = h.reviewer_id
left join {{ ref('int_review_offsets') }} as x on x.review_id = h.review_id
left join children as ch on ch.parent_review_id = h.review_id
left join arbitration as ar on ar.case_id = h.case_id
where h.mode <> 'arbitration' and h.review_date is not null and o.unit_code is not null
