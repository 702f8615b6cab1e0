-- One row per rectified finding — accepted by the reviewer after the unit answered it corrected, in a closed
-- rectification — and whether the same rule was deducted again afterwards in the same unit: a review
-- (bulk or API, stg_reviews) of another case of that unit, done after the rectification closed, with a
-- deduction under that rule. n_later_reviews is the denominator (how many chances it had to recur).
with fixed as (
    select i.item_id, i.rectification_id, i.rule_id, i.deducted_points, r.case_id, r.unit_code, r.closed_at
    from {{ ref('stg_api_rectification_items') }} as i
    join {{ ref('int_rectifications') }} as r on r.rectification_id = i.rectification_id
    where r.status = 'closed' and i.status = 'accepted' and i.outcome = 'corrected'
),
later_reviews as (
    select v.review_id, v.case_id, c.unit_code, coalesce(v.submitted_at, v.started_at) as reviewed_at
    from {{ ref('stg_reviews') }} as v
    join {{ ref('int_cases') }} as c on c.case_id = v.case_id
),
deducted as (
    select distinct review_id, rule_id
    from {{ ref('stg_review_items') }}
    where deducted_points > 0
),
later as (
    select
        f.item_id,
        count(distinct l.review_id) as n_later_reviews,
        count(distinct d.review_id) as n_recurrences,
        min(l.reviewed_at) filter (where d.review_id is not null) as first_recurrence_at
    from fixed as f
    left join later_reviews as l
        on l.unit_code = f.unit_code and l.case_id <> f.case_id and l.reviewed_at > f.closed_at
    left join deducted as d on d.review_id = l.review_id and d.rule_id = f.rule_id
    group by f.item_id
)
select
    f.item_id,
    f.rectification_id,
    f.case_id,
    f.unit_code,
    u.province_code,
    f.rule_id,
    f.deducted_points,
    f.closed_at,
    coalesce(l.n_later_reviews, 0) as n_later_reviews,
    coalesce(l.n_recurrences, 0) as n_recurrences,
    coalesce(l.n_recurrences, 0) > 0 as recurred,
    l.first_recurrence_at
from fixed as f
left join later as l on l.item_id = f.item_id
left join {{ ref('int_unit_province') }} as u on u.unit_code = f.unit_code
