select
    approval_id,
    case_id,
    kind,
    requested_by,
    requested_at,
    decided_by,
    decided_at,
    {{ local_date('decided_at') }} as decided_date,
    outcome,
    reason is not null and trim(reason) <> '' as has_reason
from {{ source('raw', 'approvals') }}
