-- One row per human review: its score against the other human reviews of the same dossier
-- (offset = own score − mean of the others; null when it is the dossier's only human review), with the
-- calibration band and interval z in force for the case. fct_reviewer_calibration pools these per reviewer
-- and year; the scorecards read them per month — one definition of "against the consensus".
with reviews as (
    select
        r.review_id, r.case_id, r.reviewer_id, r.review_date, cast(year(r.review_date) as integer) as year,
        r.total_score,
        count(*) over (partition by r.case_id) as n_on_dossier,
        sum(r.total_score) over (partition by r.case_id) as sum_on_dossier,
        s.reviewer_offset_band, s.disparity_interval_z
    from {{ ref('stg_reviews') }} as r
    left join {{ ref('int_case_settings') }} as s on s.case_id = r.case_id
    where r.mode <> 'machine'
)
select
    review_id,
    case_id,
    reviewer_id,
    review_date,
    year,
    total_score,
    cast(n_on_dossier as integer) as n_on_dossier,
    case when n_on_dossier > 1
         then total_score - (sum_on_dossier - total_score) / (n_on_dossier - 1) end as offset_points,
    reviewer_offset_band as band,
    disparity_interval_z as z
from reviews
