select
    review_id,
    case_id,
    reviewer_id,
    mode,
    parent_review_id,
    started_at,
    submitted_at,
    {{ local_date('coalesce(submitted_at, started_at)') }} as review_date,
    total_score,
    grade
from {{ source('raw', 'reviews') }}
