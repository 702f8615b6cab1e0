-- Per unit subtree and course, the before/after effect of training (as fct_training_effect, computed over the
-- unit's officers only: int_training_effect_units), for the unit-scoped 执法考评 dashboard. period: the
-- median completion date of the unit's trained officers. Observational, never proof; evidence says so.
with completed as (
    select unit_code, course_id, quantile_disc(ref_date, 0.5) as period
    from {{ ref('int_training_effect_unit_panel') }}
    where trained
    group by all
)
select
    cast(e.unit_code as varchar) as unit_code,
    cast(e.course_id as varchar) as course_id,
    c.title_zh as course_title,
    {{ training_effect_columns('e') }},
    cast(e.evidence as varchar) as evidence,
    d.period
from {{ ref('int_training_effect_units') }} as e
join {{ ref('ref_training_courses') }} as c on c.course_id = e.course_id
join completed as d on d.unit_code = e.unit_code and d.course_id = e.course_id
