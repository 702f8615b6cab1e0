-- Reviewer × year: how a reviewer's scores compare with the other reviews of the same dossiers
-- (offset = own score − mean of the other human reviews of that dossier), partially pooled like the fine
-- consistency; flagged when the interval lies outside ±reviewer_offset_band points.
with reviews as (
    select review_id, reviewer_id, year, total_score from {{ ref('int_review_offsets') }}
),
compared as (
    select reviewer_id, year, offset_points as r, band, z
    from {{ ref('int_review_offsets') }}
    where n_on_dossier > 1
),
estimates as (
    {{ partial_pooling('compared', ['reviewer_id']) }}
),
counts as (
    select reviewer_id, year, cast(count(*) as integer) as n_reviews, avg(total_score) as mean_score
    from reviews
    group by all
)
select
    c.reviewer_id,
    c.year,
    c.n_reviews,
    coalesce(e.n_cases, 0) as n_compared,
    c.mean_score,
    e.raw_mean as mean_offset,
    e.effect as offset_pooled,
    e.effect_low as offset_low,
    e.effect_high as offset_high,
    a.agreement,
    coalesce(e.flagged and e.n_cases >= s.min_reviews, false) as flagged,
    case when e.flagged and e.n_cases >= s.min_reviews then case e.direction when 'high' then 'lenient' else 'harsh' end end
        as direction,
    e.band as offset_band,
    o.unit_code
from counts as c
left join {{ ref('stg_officers') }} as o on o.officer_id = c.reviewer_id
left join estimates as e on e.reviewer_id = c.reviewer_id and e.year = c.year
left join (
    select reviewer_id, year, avg(case when abs(r) <= band then 1.0 else 0.0 end) as agreement
    from compared group by all
) as a on a.reviewer_id = c.reviewer_id and a.year = c.year
cross join (select min(reviewer_min_reviews) as min_reviews from {{ ref('int_case_settings') }}) as s
