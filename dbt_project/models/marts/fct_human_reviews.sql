-- One row per human review (every mode but machine), bulk imports and API reviews alike (both land in
-- raw.reviews): who reviewed which case of which unit, how long it took (started → submitted), the score,
-- and for a re-review or an arbitration the gap to the review it follows and whether that gap exceeds the
-- rereview_score_gap setting in force for the case's province on the review date.
with reviews as (
    select * from {{ ref('stg_reviews') }} where mode <> 'machine'
),
gap_settings as (
    select province_code, version_start, version_end, try_cast(value as double) as rereview_score_gap
    from {{ ref('int_settings_versions') }}
    where key = 'rereview_score_gap'
),
gaps as (
    select
        r.*,
        p.total_score as parent_score,
        case when r.mode in ('re_review', 'arbitration') then abs(r.total_score - p.total_score) end
            as score_gap
    from reviews as r
    left join {{ ref('stg_reviews') }} as p on p.review_id = r.parent_review_id
)
select
    r.review_id,
    r.case_id,
    c.unit_code,
    c.province_code,
    c.violation_code,
    u.city_code,
    u.path as unit_path,
    r.reviewer_id,
    r.mode,
    r.review_date,
    r.started_at,
    r.submitted_at,
    case when r.started_at is not null and r.submitted_at is not null
         then date_diff('second', r.started_at, r.submitted_at) / 3600.0 end as review_hours,
    r.total_score,
    r.grade,
    r.parent_review_id,
    r.parent_score,
    r.score_gap,
    g.rereview_score_gap as gap_threshold,
    r.score_gap > g.rereview_score_gap as over_gap,
    case when r.review_id like 'API-%' then 'api' else 'bulk' end as source
from gaps as r
left join {{ ref('int_cases') }} as c on c.case_id = r.case_id
left join {{ ref('dim_units') }} as u on u.unit_code = c.unit_code
left join gap_settings as g
    on g.province_code = c.province_code
    and r.review_date >= g.version_start and r.review_date < g.version_end
