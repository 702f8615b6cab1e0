select
    video_id,
    case_id,
    officer_id,
    device_id,
    step,
    started_at,
    ended_at,
    uploaded_at,
    date_diff('second', coalesce(ended_at, started_at), uploaded_at) / 3600.0 as upload_delay_hours
from {{ source('raw', 'videos') }}
