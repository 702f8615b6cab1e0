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
    cast(e.conclusion as varchar) as conclusion,
    cast(e.evidence as varchar) as evidence,
    d.period
from {{ ref('int_training_effect_units') }} as e
join {{ ref('ref_training_courses') }} as c on c.course_id = e.course_id
join completed as d on d.unit_code = e.unit_code and d.course_id = e.course_id
