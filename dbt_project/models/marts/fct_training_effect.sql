-- Per course, the before/after effect of training on the deduction rate of its rules, against untrained
-- officers with similar pre-rates (difference-in-differences, bootstrap interval; int_training_effect).
-- An observational comparison: never proof; small groups say so in conclusion.
select
    cast(e.course_id as varchar) as course_id,
    c.title_zh as course_title,
    cast(e.n_trained as integer) as n_trained,
    cast(e.n_comparison as integer) as n_comparison,
    cast(e.pre_rate_trained as double) as pre_rate_trained,
    cast(e.post_rate_trained as double) as post_rate_trained,
    cast(e.pre_rate_comparison as double) as pre_rate_comparison,
    cast(e.post_rate_comparison as double) as post_rate_comparison,
    cast(e.estimate as double) as estimate,
    cast(e.estimate_low as double) as estimate_low,
    cast(e.estimate_high as double) as estimate_high,
    cast(e.small_sample as boolean) as small_sample,
    cast(e.conclusion as varchar) as conclusion
from {{ ref('int_training_effect') }} as e
join {{ ref('ref_training_courses') }} as c on c.course_id = e.course_id
