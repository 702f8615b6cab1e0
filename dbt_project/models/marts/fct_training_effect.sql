-- Per course, the before/after effect of training on the deduction rate of its rules, against untrained
-- officers with similar pre-rates (difference-in-differences, bootstrap interval; int_training_effect).
-- An observational comparison: never proof; small groups say so in conclusion.
select
    cast(e.course_id as varchar) as course_id,
    c.title_zh as course_title,
    {{ training_effect_columns('e') }}
from {{ ref('int_training_effect') }} as e
join {{ ref('ref_training_courses') }} as c on c.course_id = e.course_id
